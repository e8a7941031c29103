"""Hardening (issue 15), tried as an attacker would with loopback servers only: credential headers
never follow a redirect, endless and trickling servers and a flood from credential_process stay
bounded in time and memory, config files must be regular files, cache writes never follow a
planted symlink, control characters never reach the terminal, and every malformed input gets
one line and the documented exit code."""

from __future__ import annotations

import io
import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

import s3presign
from s3presign import Credentials, InvalidRequestError, Presigner
from s3presign.cli import ExitCode, main

from . import fake_services
from .conftest import SECRET
from .test_credential_sources import SSO_CONFIG, _iso, _sso_cache, key_id_of


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def one_line_error(code: int, out: str, err: str, expected: int, fragment: str = "") -> None:
    assert code == expected, err
    assert out == ""
    assert err.startswith("s3presign: error: ") and err.count("\n") == 1, err
    assert "unexpected" not in err and "Traceback" not in err
    assert fragment in err


def subprocess_env(home: Path, **extra: str) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "HOME": str(home), "AWS_EC2_METADATA_DISABLED": "true",
            "PYTHONPATH": os.environ.get("PYTHONPATH", ""), **extra}


def run_limited(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command in a child with 768 MiB of address space and a minute: unbounded reading
    fails there (MemoryError: an "unexpected" exit 255, or the timeout), never the machine."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (768 << 20, 768 << 20))

    return subprocess.run([sys.executable, "-m", "s3presign", *args], env=subprocess_env(home, **env),
                          capture_output=True, text=True, timeout=60, preexec_fn=limit)


# -- servers that misbehave -----------------------------------------------------------------------


@contextmanager
def raw_server(behave: Callable[[socket.socket, threading.Event], None]) -> Iterator[str]:
    """A TCP server on 127.0.0.1 that reads a request head and then runs ``behave(conn, stop)``."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve_one(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                behave(conn, stop)
            except OSError:
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        listener.close()


def endless(conn: socket.socket, stop: threading.Event) -> None:
    """200 with no length, then JSON-looking bytes for ever."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"AccessKeyId\": \"")
    chunk = b"A" * 65536
    while not stop.is_set():
        conn.sendall(chunk)


def trickle(conn: socket.socket, stop: threading.Event) -> None:
    """A 1,000-byte answer, one byte every half second: each read is quick, the whole never ends."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    while not stop.wait(0.5):
        conn.sendall(b" ")


def test_an_endless_credential_endpoint_is_cut_off(home: Path) -> None:
    with raw_server(endless) as endpoint:
        start = time.monotonic()
        done = run_limited(home, "s3://my-bucket/k", AWS_CONTAINER_CREDENTIALS_FULL_URI=endpoint + "/creds")
    one_line_error(done.returncode, done.stdout, done.stderr, ExitCode.CONFIG, "container credentials")
    assert time.monotonic() - start < 20


def test_a_trickling_server_meets_the_deadline(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Instance metadata, 1 s per call: the token call and the v1 fallback each end at the deadline
    # although every read gets a byte well within the timeout.
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    monkeypatch.setenv("AWS_METADATA_SERVICE_TIMEOUT", "1")
    with raw_server(trickle) as endpoint:
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint)
        start = time.monotonic()
        code, out, err = run("s3://my-bucket/k")
        elapsed = time.monotonic() - start
    one_line_error(code, out, err, ExitCode.CONFIG, "no credentials found")
    assert elapsed < 6


# -- no credential header through a redirect ---------------------------------------------------------


@pytest.fixture
def elsewhere() -> Iterator[tuple[str, list[tuple[str, str, dict[str, str]]]]]:
    """Another loopback address, where a redirect points: it must never be called."""
    handler = fake_services.container("/creds", "", "ASIASTOLEN", _iso(timedelta(hours=6)))
    with fake_services.serve(handler, host="127.0.0.2") as served:
        yield served


def redirect_to(target: str) -> fake_services.Handler:
    def handle(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        return 302, {"Location": target + path}, b""

    return handle


def test_container_redirect_is_not_followed(home: Path, monkeypatch: pytest.MonkeyPatch,
                                            elsewhere: tuple[str, list[object]]) -> None:
    target, seen = elsewhere
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-secret-token")
    with fake_services.serve(redirect_to(target)) as (endpoint, first):
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint + "/creds")
        code, out, err = run("s3://my-bucket/k")
    one_line_error(code, out, err, ExitCode.CONFIG, "redirect")
    assert target.split("//")[1] in err  # names where it pointed
    assert first[0][2]["authorization"] == "container-secret-token" and seen == []


def test_sso_redirect_is_not_followed(home: Path, monkeypatch: pytest.MonkeyPatch,
                                      elsewhere: tuple[str, list[object]]) -> None:
    target, seen = elsewhere
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    _sso_cache(home, timedelta(hours=1))
    with fake_services.serve(redirect_to(target)) as (portal, first):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", portal)
        code, out, err = run("s3://my-bucket/k", "--profile", "dev")
    one_line_error(code, out, err, ExitCode.CONFIG, "redirect")
    assert first[0][2]["x-amz-sso_bearer_token"] == "cached-access-token" and seen == []


def test_instance_metadata_redirect_is_not_followed(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                    elsewhere: tuple[str, list[object]]) -> None:
    target, seen = elsewhere
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    real = fake_services.imds("app-role", "ASIAINSTANCE", _iso(timedelta(hours=6)))

    def handle(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        if path == "/latest/api/token":
            return real(method, path, headers, body)
        return 302, {"Location": target + path}, b""

    with fake_services.serve(handle) as (endpoint, _):
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint)
        code, out, err = run("s3://my-bucket/k")
    one_line_error(code, out, err, ExitCode.CONFIG, "redirect")
    assert seen == []


# -- bounded child and file input ---------------------------------------------------------------------


def test_a_flood_from_credential_process_is_cut_off(home: Path) -> None:
    (home / "flood.py").write_text("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n")
    (home / ".aws" / "config").write_text(f"[default]\ncredential_process = {sys.executable} {home / 'flood.py'}\n")
    start = time.monotonic()
    done = run_limited(home, "s3://my-bucket/k", S3PRESIGN_CREDENTIAL_PROCESS_TIMEOUT="50")
    one_line_error(done.returncode, done.stdout, done.stderr, ExitCode.CONFIG, "more than 1 MiB on stdout")
    assert time.monotonic() - start < 15  # stopped at the cap, not at the timeout


def test_a_chatty_stderr_does_not_block_credential_process(home: Path) -> None:
    script = ("import json, sys; sys.stderr.write('e' * 1000000); print(json.dumps({'Version': 1, "
              f"'AccessKeyId': 'AKIDPROC', 'SecretAccessKey': 's'}}))")
    (home / ".aws" / "config").write_text(f"[default]\ncredential_process = {sys.executable} -c \"{script}\"\n")
    code, out, err = run("s3://my-bucket/k")
    assert (code, err) == (0, "") and key_id_of(out.strip()) == "AKIDPROC"


@pytest.mark.parametrize("value", ["abc", "-1", "0", "nan", "inf"])
def test_credential_process_timeout_must_be_a_number(home: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    (home / ".aws" / "config").write_text("[default]\ncredential_process = true\n")
    monkeypatch.setenv("S3PRESIGN_CREDENTIAL_PROCESS_TIMEOUT", value)
    one_line_error(*run("s3://my-bucket/k"), ExitCode.CONFIG, "S3PRESIGN_CREDENTIAL_PROCESS_TIMEOUT must be a number")


@pytest.mark.parametrize("variable", ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"])
@pytest.mark.parametrize("kind", ["/dev/zero", "fifo", "directory", "/dev/null"])
def test_special_config_files_are_read_with_the_cap(keys: Path, variable: str, kind: str) -> None:
    # AWS CLI v2 reads /dev/null and a directory as empty files; a FIFO nobody writes to reads as
    # empty too (aws would block); /dev/zero stops at the size cap (aws would fill memory).
    path = kind
    if kind == "fifo":
        path = str(keys / "config.fifo")
        os.mkfifo(path)
    elif kind == "directory":
        path = str(keys)
    # A limited child: a hang (a FIFO with no writer) or /dev/zero read whole fails the test, not the suite.
    done = run_limited(keys, "s3://my-bucket/k", AWS_ACCESS_KEY_ID="AKIDCLI", AWS_SECRET_ACCESS_KEY="s",
                       **{variable: path})
    if kind == "/dev/zero":
        one_line_error(done.returncode, done.stdout, done.stderr, ExitCode.CONFIG, "over 16 MiB")
    else:
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
        assert done.stdout.startswith("https://my-bucket.s3.amazonaws.com/k?")


def test_a_config_file_over_the_cap(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = home / "big-config"
    with open(big, "wb") as file:
        file.truncate(17 << 20)  # sparse: no disk used
    monkeypatch.setenv("AWS_CONFIG_FILE", str(big))
    one_line_error(*run("s3://my-bucket/k"), ExitCode.CONFIG, "over 16 MiB")


# -- cache writes ------------------------------------------------------------------------------------


def test_sso_token_refresh_replaces_a_planted_symlink(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    refresh = {"clientId": "client-1", "clientSecret": "client-secret", "refreshToken": "refresh-1"}
    cache = _sso_cache(home, timedelta(hours=-1), **refresh, registrationExpiresAt=_iso(timedelta(days=30)))
    victim = home / "victim.json"
    victim.write_text(cache.read_text())
    original = victim.read_text()
    cache.unlink()
    cache.symlink_to(victim)
    handler = fake_services.sso(access_token="cached-access-token", refresh=refresh, account="111122223333",
                                role="Developer", key_id="ASIASSOEXAMPLE", expiration_ms=int((time.time() + 3600) * 1000))
    with fake_services.serve(handler) as (endpoint, _):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", endpoint)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", endpoint)
        code, out, err = run("s3://my-bucket/k", "--profile", "dev")
    assert code == 0, err
    assert victim.read_text() == original  # not written through the link
    assert not cache.is_symlink() and stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert json.loads(cache.read_text())["accessToken"] == "refreshed-access-token"
    assert [p.name for p in cache.parent.iterdir()] == [cache.name]  # no temporary file left behind


def test_aws_cli_cache_write_replaces_a_planted_symlink(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from s3presign._credential_sources import _cache_write

    folder = home / ".aws" / "cli" / "cache"
    folder.mkdir(parents=True)
    victim = home / "victim"
    victim.write_text("untouched")
    (folder / "k.json").symlink_to(victim)
    _cache_write({"HOME": str(home)}, "k", {"Credentials": {"AccessKeyId": "A"}})
    assert victim.read_text() == "untouched"
    assert stat.S_IMODE((folder / "k.json").lstat().st_mode) == 0o600
    assert json.loads((folder / "k.json").read_text()) == {"Credentials": {"AccessKeyId": "A"}}


# -- replies checked before they are cached ---------------------------------------------------------------


STS_REPLY = """<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAFROMSTS</AccessKeyId>{secret}<SessionToken>tok</SessionToken>
<Expiration>{expiration}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"""


@pytest.mark.parametrize(("body", "fragment"), [
    (STS_REPLY.format(secret="", expiration="2099-01-01T00:00:00Z"), "without usable Credentials"),
    (STS_REPLY.format(secret="<SecretAccessKey>s</SecretAccessKey>", expiration="soon"), "without usable Credentials"),
    ("this is not XML", "not XML"),
])
def test_a_bad_sts_reply_is_refused_and_not_cached(home: Path, monkeypatch: pytest.MonkeyPatch, body: str,
                                                    fragment: str) -> None:
    (home / ".aws" / "credentials").write_text("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n")
    (home / ".aws" / "config").write_text("[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
                                          "source_profile = base\n")

    def handle(method: str, path: str, headers: dict[str, str], request: bytes) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "text/xml"}, body.encode()

    with fake_services.serve(handle) as (endpoint, seen):
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", endpoint)
        one_line_error(*run("s3://my-bucket/k", "--profile", "r"), ExitCode.CONFIG, fragment)
        one_line_error(*run("s3://my-bucket/k", "--profile", "r"), ExitCode.CONFIG, fragment)
    assert len(seen) == 2  # asked again: nothing was cached
    assert not (home / ".aws" / "cli" / "cache").exists() or not list((home / ".aws" / "cli" / "cache").iterdir())


@pytest.mark.parametrize("answer", [b"not json", b'{"accessToken": "new"}', b'{"expiresIn": 3600}',
                                    b'{"accessToken": 5, "expiresIn": 3600}', b"[]"])
def test_a_bad_sso_oidc_reply_is_refused_and_not_cached(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                         answer: bytes) -> None:
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    cache = _sso_cache(home, timedelta(hours=-1), clientId="c", clientSecret="s", refreshToken="r")
    before = cache.read_text()

    def handle(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "application/json"}, answer

    with fake_services.serve(handle) as (endpoint, _):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", endpoint)
        one_line_error(*run("s3://my-bucket/k", "--profile", "dev"), ExitCode.CONFIG, "SSO OIDC")
    assert cache.read_text() == before


@pytest.mark.parametrize("answer", [b"not json", b'{"roleCredentials": {"accessKeyId": "A"}}',
                                    b'{"roleCredentials": {"accessKeyId": "A", "secretAccessKey": "s", '
                                    b'"expiration": 99999999999999999999999}}'])
def test_a_bad_sso_portal_reply_is_refused(home: Path, monkeypatch: pytest.MonkeyPatch, answer: bytes) -> None:
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    _sso_cache(home, timedelta(hours=1))

    def handle(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        return 200, {}, answer

    with fake_services.serve(handle) as (endpoint, _):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", endpoint)
        one_line_error(*run("s3://my-bucket/k", "--profile", "dev"), ExitCode.CONFIG, "without role credentials")


def test_a_malformed_sso_cache_says_to_log_in(home: Path) -> None:
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    cache = _sso_cache(home, timedelta(hours=1))
    for text in ("[]", '{"accessToken": "t", "expiresAt": "tomorrow"}', '{"expiresAt": "2099-01-01T00:00:00Z"}'):
        cache.write_text(text)
        one_line_error(*run("s3://my-bucket/k", "--profile", "dev"), ExitCode.CONFIG, "aws sso login")


# -- malformed input: one line, the documented code ------------------------------------------------------

V4 = ("https://s3.amazonaws.com/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDCLI%2F20261128%2F"
      "{region}%2Fs3%2Faws4_request&X-Amz-Date=20261128T000000Z&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host"
      "&X-Amz-Signature=00")


@pytest.mark.parametrize(("args", "fragment"), [
    (["inspect", "https://[::1/b/k"], "not a valid URL"),
    (["inspect", V4.format(region="us-east-1", expires="60").replace("s3.amazonaws.com", "s3.amazonaws.com:99999")],
     "Port out of range"),
    (["verify", V4.format(region="us-east-1", expires="60").replace("s3.amazonaws.com", "s3.amazonaws.com:99999")],
     "Port out of range"),
    (["inspect", V4.format(region="us-east-1", expires="9" * 21)], "X-Amz-Expires"),
    (["explain", V4.format(region="us-east-1", expires="9" * 21)], "X-Amz-Expires"),
    (["inspect", "https://s3.amazonaws.com/b/k?AWSAccessKeyId=AKIDCLI&Expires=" + "9" * 30 + "&Signature=00"],
     "Expires"),
    (["verify", V4.format(region="", expires="60")], "X-Amz-Credential"),
    (["verify", V4.format(region="us-east-1", expires="60").replace("/k?", "/k\udcff?")], "not UTF-8"),
    (["inspect", '{"fields": {"policy": "e30="}}'], "no list of conditions"),
    (["inspect", '{"fields": ["x"]}'], "base64 policy"),
    (["inspect", "eyJjb25kaXRpb25zIjogNX0="], "no list of conditions"),  # {"conditions": 5}
    (["inspect", "a\0b"], "base64 policy"),
    (["s3://b/k", "--signature-version", "v2", "--expires-in", "9" * 20], "before 2038"),
    (["s3://b/k", "--http-method", "PUT", "--part-number", "²", "--upload-id", "u"], "1 to 10000"),
])
def test_malformed_input_is_a_usage_error(keys: Path, args: list[str], fragment: str) -> None:
    one_line_error(*run(*args), ExitCode.USAGE, fragment)


def test_a_malformed_scope_is_refused_without_asserts(keys: Path) -> None:
    # Under python -O an assert is gone; the check must not be one.
    done = subprocess.run([sys.executable, "-O", "-m", "s3presign", "verify", V4.format(region="", expires="60")],
                          env=subprocess_env(keys, AWS_ACCESS_KEY_ID="AKIDCLI", AWS_SECRET_ACCESS_KEY=SECRET),
                          capture_output=True, text=True)
    one_line_error(done.returncode, done.stdout, done.stderr, ExitCode.USAGE, "X-Amz-Credential")


def test_a_non_utf8_byte_in_the_url_given_to_verify(keys: Path) -> None:
    url = V4.format(region="us-east-1", expires="60").encode().replace(b"/k?", b"/k\xff?")
    done = subprocess.run([sys.executable, "-m", "s3presign", "verify", url],  # type: ignore[list-item]
                          env=subprocess_env(keys, AWS_ACCESS_KEY_ID="AKIDCLI", AWS_SECRET_ACCESS_KEY=SECRET),
                          capture_output=True, text=True)
    one_line_error(done.returncode, done.stdout, done.stderr, ExitCode.USAGE, "not UTF-8")


@pytest.mark.parametrize(("content", "fragment"), [
    (b"\xff\xfe<Error><Code>AccessDenied</Code></Error>", "not UTF-8 text"),
    (b"<Error>" + b" " * (1 << 20) + b"</Error>", "over 1 MiB"),
])
def test_explain_refuses_an_unreadable_error_file(keys: Path, tmp_path: Path, content: bytes, fragment: str) -> None:
    url = Presigner(Credentials("AKIDCLI", SECRET)).presign("b", "k")
    (tmp_path / "error.xml").write_bytes(content)
    one_line_error(*run("explain", url, str(tmp_path / "error.xml")), ExitCode.USAGE, fragment)


def test_explain_reads_at_most_a_mebibyte_of_dev_zero(keys: Path) -> None:
    url = Presigner(Credentials("AKIDCLI", SECRET)).presign("b", "k")
    done = run_limited(keys, "explain", url, "/dev/zero")
    one_line_error(done.returncode, done.stdout, done.stderr, ExitCode.USAGE, "over 1 MiB")


BAD_CONDITIONS = [
    ["--content-length-range", "1", "9" * 30],
    ["--content-length-range", "１", "5"],  # a full-width digit: isdigit() says yes, int() agrees, S3 does not
    ["--condition", '["content-length-range", "a", 5]'],
    ["--condition", '["content-length-range", 5, 1]'],
    ["--condition", '["content-length-range", true, 5]'],
    ["--condition", '["starts-with", "$Content-Type"]'],
    ["--condition", '["starts-with", "Content-Type", "image/"]'],
    ["--condition", '["begins-with", "$key", "a"]'],
    ["--condition", '{"acl": ["private"]}'],
    ["--condition", "{}"],
    ["--condition", "[" * 100000 + "]" * 100000],
]


@pytest.mark.parametrize("output", ["json", "curl", "html"])
@pytest.mark.parametrize("bad", BAD_CONDITIONS, ids=range(len(BAD_CONDITIONS)))
def test_post_conditions_are_checked_for_every_output(keys: Path, bad: list[str], output: str) -> None:
    one_line_error(*run("s3://b/up/${filename}", "--http-method", "POST", *bad, "--output", output), ExitCode.USAGE)


def test_library_post_checks_conditions() -> None:
    signer = Presigner(Credentials("AKIDCLI", SECRET))
    with pytest.raises(InvalidRequestError, match="content-length-range"):
        signer.presign_post("b", "k", conditions=[["content-length-range", "1", "2"]])


# -- terminal escapes ------------------------------------------------------------------------------------


CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e", "\x00")


def assert_no_controls(text: str) -> None:
    for char in CONTROLS:
        assert char not in text, repr(text)


def test_inspect_table_escapes_control_characters(keys: Path) -> None:
    url = Presigner(Credentials("AKIDCLI", SECRET)).presign("b", "k\x1b]0;pwned\x07\x9b2J\u202e.txt",
                                                           params={"x\x1b[2J": "\x1b[31m"})
    code, out, _ = run("inspect", url, "--output", "table")
    assert code == 0
    assert_no_controls(out)
    assert "k\\x1b]0;pwned\\x07\\x9b2J\\u202e.txt" in out


def test_explain_escapes_server_text(keys: Path, tmp_path: Path) -> None:
    url = Presigner(Credentials("AKIDCLI", SECRET)).presign("b", "k\x1b]0;t\x07")
    # XML 1.0 allows C1 controls (U+009B is CSI) and bidirectional overrides, not C0 ones.
    error = "<Error><Code>Odd\u202e</Code><Message>look \x9b2J here\u2028</Message></Error>"
    (tmp_path / "e.xml").write_text(error, encoding="utf-8")
    code, out, _ = run("explain", url, str(tmp_path / "e.xml"), "--output", "table")
    assert code == 0
    assert_no_controls(out)
    assert "\\x9b2J" in out
    canonical = ("<Error><Code>SignatureDoesNotMatch</Code><CanonicalRequest>GET\n/b/k\x9b\n\nhost:s3.amazonaws.com"
                 "\n\nhost\nUNSIGNED-PAYLOAD</CanonicalRequest></Error>")
    (tmp_path / "e.xml").write_text(canonical, encoding="utf-8")
    code, out, _ = run("explain", url, str(tmp_path / "e.xml"), "--output", "table")
    assert code == 0 and "\n/b/k\\x9b\n" in out  # the canonical request keeps its lines
    assert_no_controls(out)


def test_errors_escape_control_characters(keys: Path) -> None:
    code, out, err = run("s3://b/k", "--\x1b]0;pwned\x07\x9b2J")  # an unknown option is named as given
    one_line_error(code, out, err, ExitCode.USAGE)
    assert_no_controls(err)


def test_bulk_line_errors_escape_control_characters(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    done = subprocess.run([sys.executable, "-m", "s3presign", "-", "--keep-going"], input=b"s3://\x1b]0;x\x07\n",
                          env=subprocess_env(keys, AWS_ACCESS_KEY_ID="AKIDCLI", AWS_SECRET_ACCESS_KEY=SECRET),
                          capture_output=True)
    assert done.returncode == ExitCode.USAGE
    assert b"\x1b" not in done.stderr and b"\x07" not in done.stderr and done.stderr.startswith(b"s3presign: error")


# -- explain: redaction and local secrets ----------------------------------------------------------------------


TOKEN = "FwoGSeCrEtToKeN+abc/def+ghi=="


@pytest.mark.parametrize("form", ["plus as space", "encoded twice", "lower-case hex", "form-encoded"])
def test_explain_redacts_every_encoding_of_the_token(form: str) -> None:
    from urllib.parse import quote, quote_plus

    url = Presigner(Credentials("AKIDEXAMPLE", SECRET, TOKEN), region="eu-west-1").presign("b", "k", "PUT", 3600)
    seen = {"plus as space": quote(TOKEN.replace("+", " "), safe=""),
            "encoded twice": quote(quote(TOKEN, safe=""), safe=""),
            "lower-case hex": quote(TOKEN, safe="").replace("%2B", "%2b").replace("%2F", "%2f"),
            "form-encoded": quote_plus(TOKEN.replace("+", " "))}[form]
    query = url.split("?", 1)[1].split("&X-Amz-Signature=")[0].replace(quote(TOKEN, safe=""), seen)
    error = ("<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message><CanonicalRequest>PUT\n/k\n"
             + query.replace("&", "&amp;") + "\nhost:b.s3.eu-west-1.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
             "</CanonicalRequest></Error>")
    result = s3presign.explain(url, error, secrets=())
    text = json.dumps(result.causes + result.details)
    assert "***" in text
    assert "SeCrEtToKeN" not in text and "def" not in text


def test_library_explain_finds_local_secrets_like_verify(keys: Path) -> None:
    url = Presigner(Credentials("AKIDCLI", SECRET)).presign("b", "k", "PUT", 3600)
    assert any("signed for PUT" in c for c in s3presign.explain(url, method="GET").causes)
    assert not any("signed for PUT" in c for c in s3presign.explain(url, method="GET", secrets=()).causes)


def test_library_explain_takes_a_mapping_and_refuses_a_string(home: Path) -> None:
    url = Presigner(Credentials("AKIDCLI", SECRET)).presign("b", "k", "PUT", 3600)
    assert any("signed for PUT" in c for c in s3presign.explain(url, method="GET", secrets={"mine": SECRET}).causes)
    with pytest.raises(InvalidRequestError, match="where, secret"):
        s3presign.explain(url, method="GET", secrets=SECRET)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="where, secret"):
        s3presign.explain(url, method="GET", secrets=[SECRET])  # type: ignore[list-item]


def test_verify_names_the_secret_variable(keys: Path) -> None:
    url = Presigner(Credentials("AKIDCLI", SECRET)).presign("b", "k", "PUT", 3600)
    assert s3presign.verify(url, method="PUT").reason.endswith("(secret from env AWS_SECRET_ACCESS_KEY)")



def test_debug_escapes_header_values(keys: Path) -> None:
    code, _, err = run("s3://b/k", "--header", "x-amz-meta-a: \x1b]0;pwned\x07", "--debug")
    assert code == 0
    assert_no_controls(err)
    assert "x-amz-meta-a:\\x1b]0;pwned\\x07" in err


@pytest.mark.parametrize(("variable", "value"), [
    ("AWS_METADATA_SERVICE_TIMEOUT", "nan"), ("AWS_METADATA_SERVICE_TIMEOUT", "inf"),
    ("AWS_METADATA_SERVICE_TIMEOUT", "-1"), ("AWS_METADATA_SERVICE_TIMEOUT", "1e308"),
    ("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "99999999999"), ("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "0"),
])
def test_metadata_service_settings_in_range(home: Path, monkeypatch: pytest.MonkeyPatch, variable: str,
                                            value: str) -> None:
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv(variable, value)
    one_line_error(*run("s3://my-bucket/k"), ExitCode.CONFIG, variable)


@pytest.mark.parametrize("args", [["--version-id", "v\udcff"], ["--param", "a=\udcff"], ["--header", "x-a: \udcff"],
                                  ["--region", "eu\udcff"]])
def test_undecodable_option_values(keys: Path, args: list[str]) -> None:
    one_line_error(*run("s3://b/k", *args), ExitCode.USAGE, "not UTF-8")


@pytest.mark.parametrize("text", [
    f"region = {SECRET}\n",  # a setting above the first section
    f"[default]\naws_secret_access_key =\n{SECRET}\n",  # a value that lost its indent
    f"[default]\ns3 =\n  {SECRET}\n",  # a nested line without '='
])
def test_config_errors_never_quote_a_secret(home: Path, text: str) -> None:
    (home / ".aws" / "credentials").write_text(text)
    code, out, err = run("s3://b/k")
    one_line_error(code, out, err, ExitCode.CONFIG, "line")
    assert SECRET not in err


@pytest.mark.parametrize("args", [["--header", "x-amz-meta-a: \udcff"], ["--http-method", "P\udcff"],
                                  ["--profile", "p\udcff"]])
def test_undecodable_values_for_verify(keys: Path, args: list[str]) -> None:
    url = Presigner(Credentials("AKIDCLI", SECRET)).presign("b", "k", "PUT", headers={"x-amz-meta-a": "1"})
    one_line_error(*run("verify", url, *args), ExitCode.USAGE, "not UTF-8")


def test_a_failed_sso_cache_write_leaves_the_old_login_whole(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A crash between writing and renaming: the AWS CLI, which reads the same file, must still find
    # the old login whole, and no temporary file may be left behind.
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    refresh = {"clientId": "client-1", "clientSecret": "client-secret", "refreshToken": "refresh-1"}
    cache = _sso_cache(home, timedelta(hours=-1), **refresh, registrationExpiresAt=_iso(timedelta(days=30)))
    before = cache.read_text()

    def crash(fd: int) -> None:
        raise OSError(5, "Input/output error")

    handler = fake_services.sso(access_token="cached-access-token", refresh=refresh, account="111122223333",
                                role="Developer", key_id="ASIASSOEXAMPLE", expiration_ms=int((time.time() + 3600) * 1000))
    with fake_services.serve(handler) as (endpoint, _):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", endpoint)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", endpoint)
        monkeypatch.setattr(os, "fsync", crash)
        code, out, err = run("s3://my-bucket/k", "--profile", "dev")
    assert code == 0, err  # the cache is optional: the URL is still made with the fresh token
    assert cache.read_text() == before
    assert [p.name for p in cache.parent.iterdir()] == [cache.name]


@pytest.mark.parametrize(("variables", "fragment"), [
    ({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://[::1/creds"}, "not a valid URL"),
    ({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:99999/creds"}, "not a valid URL"),
    ({"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "x@evil.example/creds"}, "must be a path starting with /"),
    ({"AWS_ENDPOINT_URL_STS": "http://[::1", "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/r",
      "AWS_WEB_IDENTITY_TOKEN_FILE": "TOKEN"}, "not a valid URL"),
])
def test_malformed_credential_endpoints(home: Path, monkeypatch: pytest.MonkeyPatch, variables: dict[str, str],
                                        fragment: str) -> None:
    (home / "token").write_text("eyJ.eyJ.sig")
    for name, value in variables.items():
        monkeypatch.setenv(name, str(home / "token") if value == "TOKEN" else value)
    one_line_error(*run("s3://my-bucket/k"), ExitCode.CONFIG, fragment)


def test_curl_output_works_with_an_ipv6_endpoint(keys: Path, tmp_path: Path) -> None:
    # --globoff: curl before 7.x globbing-aware IPv6 parsing read [::1] as a glob range; the
    # command must run as printed against a real IPv6 listener.
    import shlex
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    class Server6(ThreadingHTTPServer):
        address_family = socket.AF_INET6

    server = Server6(("::1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        code, out, err = run("s3://b/k", "--endpoint-url", f"http://[::1]:{server.server_address[1]}", "--output",
                             "curl")
        assert code == 0, err
        words = shlex.split(out)
        assert words[:2] == ["curl", "--globoff"]
        done = subprocess.run(words, cwd=tmp_path, capture_output=True, timeout=30)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "k").read_bytes() == b"ok" and seen and seen[0].startswith("/b/k?X-Amz-Algorithm=")
