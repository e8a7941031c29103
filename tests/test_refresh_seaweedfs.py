"""Refreshing credentials end to end, against SeaweedFS: its embedded STS hands out 3-second
credentials, so a signer used for 16 s goes through five or more of them.

- a ``Presigner.from_config()`` signer for a role, shared by 8 threads;
- loopback instance metadata and container endpoints that rotate real STS credentials (fetched
  with boto3, independently of s3presign), and an instance metadata service that keeps returning
  the same near-expiry credentials;
- a credential_process that starts failing: advisory failures keep signing, the mandatory window
  raises, signing resumes when it is back; the command exits 253.

Every URL is sent to SeaweedFS at once and must be accepted; none may be signed after the expiry
that SeaweedFS itself wrote into the session token (a JWT ``exp`` claim)."""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from s3presign import CredentialsError, Presigner, RefreshableCredentials

from . import fake_services
from .http import send
from .seaweedfs import STS_TOKEN_SECONDS, Server
from .test_sts_seaweedfs import role_profile  # noqa: F401  (a fixture)

ADVISORY, MANDATORY = 1.5, 1.0  # seconds before expiry, for 3-second credentials
LIFETIMES = 5
RUN_SECONDS = STS_TOKEN_SECONDS * LIFETIMES + 1


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def token_expiry(url: str) -> float:
    """The ``exp`` claim SeaweedFS put in the session token the URL carries."""
    payload = _query(url)["X-Amz-Security-Token"].split(".")[1]
    return float(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"])


def signed_at(url: str) -> float:
    return datetime.strptime(_query(url)["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).timestamp()


def hammer(signer: Presigner, server: Server, seconds: float, threads: int = 8) -> list[str]:
    """``threads`` threads PUT then GET their own objects through fresh URLs for ``seconds``; every
    request must succeed. Returns every URL made."""
    urls: list[str] = []
    failures: list[str] = []
    end = time.time() + seconds

    def work(n: int) -> None:
        i = 0
        while time.time() < end and not failures:
            key = f"refresh/{n}/{i} ü.txt"
            body = f"{n}-{i}".encode()
            put = signer.presign(server.bucket, key, "PUT", expires_in=600)
            response = send(put, "PUT", body)
            if response.status != 200:
                failures.append(f"PUT {response.status}: {response.body[:300]!r}")
            get = signer.presign(server.bucket, key, expires_in=600)
            response = send(get)
            if response.status != 200 or response.body != body:
                failures.append(f"GET {response.status}: {response.body[:300]!r}")
            urls.extend((put, get))
            i += 1
            time.sleep(0.01)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not failures, failures[:3]
    return urls


def check(urls: list[str], seconds: float) -> set[str]:
    """No URL signed after its credentials expired; returns the key ids used."""
    for url in urls:
        assert signed_at(url) < token_expiry(url), "signed with expired credentials"
    ids = {_query(u)["X-Amz-Credential"].split("/")[0] for u in urls}
    assert len(ids) >= LIFETIMES  # it did refresh, through every lifetime
    # ... and not per thread or per URL: the advisory point comes 0.5 to 1.5 s into each lifetime.
    assert len(ids) <= seconds / 0.5 + 2, len(ids)
    assert len(urls) > 10 * len(ids)
    return ids


def test_from_config_role_signer_shared_by_8_threads(role_profile: Server) -> None:  # noqa: F811
    signer = Presigner.from_config(profile="role", advisory_refresh=ADVISORY, mandatory_refresh=MANDATORY)
    assert isinstance(signer._source, RefreshableCredentials)
    urls = hammer(signer, role_profile, RUN_SECONDS)
    check(urls, RUN_SECONDS)


class Rotation:
    """Real 3-second STS credentials from SeaweedFS (through boto3), renewed when fewer than
    ``renew_below`` seconds are left, as the instance metadata and container services rotate theirs;
    ``renew_below=None`` keeps handing out the first ones."""

    def __init__(self, server: Server, renew_below: float | None) -> None:
        import boto3

        self.sts = boto3.client("sts", endpoint_url=server.endpoint_url, region_name="us-east-1",
                                aws_access_key_id=server.access_key_id,
                                aws_secret_access_key=server.secret_access_key)
        self.role_arn = server.role_arn
        self.renew_below = renew_below
        self.lock = threading.Lock()
        self.current: dict[str, object] | None = None
        self.served = 0

    def __call__(self) -> bytes:
        with self.lock:
            self.served += 1
            creds = self.current
            if creds is None or (self.renew_below is not None
                                 and creds["Expiration"].timestamp() - time.time() < self.renew_below):  # type: ignore
                creds = self.current = self.sts.assume_role(RoleArn=self.role_arn,
                                                            RoleSessionName="rotation")["Credentials"]
            return json.dumps({"AccessKeyId": creds["AccessKeyId"], "SecretAccessKey": creds["SecretAccessKey"],
                               "Token": creds["SessionToken"],
                               "Expiration": creds["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ")}).encode()  # type: ignore


@pytest.fixture
def bare_env(seaweedfs_env: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    """SeaweedFS as the endpoint and no keys: the chain goes on to container or instance metadata."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    return seaweedfs_env


@contextmanager
def instance_metadata(handler: fake_services.Handler, monkeypatch: pytest.MonkeyPatch
                      ) -> Iterator[list[tuple[str, str, dict[str, str]]]]:
    with fake_services.serve(handler) as (endpoint, seen):
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint)
        yield seen


def credential_hits(seen: list[tuple[str, str, dict[str, str]]]) -> int:
    return sum(1 for _, path, _ in seen if path.startswith("/latest/meta-data/iam/security-credentials/app"))


def test_instance_metadata_that_rotates(bare_env: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    rotation = Rotation(bare_env, renew_below=2.0)  # it hands out credentials with 2 to 3 s left
    with instance_metadata(fake_services.imds("app-role", "", "", credentials=rotation), monkeypatch) as seen:
        signer = Presigner.from_config(advisory_refresh=ADVISORY, mandatory_refresh=MANDATORY)
        urls = hammer(signer, bare_env, RUN_SECONDS)
    ids = check(urls, RUN_SECONDS)
    assert credential_hits(seen) <= len(ids) + 4


def test_container_endpoint_that_rotates(bare_env: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    rotation = Rotation(bare_env, renew_below=2.0)
    handler = fake_services.container("/v2/credentials/task", "container-token", "", "", credentials=rotation)
    with fake_services.serve(handler) as (endpoint, seen):
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint + "/v2/credentials/task")
        monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-token")
        signer = Presigner.from_config(advisory_refresh=ADVISORY, mandatory_refresh=MANDATORY)
        urls = hammer(signer, bare_env, RUN_SECONDS)
    ids = check(urls, RUN_SECONDS)
    assert len(seen) <= len(ids) + 4


def test_instance_metadata_stuck_on_near_expiry_credentials_is_not_hammered(
        bare_env: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    rotation = Rotation(bare_env, renew_below=None)  # the same credentials, whatever is left of them
    with instance_metadata(fake_services.imds("app-role", "", "", credentials=rotation), monkeypatch) as seen:
        signer = Presigner.from_config()  # default windows (15 and 10 minutes): they arrive inside both
        signed = 0
        while True:
            try:
                url = signer.presign(bare_env.bucket, "near/expiry.txt", "PUT")
            except CredentialsError as exc:
                assert "instance metadata" in str(exc) and "expire" in str(exc)
                break
            assert signed_at(url) < token_expiry(url)
            assert send(url, "PUT", b"x").status == 200
            signed += 1
            time.sleep(0.005)
    assert signed > 100
    assert credential_hits(seen) <= 8, credential_hits(seen)  # ~log2(3 s / 10 ms), not one per URL (>100)


# -- a source that starts failing ------------------------------------------------------------------

PROCESS = """\
import json, os, sys, time
with open(sys.argv[1] + ".calls", "a") as calls:
    calls.write("called\\n")
if os.path.exists(sys.argv[1] + ".down"):
    sys.exit("source down for maintenance")
print(json.dumps({"Version": 1, "AccessKeyId": sys.argv[2], "SecretAccessKey": sys.argv[3],
                  "Expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 4))}))
"""


@pytest.fixture
def process_profile(seaweedfs_env: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A credential_process giving the server's keys with an Expiration 3 to 4 s away, until
    ``flag`` exists. Returns ``flag``."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    script = tmp_path / "process.py"
    script.write_text(PROCESS)
    flag = tmp_path / "source"
    (tmp_path / ".aws").mkdir(exist_ok=True)
    (tmp_path / ".aws" / "config").write_text(
        f"[profile tools]\ncredential_process = {sys.executable} {script} {flag} "
        f"{seaweedfs_env.access_key_id} {seaweedfs_env.secret_access_key}\n")
    return flag


def test_failing_source_advisory_then_mandatory_then_back(
        process_profile: Path, seaweedfs_env: Server, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="s3presign")
    signer = Presigner.from_config(profile="tools", advisory_refresh=2.5, mandatory_refresh=1.0)
    expiry = signer.credentials.expires_at.timestamp()  # type: ignore[union-attr]
    down = Path(str(process_profile) + ".down")
    down.touch()

    def works() -> None:
        url = signer.presign(seaweedfs_env.bucket, "failing/source.txt", "PUT")
        assert send(url, "PUT", b"still signing").status == 200

    time.sleep(max(0.0, expiry - 2.5 - time.time()) + 0.05)  # the advisory window
    while time.time() < expiry - 1.2:
        works()  # advisory failures: still signing with the current credentials
        time.sleep(0.05)
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert "source down for maintenance" in message and "credential_process" in message
    assert seaweedfs_env.secret_access_key not in message
    time.sleep(max(0.0, expiry - 1.0 - time.time()) + 0.05)  # the mandatory window
    with pytest.raises(CredentialsError) as info:
        signer.presign(seaweedfs_env.bucket, "k")
    assert "credential_process for profile 'tools'" in str(info.value)
    assert "source down for maintenance" in str(info.value)
    assert seaweedfs_env.secret_access_key not in str(info.value)
    down.unlink()
    deadline = time.time() + 8  # the mandatory backoff is at most 5 s
    while True:
        try:
            works()
            break
        except CredentialsError:
            assert time.time() < deadline, "signing did not resume"
            time.sleep(0.2)
    assert len(caplog.records) == 1


def test_command_exits_253_when_refreshing_fails(process_profile: Path, seaweedfs_env: Server,
                                                 tmp_path: Path) -> None:
    """A long bulk run: the credentials expire while it reads its input, the source is down by
    then, and the command stops with one line and exit 253."""
    command = [sys.executable, "-m", "s3presign", "-", "--profile", "tools", "--jobs", "1"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env)
    assert process.stdin is not None
    process.stdin.write(f"s3://{seaweedfs_env.bucket}/a.txt\n".encode())
    process.stdin.flush()
    time.sleep(1.0)
    Path(str(process_profile) + ".down").touch()
    time.sleep(4.5)  # past the credentials' expiry
    out, err = process.communicate(f"s3://{seaweedfs_env.bucket}/b.txt\n".encode(), timeout=60)
    assert process.returncode == 253, err
    lines = err.decode().strip().splitlines()
    assert lines[-1].startswith("s3presign: error: cannot refresh the credentials from credential_process")
    assert "source down for maintenance" in lines[-1]
    assert seaweedfs_env.secret_access_key.encode() not in err + out


def test_lifetime_option_refreshes_for_longer_urls(role_profile: Server) -> None:  # noqa: F811
    """3-second credentials cannot cover a 60-second URL: with refresh_for_url_lifetime the signer
    fetches fresh ones (at most once per tenth of their lifetime, clamped to 1 s), each URL still works."""
    signer = Presigner.from_config(profile="role", advisory_refresh=1.0, mandatory_refresh=0.5,
                                   refresh_for_url_lifetime=True)
    urls = []
    end = time.time() + 4
    while time.time() < end:
        request = signer.presign_request(role_profile.bucket, "lifetime.txt", method="PUT", expires_in=60)
        assert request.expires_early  # the source cannot do better than 3 s; it says so
        assert send(request.url, "PUT", b"x").status == 200
        urls.append(request.url)
        time.sleep(0.02)
    ids = {_query(u)["X-Amz-Credential"] for u in urls}
    assert 3 <= len(ids) <= 4 / 1.0 + 2
