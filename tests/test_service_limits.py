"""Input and connection limits of ``s3presign serve``, attacked as a client would: slow loris, idle and
excess connections, stalled bodies, bodies sent before authentication, deep JSON, lax digits and JWT
claims, and guessing tokens. Timeouts are set short here (``--header-timeout 1``) to keep it quick."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .http import send
from .seaweedfs import Server
from .service import JWT_SECRET, WEB_TOKEN, StaticSite, make_jwt, policy_text, prepare_bucket, run_service, service_env

HEADER_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def tight(seaweedfs: Server, static_site: StaticSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A service with a 1 s header and idle timeout and at most 8 connections."""
    prepare_bucket(seaweedfs, static_site.origin)
    folder = tmp_path_factory.mktemp("tight")
    policy = folder / "policy.toml"
    policy.write_text(policy_text(seaweedfs, static_site.origin))
    with run_service(policy, service_env(seaweedfs, folder), folder / "serve.log",
                     extra=["--header-timeout", str(HEADER_TIMEOUT), "--idle-timeout", "1",
                            "--max-connections", "8"]) as (url, _):
        yield url


def _connect(url: str) -> socket.socket:
    return socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=10)


def _closed_within(sock: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closed ``sock`` (reads return b'' or reset), None if still open."""
    start = time.monotonic()
    sock.settimeout(0.1)
    while time.monotonic() - start < seconds:
        try:
            if sock.recv(65536) == b"":
                return time.monotonic() - start
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - start
    return None


def _healthz_ms(url: str) -> float:
    start = time.monotonic()
    assert send(url + "/healthz").status == 200
    return (time.monotonic() - start) * 1000


def test_slow_loris_is_cut_off_within_the_header_timeout_while_healthz_answers(tight: str) -> None:
    stop = threading.Event()
    closed: list[float] = []

    def loris() -> None:
        sock = _connect(tight)
        start = time.monotonic()
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            while not stop.is_set():
                sock.sendall(b"X-a: b\r\n")  # a header line every 0.2 s, never the blank line
                time.sleep(0.2)
        except OSError:
            closed.append(time.monotonic() - start)
        finally:
            sock.close()

    threads = [threading.Thread(target=loris) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        answered = [_healthz_ms(tight) for _ in range(5)]
        time.sleep(HEADER_TIMEOUT + 3)  # generous: the machine is shared
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    assert max(answered) < 1000, answered
    assert len(closed) == 3, closed
    assert all(HEADER_TIMEOUT - 0.1 <= c <= HEADER_TIMEOUT + 3 for c in closed), closed


def test_a_connection_that_sends_nothing_is_closed(tight: str) -> None:
    sock = _connect(tight)
    try:
        waited = _closed_within(sock, HEADER_TIMEOUT + 4)
    finally:
        sock.close()
    assert waited is not None and waited >= HEADER_TIMEOUT - 0.1, waited


def test_the_connection_cap_holds(tight: str) -> None:
    time.sleep(HEADER_TIMEOUT + 0.5)  # earlier tests' connections are gone
    idle = [_connect(tight) for _ in range(8)]
    try:
        time.sleep(0.3)
        extra = [_connect(tight) for _ in range(4)]
        # Over the cap: closed at once, unread.
        assert all(_closed_within(sock, 1.0) is not None for sock in extra)
        for sock in extra:
            sock.close()
        # The first eight are still open until their header timeout.
        assert _closed_within(idle[0], 0.2) is None
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.5)
    assert send(tight + "/healthz").status == 200  # and the service serves again


def test_a_stalled_body_is_408(tight: str) -> None:
    sock = _connect(tight)
    try:
        body = json.dumps({"filename": "a.txt", "type": "text/plain", "size": 1}).encode()
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + WEB_TOKEN.encode()
                     + b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode()
                     + b"\r\n\r\n" + body[:5])
        sock.settimeout(10)
        start = time.monotonic()
        answer = sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        assert time.monotonic() - start < 5
    finally:
        sock.close()


def test_credentials_are_checked_before_any_body_is_read(tight: str) -> None:
    sock = _connect(tight)
    try:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
        sock.settimeout(5)
        answer = sock.recv(65536)  # no body sent: a 401 must come without it
        assert answer.startswith(b"HTTP/1.1 401 "), answer[:200]
    finally:
        sock.close()


def _call(url: str, method: str, path: str, *, token: str | None = WEB_TOKEN, body: bytes | None = None) -> tuple[int, object]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    got = send(url + path, method, body, headers=headers)
    return got.status, json.loads(got.body) if got.body else None


def test_deep_json_is_400_not_500(tight: str) -> None:
    status, answer = _call(tight, "POST", "/upload", body=b"[" * 100_000 + b"]" * 100_000)
    assert status == 400 and "nested" in answer["error"], answer  # type: ignore[index]
    status, answer = _call(tight, "POST", "/upload", body=b'{"filename": "a.txt", "type": "text/plain", "size": NaN}')
    assert status == 400, answer


def _raw_jwt(claims_json: bytes, secret: str = JWT_SECRET) -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = part(b'{"alg":"HS256","typ":"JWT"}')
    body = part(claims_json)
    mac = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{part(mac)}"


def _sloppy(jwt: str) -> str:
    """The same signature bytes, spelt with the last character's unused low bits set (RFC 4648, 3.5)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(jwt[-1])
    assert len(jwt.rsplit(".", 1)[1]) % 4 == 3 and last & 3 == 0  # 32 bytes: 2 unused bits
    return jwt[:-1] + alphabet[last | 1]


def test_jwt_claims_are_strict(tight: str) -> None:
    now = int(time.time())
    good = make_jwt({"sub": "alice", "exp": now + 60})
    assert _call(tight, "GET", f"/t/{good}/s3/params?filename=a.txt&type=text/plain", token=None)[0] == 200
    for name, jwt in [
        ("exp NaN", _raw_jwt(b'{"sub": "alice", "exp": NaN}')),
        ("exp a float", _raw_jwt(f'{{"sub": "alice", "exp": {now + 60}.5}}'.encode())),
        ("exp a string", make_jwt({"sub": "alice", "exp": str(now + 60)})),
        ("nbf not a number", make_jwt({"sub": "alice", "exp": now + 60, "nbf": "tomorrow"})),
        ("iat in the future", make_jwt({"sub": "alice", "exp": now + 60, "iat": now + 600})),
        ("junk after the signature", good + "!"),
        ("padding", good + "="),
        ("non-canonical signature", _sloppy(good)),
        ("deep claims", _raw_jwt(b'{"sub": "alice", "exp": ' + str(now + 60).encode() + b', "x": '
                                 + b"[" * 2000 + b"]" * 2000 + b"}")),
    ]:
        status, answer = _call(tight, "GET", f"/t/{jwt}/s3/params?filename=a.txt&type=text/plain", token=None)
        assert status == 401, (name, status, answer)


@pytest.mark.parametrize("value", ["\u00b2", "\u0661\u0662", "\uff11\uff12", "1_0", " 12"])
def test_expires_in_takes_ascii_digits_only(tight: str, value: str) -> None:
    from urllib.parse import quote

    status, answer = send_reader(tight, f"/download?key=public/a.txt&expires_in={quote(value)}")
    assert status == 400 and "expires_in must be a whole number" in answer["error"], answer  # type: ignore[index]


def send_reader(url: str, path: str) -> tuple[int, object]:
    from .service import READER_TOKEN

    return _call(url, "GET", path, token=READER_TOKEN)


def test_failed_authentication_is_rate_limited_per_address(seaweedfs: Server, static_site: StaticSite,
                                                           tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(policy_text(seaweedfs, static_site.origin).replace(
        "failed_auth_burst = 1000", "failed_auth_burst = 3\nfailed_auth_rate = 0.2"))
    with run_service(policy, service_env(seaweedfs, tmp_path), tmp_path / "serve.log") as (url, _):
        statuses = [_call(url, "GET", "/download?key=public/a.txt", token=f"guess-{n}")[0] for n in range(3)]
        assert statuses == [401, 401, 401]
        got = send(url + "/download?key=public/a.txt", headers={"Authorization": "Bearer guess-4"})
        assert got.status == 429 and 1 <= int(got.headers["retry-after"]) <= 5
        assert b"too many failed authentications from 127.0.0.1" in got.body
        # Even a good token waits: the address is what is limited, not the token.
        assert _call(url, "GET", "/download?key=public/a.txt", token=WEB_TOKEN)[0] == 429
        assert send(url + "/healthz").status == 200  # no credentials asked, nothing limited
        time.sleep(5.5)  # 0.2 a second: one more try
        assert send_reader(url, "/download?key=public/a.txt")[0] == 200
