"""The signing service under test: ``s3presign serve`` (real uvicorn) on loopback, in front of SeaweedFS.

The policy has these callers: bearer-token clients ``web`` and ``other`` (same rule, so
each must be kept out of the other's keys), ``browser`` and ``partner`` (HS256 JWTs, each with its
own secret, whose ``sub`` is the identity, for the path token Uppy uses), ``tiny`` (a 1000-byte
``max_size``), ``reader`` and ``limited`` (GET only; ``limited`` is rate-limited), and
``overlap`` (two rules with the same key template: a big image rule, then a small text rule). JWTs are made here with hmac and base64
directly, not with the service's code.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .seaweedfs import Server

BUCKET = "svc-uploads"
WEB_TOKEN = "web-token-Zm9vYmFyYmF6cXV4"
OTHER_TOKEN = "other-token-cXV4cXV1eGNvcmdl"
TINY_TOKEN = "tiny-token-Z3JhdWx0aW1lZW5k"
READER_TOKEN = "reader-token-c2lsdmVybW9vbg"
LIMITED_TOKEN = "limited-token-bm93aGVyZWJ1Y2tldA"
JWT_SECRET = "jwt-secret-for-s3presign-tests-0123456789abcdef"
JWT_ENV = "S3PRESIGN_TEST_JWT_SECRET"
PARTNER_SECRET = "partner-jwt-secret-for-s3presign-tests-fedcba98765"
PARTNER_ENV = "S3PRESIGN_TEST_PARTNER_SECRET"
OVERLAP_TOKEN = "overlap-token-b3ZlcmxhcHBpbmdydWxlcw"
SIXTEEN_MIB = 16 * 1024 * 1024


@dataclass(frozen=True)
class Service:
    url: str
    policy: Path
    audit: Path
    log: Path
    store: Server
    origin: str


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_jwt(claims: dict[str, object], secret: str = JWT_SECRET, alg: str = "HS256") -> str:
    """An HS256 JWT per RFC 7515 (compact serialization), built independently of the service."""
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = part(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = part(json.dumps(claims).encode())
    mac = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest() if alg == "HS256" else b""
    return f"{head}.{body}.{part(mac)}"


def browser_jwt(sub: str = "alice", lifetime: int = 600) -> str:
    return make_jwt({"sub": sub, "exp": int(time.time()) + lifetime})


def policy_text(store: Server, origin: str) -> str:
    return f"""
[s3]
region = "us-east-1"
endpoint_url = "{store.endpoint_url}"
addressing_style = "path"

[server]
cors_origins = ["{origin}"]
audit_log = "audit.jsonl"
failed_auth_burst = 1000  # the suite's own refusals must not lock 127.0.0.1 out

[[clients]]
name = "web"
token_sha256 = "{sha256_hex(WEB_TOKEN)}"

[[clients]]
name = "other"
token_sha256 = "{sha256_hex(OTHER_TOKEN)}"

[[clients]]
name = "browser"
jwt_secret_env = "{JWT_ENV}"
max_token_lifetime = 900

[[clients]]
name = "partner"
jwt_secret_env = "{PARTNER_ENV}"
max_token_lifetime = 900

[[clients]]
name = "overlap"
token_sha256 = "{sha256_hex(OVERLAP_TOKEN)}"

[[clients]]
name = "tiny"
token_sha256 = "{sha256_hex(TINY_TOKEN)}"

[[clients]]
name = "reader"
token_sha256 = "{sha256_hex(READER_TOKEN)}"

[[clients]]
name = "limited"
token_sha256 = "{sha256_hex(LIMITED_TOKEN)}"
rate_limit = 0.5
burst = 3

[[rules]]
clients = ["web", "other", "browser", "partner"]
bucket = "{BUCKET}"
key = "svc/{{client}}/{{uuid}}-{{filename}}"
methods = ["POST", "PUT", "GET"]
max_size = {SIXTEEN_MIB}
content_types = ["text/*", "image/png", "application/octet-stream"]
max_expires_in = 600
metadata = ["name"]

[[rules]]
clients = ["tiny"]
bucket = "{BUCKET}"
key = "tiny/{{client}}/{{uuid}}-{{filename}}"
methods = ["POST", "PUT", "GET"]
max_size = 1000
content_types = ["text/plain"]
max_expires_in = 300

[[rules]]
clients = ["reader", "limited"]
bucket = "{BUCKET}"
key = "public/{{filename}}"
methods = ["GET"]
max_expires_in = 120

[[rules]]
clients = ["overlap"]
bucket = "{BUCKET}"
key = "ov/{{client}}/{{uuid}}-{{filename}}"
methods = ["PUT", "GET"]
max_size = {SIXTEEN_MIB}
content_types = ["image/png"]
max_expires_in = 600

[[rules]]
clients = ["overlap"]
bucket = "{BUCKET}"
key = "ov/{{client}}/{{uuid}}-{{filename}}"
methods = ["PUT", "GET"]
max_size = 1000
content_types = ["text/plain"]
max_expires_in = 60
"""


def service_env(store: Server, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=str(home), AWS_ACCESS_KEY_ID=store.access_key_id, AWS_SECRET_ACCESS_KEY=store.secret_access_key,
               AWS_EC2_METADATA_DISABLED="true", PYTHONPATH=str(Path(__file__).parents[1] / "src"))
    env[JWT_ENV] = JWT_SECRET
    env[PARTNER_ENV] = PARTNER_SECRET
    return env


@contextlib.contextmanager
def run_service(policy: Path, env: dict[str, str], log: Path,
                extra: list[str] | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``s3presign serve --config POLICY --port 0 [EXTRA...]``; yields its URL once it listens, then SIGTERMs it."""
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "s3presign", "serve", "--config", str(policy),
                                    "--host", "127.0.0.1", "--port", "0", *(extra or [])],
                                   stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=policy.parent)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                found = re.search(r"serving on (http://127\.0\.0\.1:\d+)", log.read_text(errors="replace"))
                if found:
                    break
                if process.poll() is not None:
                    pytest.fail(f"s3presign serve exited with {process.returncode}:\n{log.read_text()}", pytrace=False)
                time.sleep(0.05)
            else:
                pytest.fail(f"s3presign serve did not start:\n{log.read_text()}", pytrace=False)
            yield found.group(1), process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def prepare_bucket(store: Server, origin: str) -> None:
    """The uploads bucket, with CORS for the test page's origin (ETag exposed for Uppy's parts)."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=store.endpoint_url, region_name="us-east-1",
                      aws_access_key_id=store.access_key_id, aws_secret_access_key=store.secret_access_key)
    try:
        s3.create_bucket(Bucket=BUCKET)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": [origin], "AllowedMethods": ["GET", "PUT", "POST"], "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]})


class StaticSite:
    """A loopback web server for the test page (its origin is the one CORS allows)."""

    def __init__(self, root: Path) -> None:
        import functools
        from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

        self.root = root
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def static_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticSite]:
    site = StaticSite(tmp_path_factory.mktemp("site"))
    try:
        yield site
    finally:
        site.close()


@pytest.fixture(scope="session")
def service(seaweedfs: Server, static_site: StaticSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """``s3presign serve`` with the test policy, for the whole session."""
    prepare_bucket(seaweedfs, static_site.origin)
    folder = tmp_path_factory.mktemp("service")
    policy = folder / "policy.toml"
    policy.write_text(policy_text(seaweedfs, static_site.origin))
    log = folder / "serve.log"
    with run_service(policy, service_env(seaweedfs, folder), log) as (url, _):
        yield Service(url, policy, folder / "audit.jsonl", log, seaweedfs, static_site.origin)
