"""The signing service with credentials that expire: ``s3presign serve`` signs through a role
whose SeaweedFS STS sessions last a few seconds, for several lifetimes. Every download URL it
hands out and every S3 call it makes itself (CreateMultipartUpload, AbortMultipartUpload) must
be accepted by SeaweedFS: the service refreshes, never signing with an expired session."""

from __future__ import annotations

import json
import os
import time
import urllib.parse
from pathlib import Path

from .http import send
from .seaweedfs import STS_TOKEN_SECONDS, Server
from .service import (
    BUCKET,
    JWT_ENV,
    JWT_SECRET,
    PARTNER_ENV,
    PARTNER_SECRET,
    READER_TOKEN,
    WEB_TOKEN,
    policy_text,
    prepare_bucket,
    run_service,
)


def _call(base: str, method: str, path: str, token: str, body: object = None) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    response = send(base + path, method, data, headers={"Authorization": f"Bearer {token}",
                                                        "Content-Type": "application/json"})
    return response.status, json.loads(response.body or b"null")


def test_service_keeps_signing_across_credential_lifetimes(seaweedfs: Server, tmp_path: Path) -> None:
    prepare_bucket(seaweedfs, "http://127.0.0.1:1")
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(
        f"[tester]\naws_access_key_id = {seaweedfs.access_key_id}\n"
        f"aws_secret_access_key = {seaweedfs.secret_access_key}\n")
    (home / ".aws" / "config").write_text(
        f"[profile role]\nrole_arn = {seaweedfs.role_arn}\nsource_profile = tester\n")
    policy = tmp_path / "policy.toml"
    policy.write_text(policy_text(seaweedfs, "http://127.0.0.1:1").replace(
        'addressing_style = "path"', 'addressing_style = "path"\nprofile = "role"', 1))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # AWS_ENDPOINT_URL sends STS to SeaweedFS too, as AWS CLI v2 would; no keys in the environment.
    env.update(HOME=str(home), AWS_ENDPOINT_URL=seaweedfs.endpoint_url, AWS_EC2_METADATA_DISABLED="true",
               PYTHONPATH=str(Path(__file__).parents[1] / "src"))
    env[JWT_ENV] = JWT_SECRET
    env[PARTNER_ENV] = PARTNER_SECRET

    # The object the reader downloads, put there with the server's own keys.
    import boto3

    boto3.client("s3", endpoint_url=seaweedfs.endpoint_url, region_name="us-east-1",
                 aws_access_key_id=seaweedfs.access_key_id,
                 aws_secret_access_key=seaweedfs.secret_access_key).put_object(
        Bucket=BUCKET, Key="public/refresh.txt", Body=b"fresh every time")

    with run_service(policy, env, tmp_path / "serve.log") as (base, _process):
        tokens: set[str] = set()
        uploads = downloads = 0
        end = time.time() + 4 * STS_TOKEN_SECONDS + 1  # several credential lifetimes
        while time.time() < end:
            status, answer = _call(base, "GET", "/download?key=" + urllib.parse.quote("public/refresh.txt"),
                                   READER_TOKEN)
            assert status == 200, answer
            url = answer["url"]  # type: ignore[index]
            tokens.add(urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["X-Amz-Security-Token"][0])
            got = send(url)
            assert (got.status, got.body) == (200, b"fresh every time"), got.body[:300]
            downloads += 1
            # The service's own S3 calls, header-signed with the current session.
            status, created = _call(base, "POST", "/s3/multipart", WEB_TOKEN,
                                    {"filename": "big.bin", "type": "application/octet-stream", "metadata": {}})
            assert status == 200, created
            key = urllib.parse.quote(created["key"])  # type: ignore[index]
            status, aborted = _call(base, "DELETE", f"/s3/multipart/{created['uploadId']}?key={key}",  # type: ignore[index]
                                    WEB_TOKEN)
            assert status == 200, aborted
            uploads += 1
            time.sleep(0.3)
    assert downloads >= 10 and uploads >= 10
    # Sessions of STS_TOKEN_SECONDS over four lifetimes: several sessions, not one per request.
    assert 3 <= len(tokens) <= downloads // 2, (len(tokens), downloads)
    log = (tmp_path / "serve.log").read_text()
    assert seaweedfs.secret_access_key not in log
    assert not any(token in log for token in tokens)


def test_signing_resumes_within_a_second_of_the_source_answering_again(seaweedfs: Server) -> None:
    """A source that fails for 10 s, then answers: in the mandatory window it is asked about once a
    second (one caller at a time, however many sign), so the first URL is signed within a second of
    the source's return, and SeaweedFS accepts it."""
    import threading
    from datetime import datetime, timedelta, timezone

    from s3presign import Credentials, CredentialsError, Presigner, RefreshableCredentials

    start = time.time()
    back_at = start + 10
    attempts: list[float] = []
    lock = threading.Lock()

    def fetch() -> Credentials:
        with lock:
            attempts.append(time.time())
        if time.time() < back_at:
            raise OSError("the credential source is down")
        return Credentials(seaweedfs.access_key_id, seaweedfs.secret_access_key,
                           expires_at=datetime.now(timezone.utc) + timedelta(hours=1))

    signer = Presigner(RefreshableCredentials(fetch, advisory_refresh=60, mandatory_refresh=30, name="flaky"),
                       region="us-east-1", endpoint_url=seaweedfs.endpoint_url, addressing_style="path")
    signed: list[tuple[float, str]] = []

    def sign() -> None:
        while time.time() < back_at + 5 and not signed:
            try:
                url = signer.presign(seaweedfs.bucket, "refresh/none.txt", "GET", 60)
            except CredentialsError as exc:
                assert "the credential source is down" in str(exc)
                time.sleep(0.01)
                continue
            with lock:
                signed.append((time.time(), url))

    threads = [threading.Thread(target=sign) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert signed, attempts
    resumed = min(t for t, _ in signed) - back_at
    assert resumed <= 1.25, resumed  # within a second (plus a loaded machine's scheduling)
    during = [a for a in attempts if a < back_at]
    assert 8 <= len(during) <= 12, len(during)  # about one a second, never one per caller
    gaps = [b - a for a, b in zip(attempts, attempts[1:])]
    assert min(gaps) >= 0.9, gaps  # single flight: four threads, one fetch at a time
    assert send(signed[0][1]).status in (200, 404)  # signed with the credentials that came back
