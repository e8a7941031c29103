"""The service's parts on their own: the policy file, file names, JWTs, rate limits, and the
header signing of its S3 calls (against the AWS test suite and botocore)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tomllib
from datetime import datetime
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from s3presign import ConfigFileError, Credentials
from s3presign._encoding import encode_path
from s3presign.service import load_policy, parse_policy, sanitize_filename
from s3presign.service._audit import FIELDS, AuditLog
from s3presign.service._auth import AuthError, RateLimiter, authenticate, verify_jwt
from s3presign.service._s3calls import signed_headers

from .service import make_jwt
from .test_sigv4_vectors import CASES, SUITE, _parse_request

ISSUE_EXAMPLE = """
[s3]                      # where to sign; credentials come from the AWS configuration
region = "us-east-1"
endpoint_url = "http://127.0.0.1:8333"
addressing_style = "path"
[server]
cors_origins = ["http://127.0.0.1:5173"]
audit_log = "audit.jsonl"
[[clients]]
name = "web"
token_sha256 = "TOKEN_HASH"   # Authorization: Bearer TOKEN
[[rules]]
clients = ["web"]
bucket = "uploads"
key = "svc/{client}/{uuid}-{filename}"   # the service builds keys; callers never name them
methods = ["POST", "PUT", "GET"]           # POST forms, PUT parts and uploads, GET downloads
max_size = 10485760                        # enforced by the store: content-length-range, signed sizes
content_types = ["text/*", "image/png"]
max_expires_in = 600
"""
TOKEN = "a-bearer-token"
SECRET = "s" * 40


def _policy(text: str = ISSUE_EXAMPLE, env: dict[str, str] | None = None) -> object:
    return parse_policy(tomllib.loads(text.replace("TOKEN_HASH", hashlib.sha256(TOKEN.encode()).hexdigest())),
                        source="p.toml", env=env or {}, base_dir="/srv")


def test_the_issues_example_works_as_written(tmp_path: Path) -> None:
    file = tmp_path / "presign.toml"
    file.write_text(ISSUE_EXAMPLE.replace("TOKEN_HASH", hashlib.sha256(TOKEN.encode()).hexdigest()))
    policy = load_policy(str(file), env={})
    assert (policy.s3.region, policy.s3.endpoint_url, policy.s3.addressing_style) == (
        "us-east-1", "http://127.0.0.1:8333", "path")
    assert policy.server.cors_origins == ("http://127.0.0.1:5173",)
    assert policy.server.audit_log == str(tmp_path / "audit.jsonl")  # next to the policy file
    (rule,) = policy.rules
    assert (rule.clients, rule.bucket, rule.methods, rule.max_size, rule.content_types, rule.max_expires_in) == (
        ("web",), "uploads", ("POST", "PUT", "GET"), 10485760, ("text/*", "image/png"), 600)
    assert rule.max_parts == 2
    caller = authenticate(policy, TOKEN, now=0)
    assert (caller.name, caller.identity, caller.how) == ("web", "web", "token")
    assert "TOKEN" not in repr(policy.clients[0]) and hashlib.sha256(TOKEN.encode()).hexdigest() not in repr(policy)


@pytest.mark.parametrize(("change", "message"), [
    (("max_expires_in = 600", "max_expires_in = 600\nowner = 'x'"),
     "unknown setting 'owner' in [[rules]] #1; known: bucket, clients, content_types, key, max_expires_in, "
     "max_size, metadata, methods"),
    (('methods = ["POST", "PUT", "GET"]', 'methods = ["DELETE"]'),
     "methods in [[rules]] #1: 'DELETE' is not one of POST (forms), PUT (parts, uploads), GET (downloads)"),
    (("{uuid}-{filename}", "{filename}"), "key in [[rules]] #1 needs {uuid} so that two uploads never share a key"),
    (("{uuid}-{filename}", "{uuid}-{name}"), "key in [[rules]] #1: unknown placeholder {name}; use {client}, {uuid}, {filename}"),
    (("svc/{client}", "svc/../{client}"), "key in [[rules]] #1 must not start with '/' or hold '.' or '..' segments"),
    (('clients = ["web"]', 'clients = ["app"]'), "[[rules]] #1 names client 'app', which no [[clients]] entry defines"),
    (('"http://127.0.0.1:5173"', '"http://127.0.0.1:5173/page"'),
     "cors_origins in [server]: 'http://127.0.0.1:5173/page' is not an origin like https://app.example:8443 (no path)"),
    (('content_types = ["text/*", "image/png"]', 'content_types = ["text"]'),
     "content_types in [[rules]] #1: 'text' is not a type like text/plain or text/*"),
    (("max_expires_in = 600", "max_expires_in = 700000"), "max_expires_in in [[rules]] #1 must be at most 604800 (7 days, S3's limit)"),
    (("max_size = 10485760", 'max_size = "10MB"'), "max_size in [[rules]] #1 must be a whole number, at least 0, not '10MB'"),
    (('addressing_style = "path"', 'addressing_style = "sideways"'),
     "addressing_style in [s3] must be auto, virtual or path, not 'sideways'"),
    (('token_sha256 = "TOKEN_HASH"', 'token_sha256 = "a-bearer-token"'),
     "token_sha256 in [[clients]] 'web' must be 64 hex digits: the SHA-256 of the token, not the token"),
    (('token_sha256 = "TOKEN_HASH"', 'jwt_secret_env = "NOPE"'),
     "[[clients]] 'web': the environment variable NOPE (jwt_secret_env) is not set"),
    (('token_sha256 = "TOKEN_HASH"', 'jwt_secret_env = "SHORT"'),
     "[[clients]] 'web': the JWT secret is 5 bytes; HS256 needs at least 32 (RFC 7518, section 3.2)"),
    (('name = "web"', 'name = "we/b"'), "client name 'we/b': use letters, digits and @+=._- (it can become part of a key)"),
])
def test_policy_errors_name_the_setting(change: tuple[str, str], message: str) -> None:
    with pytest.raises(ConfigFileError) as caught:
        _policy(ISSUE_EXAMPLE.replace(*change), env={"SHORT": "short"})
    assert str(caught.value) == f"p.toml: {message}"


TWO_RULES = ISSUE_EXAMPLE + """
[[clients]]
name = "shared"
token_sha256 = "%s"
[[rules]]
clients = ["web"]
bucket = "uploads"
key = "SECOND"
methods = ["GET"]
""" % ("0" * 64)


@pytest.mark.parametrize("template", [
    "svc/shared/{uuid}-{filename}",       # the client called "shared" writes there too
    "svc/{filename}/{uuid}-{filename}",   # a file name can be any identity
    "svc/web~x/{uuid}-{filename}",        # a JWT or hook identity of client web
    "svc/{filename}/{client}",            # {client} at another depth: the segments can cross
])
def test_templates_whose_keys_could_meet_for_two_callers_are_refused(template: str) -> None:
    text = TWO_RULES.replace('clients = ["web"]\nbucket = "uploads"\nkey = "svc/{client}',
                             'clients = ["web", "shared"]\nbucket = "uploads"\nkey = "svc/{client}').replace("SECOND", template)
    with pytest.raises(ConfigFileError, match=r"the keys of \[\[rules\]\] #1 \(svc/\{client\}/\{uuid\}-\{filename\}\) and #2 "
                                              r".* could meet for two different callers"):
        _policy(text)


@pytest.mark.parametrize("template", [
    "svc/{client}/{uuid}-{filename}",     # the same template: {client} at the same depth
    "other/{client}/{uuid}-{filename}",   # another literal segment
    "svc/{client}/{uuid}.{filename}/x",   # another depth
    "svc/nobody/{uuid}-{filename}",       # no client is called nobody
    "svc/{client}/{uuid}",                # the uuid segment never ends like '-name'
])
def test_templates_that_cannot_meet_are_accepted(template: str) -> None:
    _policy(TWO_RULES.replace("SECOND", template))


@pytest.mark.parametrize("template", ["shared/{client}_{filename}/{uuid}", "svc/x{client}/{uuid}", "{client}-{uuid}"])
def test_client_must_fill_a_whole_segment(template: str) -> None:
    with pytest.raises(ConfigFileError, match=r"\{client\} must fill a whole path segment"):
        _policy(ISSUE_EXAMPLE.replace("svc/{client}/{uuid}-{filename}", template))


def test_identities_are_qualified_by_their_client() -> None:
    from s3presign.service._policy import qualified_identity

    assert qualified_identity("web", "web") == "web"
    assert qualified_identity("browser", "web") == "browser~web"
    assert qualified_identity("browser", "alice") != qualified_identity("partner", "alice")


@pytest.mark.parametrize(("given", "normalised"), [
    ("text/plain", "text/plain"),
    ("TEXT/HTML;CHARSET=UTF-8", "text/html; charset=UTF-8"),
    ('text/plain; a="b\\"c"', 'text/plain; a="b\\"c"'),
    ('text/plain; a="tok"', "text/plain; a=tok"),
    ("text/plain ;\ta=b ; ; c=d", "text/plain; a=b; c=d"),
])
def test_media_types_are_normalised(given: str, normalised: str) -> None:
    from s3presign.service._policy import normalize_media_type

    assert normalize_media_type(given) == normalised
    assert normalize_media_type(normalised) == normalised


def test_audit_lines_never_split(tmp_path: Path) -> None:
    log = AuditLog(str(tmp_path / "a.jsonl"))
    log.write("deny", reason="a\u2028b\u2029c\x85d\x1ce\r\nf")
    log.close()
    text = (tmp_path / "a.jsonl").read_text(encoding="utf-8")
    assert len(text.splitlines()) == 1 and json.loads(text)["reason"] == "a\u2028b\u2029c\x85d\x1ce\r\nf"
    assert os.stat(tmp_path / "a.jsonl").st_mode & 0o777 == 0o600


@pytest.mark.parametrize(("change", "message"), [
    (("[server]", "[server]\nfailed_auth_rate = nan"), "failed_auth_rate in [server] must be a number, at least 0.001, not nan"),
    (('addressing_style = "path"', 'addressing_style = "path"\ntimeout = inf'), "timeout in [s3] must be a number, at least 0.1, not inf"),
    (('name = "web"', 'name = "web"\nrate_limit = nan'), "rate_limit in [[clients]] 'web' must be a number, at least 0.001, not nan"),
    (('name = "web"', 'name = "web"\nrate_limit = -1.0'), "rate_limit in [[clients]] 'web' must be a number, at least 0.001, not -1.0"),
    (("[server]", "[server]\njwt_leeway = 301"), "jwt_leeway in [server] must be at most 300 seconds (it stretches every token's life)"),
    (('bucket = "uploads"', 'bucket = "Uploads_2026"'), "bucket in [[rules]] #1: 'Uploads_2026' is not a name S3 gives buckets"),
    (('bucket = "uploads"', 'bucket = "ab"'), "bucket in [[rules]] #1: 'ab' is not a name S3 gives buckets"),
    (('bucket = "uploads"', 'bucket = "a..b"'), "bucket in [[rules]] #1: 'a..b' is not a name S3 gives buckets"),
    (('bucket = "uploads"', 'bucket = "192.168.10.1"'), "bucket in [[rules]] #1: '192.168.10.1' is not a name S3 gives buckets"),
    (('bucket = "uploads"', 'bucket = "-uploads"'), "bucket in [[rules]] #1: '-uploads' is not a name S3 gives buckets"),
    (('token_sha256 = "TOKEN_HASH"', 'jwt_secret_env = "J"\njwt_claim = "exp"'),
     "jwt_claim in [[clients]] 'web': 'exp' cannot name a caller"),
    (('token_sha256 = "TOKEN_HASH"', 'jwt_secret_env = "J"\njwt_claim = "a b"'),
     "jwt_claim in [[clients]] 'web': 'a b' cannot name a caller"),
    (('token_sha256 = "TOKEN_HASH"', 'jwt_secret_env = "J"\n[[clients]]\nname = "twin"\njwt_secret_env = "J"'),
     "[[clients]] 'twin' has the same JWT secret as another client"),
    (("[server]", '[limits]\nredis_url = "http://x"\n[server]'),
     "redis_url in [limits] must be a redis://HOST:PORT/DB (or rediss://, unix://) URL"),
])
def test_policy_numbers_names_and_secrets_are_checked(change: tuple[str, str], message: str) -> None:
    with pytest.raises(ConfigFileError) as caught:
        _policy(ISSUE_EXAMPLE.replace(*change, 1), env={"J": SECRET})
    assert str(caught.value).startswith(f"p.toml: {message}"), str(caught.value)


@pytest.mark.parametrize(("content", "message"), [
    (b'[s3]\nregion = "us-east-1\xff"\n', "not UTF-8 text"),
    (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested too deeply"),
])
def test_unreadable_policy_files_are_one_line_and_exit_253(tmp_path: Path, content: bytes, message: str) -> None:
    import subprocess
    import sys

    bad = tmp_path / "bad.toml"
    bad.write_bytes(content)
    done = subprocess.run([sys.executable, "-m", "s3presign", "serve", "--config", str(bad)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 253, done.stderr
    assert done.stderr.startswith(f"s3presign: error: {bad}: {message}") and done.stderr.count("\n") == 1, done.stderr


def test_the_jwt_leeway_is_configurable() -> None:
    text = ISSUE_EXAMPLE.replace('token_sha256 = "TOKEN_HASH"', 'jwt_secret_env = "J"')
    now = 1_800_000_000
    late = make_jwt({"sub": "ann", "exp": now - 10}, SECRET)
    assert authenticate(_policy(text, env={"J": SECRET}), late, now=now).identity == "ann"  # type: ignore[arg-type]
    strict = _policy(text.replace("[server]", "[server]\njwt_leeway = 0"), env={"J": SECRET})
    with pytest.raises(AuthError, match="the JWT has expired"):
        authenticate(strict, late, now=now)  # type: ignore[arg-type]


def test_policy_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match=r"cannot read the policy file .*missing.toml: No such file"):
        load_policy(str(tmp_path / "missing.toml"))
    bad = tmp_path / "bad.toml"
    bad.write_text("[s3\n")
    with pytest.raises(ConfigFileError, match=r"bad.toml: not valid TOML"):
        load_policy(str(bad))


def test_keys_are_built_and_recognised_per_identity() -> None:
    rule = _policy().rules[0]  # type: ignore[attr-defined]
    uid = "5f1d3c1e-8f0a-4b5e-9a6b-0123456789ab"
    key = rule.build_key(identity="alice", uuid=uid, filename="a b.txt")
    assert key == f"svc/alice/{uid}-a b.txt"
    assert rule.allows_key(key, identity="alice", max_filename_bytes=200)
    assert not rule.allows_key(key, identity="bob", max_filename_bytes=200)
    assert not rule.allows_key(f"svc/alice/{uid}-../x", identity="alice", max_filename_bytes=200)
    assert not rule.allows_key(f"svc/alice/{uid}-.hidden", identity="alice", max_filename_bytes=200)
    assert not rule.allows_key(f"svc/alice/{uid.upper()}-a.txt", identity="alice", max_filename_bytes=200)
    assert not rule.allows_key(f"svc/alice/{uid}-a\x00.txt", identity="alice", max_filename_bytes=200)
    assert not rule.allows_key(f"svc/a.ce/{uid}-a.txt", identity="alice", max_filename_bytes=200)
    assert rule.allows_type("text/csv; charset=utf-8") and rule.allows_type("IMAGE/PNG")
    assert not rule.allows_type("image/jpeg") and not rule.allows_type("textual/plain")


@given(st.text(min_size=1, max_size=300))
def test_sanitised_names_are_safe_and_stable(name: str) -> None:
    try:
        clean = sanitize_filename(name)
    except ValueError:
        return
    assert clean and "/" not in clean and "\\" not in clean and clean not in (".", "..")
    assert not clean.startswith(".") and not any(ord(c) < 32 or ord(c) == 127 for c in clean)
    assert len(clean.encode("utf-8")) <= 200
    assert sanitize_filename(clean) == clean  # what the download route relies on


def test_jwt_verification() -> None:
    policy = parse_policy(tomllib.loads(ISSUE_EXAMPLE.replace('token_sha256 = "TOKEN_HASH"',
                                                              'jwt_secret_env = "J"\njwt_claim = "email"\n'
                                                              'jwt_issuer = "https://app.example"\n'
                                                              'jwt_audience = "s3presign"')),
                          env={"J": SECRET})
    client = policy.clients[0]
    assert SECRET not in repr(policy) and SECRET not in repr(client)
    now = 1_800_000_000
    good = {"email": "ann@example.com", "exp": now + 300, "iss": "https://app.example", "aud": ["x", "s3presign"]}
    assert verify_jwt(make_jwt(good, SECRET), client, now=now) == "ann@example.com"
    assert authenticate(policy, make_jwt(good, SECRET), now=now, in_path=True).identity == "ann@example.com"
    for claims, error in [
        ({**good, "exp": now - 31}, "the JWT has expired"),
        ({**good, "exp": now + 3601}, "the JWT lives longer than this client's max_token_lifetime (3600s)"),
        ({**good, "nbf": now + 100}, "the JWT is not valid yet (nbf)"),
        ({**good, "iss": "https://evil.example"}, "the JWT's issuer (iss) is not the configured one"),
        ({**good, "aud": "other"}, "the JWT's audience (aud) is not the configured one"),
        ({**good, "email": ".."}, "the JWT's email claim is missing or not usable as an identity"),
    ]:
        with pytest.raises(AuthError, match=re.escape(error)):
            verify_jwt(make_jwt(claims, SECRET), client, now=now)
    head, body, mac = make_jwt(good, SECRET).split(".")
    forged = make_jwt({**good, "email": "root@example.com"}, SECRET).split(".")[1]
    with pytest.raises(AuthError, match="the token is not valid"):
        authenticate(policy, f"{head}.{forged}.{mac}", now=now)
    with pytest.raises(AuthError, match="the JWT must be signed with HS256"):
        verify_jwt(make_jwt(good, SECRET, alg="none"), client, now=now)


def test_rate_limiter_uses_the_clock_it_is_given() -> None:
    policy = _policy(ISSUE_EXAMPLE.replace('name = "web"', 'name = "web"\nrate_limit = 2\nburst = 2'))
    caller = authenticate(policy, TOKEN, now=0)  # type: ignore[arg-type]
    limiter = RateLimiter()
    assert [limiter.allow(caller, now=100.0) for _ in range(3)] == [0.0, 0.0, 0.5]
    assert limiter.allow(caller, now=100.25) == 0.25
    assert limiter.allow(caller, now=100.5) == 0.0


def test_an_audit_log_that_cannot_be_opened_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match=r"cannot open the audit log .*/missing/a.jsonl \(audit_log\): No such file"):
        AuditLog(str(tmp_path / "missing" / "a.jsonl"))


def test_audit_log_keeps_only_known_fields(tmp_path: Path) -> None:
    log = AuditLog(str(tmp_path / "a.jsonl"))
    log.write("grant", client="web", key="k", url="https://h/k?X-Amz-Signature=abc", token="secret")
    log.close()
    (record,) = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert set(record) == {"time", "event", "pid", "client", "key"}


# -- header signing -------------------------------------------------------------------------------

# "post-sts-header-after" adds the session token after signing, which S3 never accepts: S3 signs it.
HEADER_CASES = [c for c in CASES if (SUITE / c / "header-signed-request.txt").exists()
                and not json.loads((SUITE / c / "context.json").read_text()).get("omit_session_token")]


@pytest.mark.parametrize("case", HEADER_CASES)
def test_header_signing_matches_the_aws_suite(case: str) -> None:
    folder = SUITE / case
    context = json.loads((folder / "context.json").read_text())
    method, path, params, headers, body = _parse_request((folder / "request.txt").read_text())
    creds = context["credentials"]
    amz_date = datetime.strptime(context["timestamp"], "%Y-%m-%dT%H:%M:%SZ").strftime("%Y%m%dT%H%M%SZ")
    payload_hash = hashlib.sha256(body if context["sign_body"] else b"").hexdigest()
    headers = [h for h in headers if h[0].lower() != "x-amz-date"]
    if context["sign_body"]:  # the suite then sends the payload hash as a header, as S3 always does
        headers.append(("X-Amz-Content-SHA256", payload_hash))
    signed = signed_headers(
        credentials=Credentials(creds["access_key_id"], creds["secret_access_key"], creds.get("token")),
        method=method, path=encode_path(path), params=params, headers=headers, payload_hash=payload_hash,
        region=context["region"], amz_date=amz_date, service=context["service"])
    expected = re.search(r"^Authorization:(.*)$", (folder / "header-signed-request.txt").read_text(), re.M)
    assert expected is not None
    assert dict(signed)["Authorization"] == expected.group(1)


def test_the_header_suite_is_covered() -> None:
    assert len(HEADER_CASES) >= 25


@given(key=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40),
       token=st.one_of(st.none(), st.text(alphabet="abcXYZ0189+/=", min_size=1, max_size=30)),
       body=st.binary(max_size=64))
def test_header_signing_equals_botocore(key: str, token: str | None, body: bytes) -> None:
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotocoreCredentials

    from . import botocore_reference  # noqa: F401 - keeps botocore's Python signers (its clock can be pinned)

    path = "/bkt/" + encode_path(key)
    request = AWSRequest(method="POST", url=f"http://127.0.0.1:9000{path}?uploadId=a%2Fb~c",
                         headers={"Content-Type": "text/plain", "x-amz-meta-name": "n"}, data=body)
    with mock.patch("botocore.auth.get_current_datetime", return_value=datetime(2026, 11, 28, 5, 30)):
        botocore.auth.S3SigV4Auth(BotocoreCredentials("AKID", "SECRET/x+y", token), "s3", "eu-west-1").add_auth(request)
    payload_hash = hashlib.sha256(body).hexdigest()
    ours = signed_headers(credentials=Credentials("AKID", "SECRET/x+y", token), method="POST", path=path,
                          params=[("uploadId", "a/b~c")],
                          headers=[("Host", "127.0.0.1:9000"), ("X-Amz-Content-SHA256", payload_hash),
                                   ("Content-Type", "text/plain"), ("x-amz-meta-name", "n")],
                          payload_hash=payload_hash, region="eu-west-1", amz_date="20261128T053000Z")
    assert dict(ours)["Authorization"] == request.headers["Authorization"]
    assert dict(ours)["X-Amz-Content-SHA256"] == request.headers["X-Amz-Content-SHA256"]


def test_the_service_package_exports_exactly_its_public_names() -> None:
    import types

    import s3presign.service as service

    public = {name for name in dir(service)
              if not name.startswith("_") and not isinstance(getattr(service, name), types.ModuleType)}
    assert set(service.__all__) == public == {"App", "Policy", "load_policy", "parse_policy", "sanitize_filename"}


def _asgi(app: object, method: str, path: str, query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None,
          body: bytes = b"") -> tuple[int, object]:
    """One request through the ASGI interface itself, as any ASGI server would send it."""
    import asyncio

    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "query_string": query, "root_path": "",
             "headers": headers or [], "client": ("127.0.0.1", 5000), "scheme": "http"}
    asyncio.run(app(scope, receive, send))  # type: ignore[operator]
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")  # type: ignore[misc]
    return int(sent[0]["status"]), json.loads(payload) if payload else None  # type: ignore[call-overload]


def test_a_store_without_post_object_points_uppy_to_multipart() -> None:
    from s3presign import Presigner
    from s3presign.service import App

    policy = _policy(ISSUE_EXAMPLE.replace('addressing_style = "path"', 'addressing_style = "path"\npost_object = false'))
    app = App(policy, signer=Presigner(Credentials("AKID", "SECRET"), endpoint_url="http://127.0.0.1:9"))  # type: ignore[arg-type]
    auth = [(b"authorization", f"Bearer {TOKEN}".encode())]
    status, answer = _asgi(app, "GET", "/s3/params", b"filename=a.txt&type=text/plain", auth)
    assert (status, answer) == (501, {"error": "this store has no POST Object ([s3] post_object = false); configure "
                                               "Uppy with shouldUseMultipart: true so every file goes up in parts"})
    status, answer = _asgi(app, "POST", "/upload", headers=auth,
                           body=json.dumps({"filename": "a.txt", "type": "text/plain", "size": 3}).encode())
    assert status == 200 and answer["url"].startswith("http://127.0.0.1:9/uploads/svc/web/")  # type: ignore[index]


def test_a_store_preset_without_post_object_is_known_too() -> None:
    from s3presign import Presigner
    from s3presign.service import App

    signer = Presigner.for_provider("r2", Credentials("AKID", "SECRET"), account_id="0123456789abcdef0123456789abcdef")
    app = App(_policy(), signer=signer)  # type: ignore[arg-type]
    status, answer = _asgi(app, "GET", "/s3/params", b"filename=a.txt&type=text/plain",
                           [(b"authorization", f"Bearer {TOKEN}".encode())])
    assert (status, answer) == (501, {"error": "this store has no POST Object (Cloudflare R2, the profile's provider); "
                                               "configure Uppy with shouldUseMultipart: true so every file goes up in parts"})


@given(st.binary(max_size=60) | st.text(alphabet="ab=&+%2BCfü ", max_size=40).map(str.encode))
def test_the_query_parser_equals_parse_qsl(raw: bytes) -> None:
    """The service's own query parser (faster on the hot path) reads exactly what parse_qsl reads."""
    from urllib.parse import parse_qsl

    from s3presign.service._app import _query

    assert _query(raw) == parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)


def test_an_audit_record_is_in_the_file_when_write_returns_even_in_an_event_loop(tmp_path: Path) -> None:
    """Nothing acknowledged is lost: no buffer waits for the loop to go round (or for a crash)."""
    import asyncio

    path = tmp_path / "a.jsonl"
    log = AuditLog(str(path))

    async def burst() -> list[int]:
        seen = []
        for n in range(3):
            log.write("grant", key=f"k{n}")
            seen.append(len(path.read_text().splitlines()))
        return seen

    assert asyncio.run(burst()) == [1, 2, 3]
    log.write("deny", key="outside a loop")
    assert len(path.read_text().splitlines()) == 4
    log.close()


ISSUED_KEY = "svc/web/0d5b8a0e-3c1f-4a5e-9b6b-1234567890ab-report ü.txt"


def _download_app(tmp_path: Path) -> object:
    from s3presign import Presigner
    from s3presign.service import App

    signer = Presigner(Credentials("AKID", "SECRET"), endpoint_url="http://127.0.0.1:9")
    return App(_policy(), signer=signer, audit=AuditLog(str(tmp_path / "a.jsonl")))  # type: ignore[arg-type]


def test_a_grant_is_in_the_audit_file_before_its_answer_is_sent(tmp_path: Path) -> None:
    import asyncio
    from urllib.parse import quote

    app = _download_app(tmp_path)
    on_disk: list[list[dict[str, object]]] = []
    bodies: list[bytes] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":  # the answer starts: the record must be there already
            on_disk.append([json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()])
        else:
            bodies.append(message["body"])  # type: ignore[arg-type]

    scope = {"type": "http", "method": "GET", "path": "/download", "root_path": "", "scheme": "http",
             "query_string": f"key={quote(ISSUED_KEY)}".encode(), "client": ("127.0.0.1", 5000),
             "headers": [(b"authorization", f"Bearer {TOKEN}".encode())]}
    asyncio.run(app(scope, receive, send))  # type: ignore[operator]
    ((record,),) = on_disk
    assert {k: record[k] for k in ("event", "client", "identity", "auth", "route", "method", "bucket", "key")} == {
        "event": "grant", "client": "web", "identity": "web", "auth": "token", "route": "/download",
        "method": "GET", "bucket": "uploads", "key": ISSUED_KEY}
    (body,) = bodies  # the hand-made answer is what the JSON encoder writes
    answer = json.loads(body)
    assert set(answer) == {"url", "expires_at"} and answer["expires_at"] == record["expires_at"]
    assert body == json.dumps(answer, ensure_ascii=False).encode()


def test_a_download_says_the_expiry_of_the_url_it_signed_when_the_clock_ticks_meanwhile(tmp_path: Path) -> None:
    """The signer reads its own clock; should the second change between the service's reading and
    the signer's, expires_at still follows the URL's X-Amz-Date."""
    import calendar
    import time as real_time
    from types import SimpleNamespace
    from urllib.parse import parse_qs, quote, urlsplit

    from s3presign import _signer
    from s3presign.service import _app

    start = float(int(real_time.time()))
    clock = [start + 0.5]

    def signer_clock() -> float:  # the second ends as the signer looks at the clock
        clock[0] = start + 1.5
        return clock[0]

    fake = SimpleNamespace(time=lambda: clock[0], monotonic=real_time.monotonic, strftime=real_time.strftime,
                           gmtime=real_time.gmtime)
    app = _download_app(tmp_path)
    with mock.patch.object(_signer, "_time", signer_clock), mock.patch.object(_app, "time", fake):
        status, answer = _asgi(app, "GET", "/download", f"key={quote(ISSUED_KEY)}".encode(),
                               [(b"authorization", f"Bearer {TOKEN}".encode())])
    assert status == 200
    query = parse_qs(urlsplit(answer["url"]).query)  # type: ignore[index]
    signed = calendar.timegm(real_time.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ"))
    assert signed == start + 1
    expires = calendar.timegm(real_time.strptime(answer["expires_at"], "%Y-%m-%dT%H:%M:%SZ"))  # type: ignore[index]
    assert expires == signed + int(query["X-Amz-Expires"][0]) == start + 1 + 600


_AUDIT_VALUES = (st.text(max_size=30) | st.integers(-(2**70), 2**70) | st.booleans() | st.none()
                 | st.floats(allow_nan=False, allow_infinity=False))


@given(st.dictionaries(st.sampled_from([f for f in FIELDS if f != "event"] + ["url", "token"]), _AUDIT_VALUES, max_size=8),
       st.dictionaries(st.sampled_from(["client", "identity", "route"]), st.text(max_size=10), max_size=3))
def test_audit_records_are_what_the_json_module_writes(fields: dict[str, object], shared: dict[str, str]) -> None:
    """The hand-made encoder writes the bytes json.dumps writes (line separators escaped, unknown
    and None fields dropped, time/event/pid the log's own)."""
    fields = {k: v for k, v in fields.items() if k not in shared}
    with mock.patch("sys.stderr", new=io.StringIO()) as err:
        log = AuditLog("-")
        log.write("grant", log.fields(**shared), **fields)
    line = err.getvalue()
    record = json.loads(line)
    expected = {"time": record["time"], "event": "grant", "pid": os.getpid()}
    expected.update((k, v) for k, v in [*shared.items(), *fields.items()]
                    if v is not None and k in FIELDS and k not in ("time", "event", "pid"))
    reference = json.dumps(expected, ensure_ascii=False, separators=(",", ":"))
    for char in "\x85\u2028\u2029":
        reference = reference.replace(char, f"\\u{ord(char):04x}")
    assert line == reference + "\n"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", str(record["time"]))


def test_a_lone_surrogate_in_an_audit_value_is_escaped_not_a_crash(tmp_path: Path) -> None:
    log = AuditLog(str(tmp_path / "a.jsonl"))
    log.write("deny", reason="bad \udc80 byte")
    log.close()
    text = (tmp_path / "a.jsonl").read_text(encoding="utf-8")  # valid UTF-8
    assert json.loads(text)["reason"] == "bad \udc80 byte" and "\\udc80" in text


@given(st.text(alphabet=st.sampled_from("aZ09 ._-/\\\t\u00e9e\u0301\u00a0\u200b\u2028\x00\ud7ff\U0001f600"), max_size=12),
       st.sampled_from([4, 8, 255]))
@example("cafe\u0301", 255)  # not NFC
@example("a.txt.", 255)  # a dot to strip
@example("\u00e9\u00e9\u00e9", 4)  # too long in UTF-8
@example("a\u00a0b", 255)  # not printable, yet kept
def test_the_quick_file_name_check_agrees_with_sanitize_filename(name: str, max_bytes: int) -> None:
    from s3presign.service._policy import _is_sanitized

    try:
        same = sanitize_filename(name, max_bytes=max_bytes) == name
    except ValueError:
        same = False
    assert _is_sanitized(name, max_bytes=max_bytes) == same
