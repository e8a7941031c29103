"""Rate limits shared through a real ``redis-server`` (Debian's, started here on loopback): two workers
of one ``s3presign serve --workers 2`` and two separate ``serve`` processes enforce one limit per
client over a burst; while Redis is down, rate-limited clients get 503 (fail closed), others are
served; once Redis is back, so is everyone. Also ``--proxy-headers`` and the plain-HTTP warning."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .http import send
from .seaweedfs import Server
from .service import LIMITED_TOKEN, READER_TOKEN, WEB_TOKEN, StaticSite, policy_text, prepare_bucket, run_service, service_env

BURST = 3  # the policy's "limited" client: rate_limit = 0.5, burst = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def redis_server(port: int, folder: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``redis-server`` on 127.0.0.1:PORT, no persistence; stopped on exit."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is missing: 'make test' installs Debian's redis-server package (make redis)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(folder), "--protected-mode", "yes"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(64).startswith(b"+PONG"):
                    break
            time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start", pytrace=False)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = _free_port()
    with redis_server(port, tmp_path_factory.mktemp("redis")):
        yield port


def _policy(seaweedfs: Server, origin: str, folder: Path, port: int, db: int) -> Path:
    policy = folder / "policy.toml"
    policy.write_text(f'[limits]\nredis_url = "redis://127.0.0.1:{port}/{db}"\n' + policy_text(seaweedfs, origin))
    return policy


def _download(url: str, token: str) -> int:
    # A new connection each time, so the kernel spreads requests over the workers.
    return send(url + "/download?key=public/b.txt", headers={"Authorization": f"Bearer {token}"}).status


def test_two_workers_share_one_limit(seaweedfs: Server, static_site: StaticSite, redis_port: int, tmp_path: Path) -> None:
    """Bursts from fresh JWT users (each its own bucket) until one burst was answered by both workers:
    that burst, too, got one limit."""
    from concurrent.futures import ThreadPoolExecutor

    from .service import browser_jwt

    prepare_bucket(seaweedfs, static_site.origin)
    policy = _policy(seaweedfs, static_site.origin, tmp_path, redis_port, 1)
    policy.write_text(policy.read_text().replace('name = "browser"\n', f'name = "browser"\nrate_limit = 0.5\nburst = {BURST}\n'))
    audit = tmp_path / "audit.jsonl"
    with run_service(policy, service_env(seaweedfs, tmp_path), tmp_path / "serve.log", extra=["--workers", "2"]) as (url, _):
        assert "2 workers" in (tmp_path / "serve.log").read_text()
        for round_ in range(10):
            user = f"burst{round_}"
            path = f"/t/{browser_jwt(user)}/s3/params?filename=a.txt&type=text/plain"
            with ThreadPoolExecutor(8) as pool:  # at once, so both workers take connections
                statuses = list(pool.map(lambda _: send(url + path).status, range(16)))
            # One bucket for both workers: the burst, plus at most one refill (0.5 a second).
            assert BURST <= statuses.count(200) <= BURST + 1, statuses
            assert set(statuses) == {200, 429}
            time.sleep(0.2)
            records = [json.loads(line) for line in audit.read_text().splitlines()]
            if len({r["pid"] for r in records if r.get("identity") == user}) == 2:
                break
        else:
            pytest.fail("ten bursts never reached both workers", pytrace=False)


def test_two_instances_share_one_limit(seaweedfs: Server, static_site: StaticSite, redis_port: int, tmp_path: Path) -> None:
    prepare_bucket(seaweedfs, static_site.origin)
    policy = _policy(seaweedfs, static_site.origin, tmp_path, redis_port, 2)
    env = service_env(seaweedfs, tmp_path)
    with run_service(policy, env, tmp_path / "a.log") as (first, _), run_service(policy, env, tmp_path / "b.log") as (second, _):
        statuses = [_download(url, LIMITED_TOKEN) for _ in range(6) for url in (first, second)]
        assert BURST <= statuses.count(200) <= BURST + 1, statuses
        # A client without a limit is never counted, on either instance.
        assert [_download(url, READER_TOKEN) for url in (first, second)] * 3 == [200, 200] * 3


def test_while_redis_is_down_limited_clients_get_503_and_service_resumes(seaweedfs: Server, static_site: StaticSite,
                                                                        tmp_path: Path) -> None:
    prepare_bucket(seaweedfs, static_site.origin)
    port = _free_port()
    policy = _policy(seaweedfs, static_site.origin, tmp_path, port, 0)
    with redis_server(port, tmp_path) as redis, \
            run_service(policy, service_env(seaweedfs, tmp_path), tmp_path / "serve.log") as (url, _):
        assert _download(url, LIMITED_TOKEN) == 200
        redis.terminate()
        redis.wait(timeout=20)
        got = send(url + "/download?key=public/b.txt", headers={"Authorization": f"Bearer {LIMITED_TOKEN}"})
        assert got.status == 503 and got.headers["retry-after"] == "1", got.body
        assert "cannot be checked now" in json.loads(got.body)["error"]
        assert _download(url, READER_TOKEN) == 200  # no rate_limit: Redis is not asked
        assert send(url + "/healthz").status == 200
        with redis_server(port, tmp_path):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and _download(url, LIMITED_TOKEN) != 200:
                time.sleep(0.2)
            assert _download(url, LIMITED_TOKEN) in (200, 429)  # counted again: a fresh bucket
    log = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in log and LIMITED_TOKEN not in log


def test_behind_a_tls_proxy_the_forwarded_scheme_and_address_count(seaweedfs: Server, static_site: StaticSite,
                                                                   tmp_path: Path) -> None:
    prepare_bucket(seaweedfs, static_site.origin)
    policy = tmp_path / "policy.toml"
    policy.write_text(policy_text(seaweedfs, static_site.origin))
    with run_service(policy, service_env(seaweedfs, tmp_path), tmp_path / "serve.log",
                     extra=["--proxy-headers", "--trusted-proxies", "127.0.0.1"]) as (url, _):
        host = url[7:]
        # The page's origin is the proxy's https one; the proxy says so in X-Forwarded-Proto.
        forwarded = {"Origin": f"https://{host}", "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7",
                     "Authorization": f"Bearer {WEB_TOKEN}"}
        assert send(url + "/s3/params?filename=a.txt&type=text/plain", headers=forwarded).status == 200
        plain = {k: v for k, v in forwarded.items() if not k.startswith("X-")}
        assert send(url + "/s3/params?filename=a.txt&type=text/plain", headers=plain).status == 403
    time.sleep(0.2)
    records = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [r["remote"] for r in records if r["event"] == "grant"] == ["203.0.113.7"]


def test_an_untrusted_peer_cannot_forward(seaweedfs: Server, static_site: StaticSite, tmp_path: Path) -> None:
    prepare_bucket(seaweedfs, static_site.origin)
    policy = tmp_path / "policy.toml"
    policy.write_text(policy_text(seaweedfs, static_site.origin))
    with run_service(policy, service_env(seaweedfs, tmp_path), tmp_path / "serve.log",
                     extra=["--proxy-headers", "--trusted-proxies", "192.0.2.1"]) as (url, _):
        forged = {"Origin": f"https://{url[7:]}", "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7",
                  "Authorization": f"Bearer {WEB_TOKEN}"}
        assert send(url + "/s3/params?filename=a.txt&type=text/plain", headers=forged).status == 403


def test_plain_http_on_a_public_address_warns(seaweedfs: Server, tmp_path: Path) -> None:
    import sys

    policy = tmp_path / "policy.toml"
    policy.write_text(policy_text(seaweedfs, "http://127.0.0.1:1"))
    process = subprocess.Popen([sys.executable, "-m", "s3presign", "serve", "--config", str(policy), "--host", "0.0.0.0",
                                "--port", "0"], stderr=subprocess.PIPE, env=service_env(seaweedfs, tmp_path), cwd=tmp_path)
    try:
        assert process.stderr is not None
        first = process.stderr.readline().decode()
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert first.startswith("s3presign: warning: serving plain HTTP on 0.0.0.0, which is not a loopback address"), first
