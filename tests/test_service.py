"""``s3presign serve`` end to end: the real server (uvicorn) on loopback in front of SeaweedFS.

What the store enforces is checked by sending to the store: sizes (POST's content-length-range,
a PUT's signed Content-Length), and that granted URLs really work (objects read back equal).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import unicodedata
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from .http import Response, send
from .service import (
    BUCKET,
    JWT_SECRET,
    LIMITED_TOKEN,
    OTHER_TOKEN,
    READER_TOKEN,
    TINY_TOKEN,
    WEB_TOKEN,
    Service,
    browser_jwt,
    make_jwt,
    run_service,
    service_env,
)
from .test_request_seaweedfs import _multipart

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def call(service: Service, method: str, path: str, *, token: str | None = WEB_TOKEN, body: object = None,
         headers: dict[str, str] | None = None) -> tuple[int, object, dict[str, str]]:
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    response = send(service.url + path, method, data, headers=sent)
    answer = json.loads(response.body) if response.body else None
    return response.status, answer, response.headers


def params(service: Service, filename: str, type_: str = "text/plain", token: str | None = WEB_TOKEN,
           **extra: str) -> tuple[int, object, dict[str, str]]:
    return call(service, "GET", "/s3/params?" + urlencode({"filename": filename, "type": type_, **extra}), token=token)


def post_form(answer: dict[str, object], data: bytes, filename: str = "f.txt", content_type: str = "text/plain") -> Response:
    body, form_type = _multipart(dict(answer["fields"]), filename, data, content_type)  # type: ignore[arg-type]
    return send(str(answer["url"]), "POST", body, headers={"Content-Type": form_type})


def download(service: Service, key: str, token: str = WEB_TOKEN) -> bytes:
    status, answer, _ = call(service, "GET", "/download?" + urlencode({"key": key}), token=token)
    assert status == 200, answer
    got = send(answer["url"])  # type: ignore[index]
    assert got.status == 200, got.body
    return got.body


def test_healthz(service: Service) -> None:
    assert call(service, "GET", "/healthz", token=None)[:2] == (200, {"ok": True})


# -- 401 -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["none", "wrong token", "basic", "static token in path", "expired jwt",
                                 "alg none", "wrong secret", "too long-lived", "no exp", "unusable sub"])
def test_missing_or_wrong_credentials_are_401(service: Service, how: str) -> None:
    now = int(time.time())
    path, token = "/s3/params?filename=a.txt&type=text/plain", None
    headers: dict[str, str] = {}
    if how == "wrong token":
        token = WEB_TOKEN + "x"
    elif how == "basic":
        headers["Authorization"] = "Basic d2ViOnNlY3JldA=="
    elif how == "static token in path":
        path = f"/t/{WEB_TOKEN}" + path
    else:
        jwt = {
            "expired jwt": make_jwt({"sub": "alice", "exp": now - 120}),
            "alg none": make_jwt({"sub": "alice", "exp": now + 60}, alg="none"),
            "wrong secret": make_jwt({"sub": "alice", "exp": now + 60}, secret=JWT_SECRET + "!"),
            "too long-lived": make_jwt({"sub": "alice", "exp": now + 86400}),
            "no exp": make_jwt({"sub": "alice"}),
            "unusable sub": make_jwt({"sub": "../bob", "exp": now + 60}),
        }.get(how)
        if jwt is not None:
            path = f"/t/{jwt}" + path
    status, answer, got = call(service, "GET", path, token=token, headers=headers)
    assert status == 401, answer
    assert got["www-authenticate"] == "Bearer"
    reason = answer["error"]  # type: ignore[index]
    assert reason and "\n" not in reason and WEB_TOKEN not in reason


# -- 403: type, method, size, key -------------------------------------------------------------------

def test_a_type_outside_the_rules_is_403(service: Service) -> None:
    status, answer, _ = params(service, "a.pdf", "application/pdf")
    assert status == 403 and answer == {
        "error": "content type application/pdf is not allowed for client web (allowed: application/octet-stream, image/png, text/*)"}
    assert call(service, "POST", "/s3/multipart", body={"filename": "a.pdf", "type": "application/pdf"})[0] == 403
    assert call(service, "POST", "/upload", body={"filename": "a.pdf", "type": "application/pdf", "size": 3})[0] == 403
    assert params(service, "a.txt", "text/plain; charset=utf-8")[0] == 200  # text/* with a parameter


def test_a_method_outside_the_rules_is_403(service: Service) -> None:
    status, answer, _ = params(service, "a.txt", token=READER_TOKEN)
    assert (status, answer) == (403, {"error": "no rule lets client reader presign POST (form uploads)"})
    status, answer, _ = call(service, "POST", "/upload", token=READER_TOKEN,
                             body={"filename": "a.txt", "type": "text/plain", "size": 1})
    assert (status, answer) == (403, {"error": "no rule lets client reader presign PUT (uploads and multipart parts)"})


def test_sizes_over_max_size_are_refused(service: Service) -> None:
    # A presigned PUT for more than max_size is not granted at all.
    status, answer, _ = call(service, "POST", "/upload", token=TINY_TOKEN,
                             body={"filename": "a.txt", "type": "text/plain", "size": 1001})
    assert (status, answer) == (403, {"error": "size 1001 is more than rule #2's max_size 1000"})
    # Multipart: part 2 is never needed under 1000 bytes.
    status, answer, _ = call(service, "POST", "/s3/multipart", token=TINY_TOKEN, body={"filename": "m.txt", "type": "text/plain"})
    assert status == 200
    key, upload_id = answer["key"], answer["uploadId"]  # type: ignore[index]
    status, answer, _ = call(service, "GET", f"/s3/multipart/{upload_id}/2?key={quote(key)}", token=TINY_TOKEN)
    assert status == 403 and "at most 1 parts" in answer["error"]  # type: ignore[index]


def test_an_upload_larger_than_max_size_is_refused_by_seaweedfs(service: Service) -> None:
    status, answer, _ = params(service, "small.txt", token=TINY_TOKEN)
    assert status == 200
    refused = post_form(answer, b"x" * 1001)  # type: ignore[arg-type]
    assert refused.status == 400 and b"EntityTooLarge" in refused.body, refused.body
    assert post_form(answer, b"x" * 1000).status == 204  # type: ignore[arg-type]
    # A presigned PUT signs Content-Length: the store refuses any other size.
    status, put, _ = call(service, "POST", "/upload", token=TINY_TOKEN,
                          body={"filename": "put.txt", "type": "text/plain", "size": 10})
    assert status == 200 and put["headers"] == {"Content-Type": "text/plain", "Content-Length": "10"}  # type: ignore[index]
    url = put["url"]  # type: ignore[index]
    assert send(url, "PUT", b"y" * 2000, headers={"Content-Type": "text/plain"}).status == 403
    assert send(url, "PUT", b"y" * 10, headers={"Content-Type": "text/plain"}).status == 200
    assert download(service, put["key"], TINY_TOKEN) == b"y" * 10  # type: ignore[index]


def test_a_multipart_upload_over_max_size_is_aborted_at_complete(service: Service) -> None:
    status, answer, _ = call(service, "POST", "/s3/multipart", token=TINY_TOKEN, body={"filename": "m.txt", "type": "text/plain"})
    key, upload_id = answer["key"], answer["uploadId"]  # type: ignore[index]
    part = call(service, "GET", f"/s3/multipart/{upload_id}/1?key={quote(key)}", token=TINY_TOKEN)[1]
    sent = send(part["url"], "PUT", b"z" * 1500)  # type: ignore[index]
    assert sent.status == 200
    status, answer, _ = call(service, "POST", f"/s3/multipart/{upload_id}/complete?key={quote(key)}", token=TINY_TOKEN,
                             body={"parts": [{"PartNumber": 1, "ETag": sent.headers["etag"]}]})
    assert (status, answer) == (403, {"error": "the upload is 1500 bytes; rule #2 allows at most 1000 (max_size), so it was aborted"})
    status, answer, _ = call(service, "GET", f"/s3/multipart/{upload_id}?key={quote(key)}", token=TINY_TOKEN)
    assert status == 502 and "NoSuchUpload" in answer["error"]  # type: ignore[index]


@pytest.mark.parametrize("key", ["etc/passwd", "svc/web/not-a-uuid-a.txt", "svc/web/../other/x.txt",
                                 "public/a.txt", "svc/web/5f1d3c1e-8f0a-4b5e-9a6b-0123456789ab-../x"])
def test_a_key_outside_the_rules_is_403(service: Service, key: str) -> None:
    status, answer, _ = call(service, "GET", "/download?" + urlencode({"key": key}))
    assert status == 403, answer
    assert answer == {"error": f"the key {key!r} is outside the keys client web may use for GET"}


def test_another_clients_key_is_refused(service: Service) -> None:
    status, answer, _ = call(service, "POST", "/upload", body={"filename": "mine.txt", "type": "text/plain", "size": 4})
    web_key = answer["key"]  # type: ignore[index]
    assert re.fullmatch(rf"svc/web/{UUID}-mine\.txt", web_key)
    assert send(answer["url"], "PUT", b"mine", headers={"Content-Type": "text/plain"}).status == 200  # type: ignore[index]
    assert download(service, web_key) == b"mine"
    status, answer, _ = call(service, "GET", "/download?" + urlencode({"key": web_key}), token=OTHER_TOKEN)
    assert (status, answer) == (403, {"error": f"the key {web_key!r} is outside the keys client other may use for GET"})
    # Multipart routes take a key back too.
    created = call(service, "POST", "/s3/multipart", body={"filename": "mp.txt", "type": "text/plain"})[1]
    key, upload_id = created["key"], created["uploadId"]  # type: ignore[index]
    for method, path in [("GET", f"/s3/multipart/{upload_id}/1"), ("GET", f"/s3/multipart/{upload_id}"),
                         ("DELETE", f"/s3/multipart/{upload_id}")]:
        assert call(service, method, f"{path}?key={quote(key)}", token=OTHER_TOKEN)[0] == 403
    # JWT callers of one client are kept apart by their identity (the sub claim).
    alice = f"/t/{browser_jwt('alice')}"
    bob = f"/t/{browser_jwt('bob')}"
    status, answer, _ = call(service, "GET", alice + "/s3/params?filename=a.txt&type=text/plain", token=None)
    alice_key = answer["key"]  # type: ignore[index]
    assert status == 200 and alice_key.startswith("svc/browser~alice/")
    assert call(service, "GET", bob + "/download?" + urlencode({"key": alice_key}), token=None)[0] == 403
    assert call(service, "GET", alice + "/download?" + urlencode({"key": alice_key}), token=None)[0] == 200


# -- file names -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "kept"), [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\win.ini", "win.ini"),
    ("a\x00b\x1b[31m\x7f\u202e.txt", "ab[31m.txt"),
    ("line\r\nbreak.txt", "linebreak.txt"),
    ("e\u0301te\u0301.txt", "\u00e9t\u00e9.txt"),
    ("  .hidden  ", "hidden"),
    ("year=2026/month=11/part 0001 ünïcode.parquet", "part 0001 ünïcode.parquet"),
])
def test_file_names_are_sanitised_in_keys(service: Service, given: str, kept: str) -> None:
    status, answer, _ = params(service, given)
    assert status == 200, answer
    key = answer["key"]  # type: ignore[index]
    assert re.fullmatch(rf"svc/web/{UUID}-{re.escape(kept)}", key), key
    assert unicodedata.is_normalized("NFC", key)
    assert post_form(answer, b"named").status == 204  # type: ignore[arg-type]
    assert download(service, key) == b"named"


def test_long_names_are_capped_and_empty_ones_refused(service: Service) -> None:
    answer = params(service, "é" * 300 + ".txt")[1]
    name = answer["key"].split("-", 5)[5]  # type: ignore[index]
    assert name.endswith(".txt") and len(name.encode()) <= 200
    for empty in ["..", "/", "\x00\x01", " . "]:
        status, answer, _ = params(service, empty)
        assert status == 400 and "empty once path segments" in answer["error"]  # type: ignore[index]


# -- CORS -----------------------------------------------------------------------------------------

def test_cors_only_for_configured_origins(service: Service) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = send(service.url + "/s3/multipart", "OPTIONS", headers={"Origin": service.origin, **preflight})
    assert ok.status == 204
    assert ok.headers["access-control-allow-origin"] == service.origin
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert "content-type" in ok.headers["access-control-allow-headers"]
    evil = "http://127.0.0.1:1"
    refused = send(service.url + "/s3/multipart", "OPTIONS", headers={"Origin": evil, **preflight})
    assert refused.status == 403 and "access-control-allow-origin" not in refused.headers
    status, answer, headers = call(service, "GET", "/s3/params?filename=a.txt", headers={"Origin": service.origin})
    assert status == 200 and headers["access-control-allow-origin"] == service.origin
    status, answer, headers = call(service, "GET", "/s3/params?filename=a.txt", headers={"Origin": evil})
    assert status == 403 and "access-control-allow-origin" not in headers
    assert answer == {"error": f"the origin {evil} is not allowed (cors_origins)"}
    # A request without Origin (not a browser) or from the service's own origin needs no CORS.
    assert "access-control-allow-origin" not in params(service, "a.txt")[2]
    assert call(service, "GET", "/s3/params?filename=a.txt", headers={"Origin": service.url})[0] == 200


# -- round trips, rate limits, S3 refusals --------------------------------------------------------

def test_multipart_round_trip_through_the_uppy_routes(service: Service) -> None:
    data = bytes(range(256)) * (24 * 1024)  # 6 MiB: one full part and a short one
    status, created, _ = call(service, "POST", "/s3/multipart",
                              body={"filename": "big ünï.bin", "type": "application/octet-stream",
                                    "metadata": {"name": "big ünï.bin", "secret": "dropped"}})
    assert status == 200, created
    key, upload_id = created["key"], created["uploadId"]  # type: ignore[index]
    assert created["bucket"] == BUCKET  # type: ignore[index]
    etags = []
    for number, chunk in enumerate([data[:5 << 20], data[5 << 20:]], 1):
        part = call(service, "GET", f"/s3/multipart/{quote(upload_id)}/{number}?key={quote(key)}")[1]
        sent = send(part["url"], "PUT", chunk)  # type: ignore[index]
        assert sent.status == 200, sent.body
        etags.append(sent.headers["etag"])
    status, listed, _ = call(service, "GET", f"/s3/multipart/{quote(upload_id)}?key={quote(key)}")
    assert listed == [{"PartNumber": 1, "ETag": etags[0], "Size": 5 << 20},
                      {"PartNumber": 2, "ETag": etags[1], "Size": len(data) - (5 << 20)}]
    status, done, _ = call(service, "POST", f"/s3/multipart/{quote(upload_id)}/complete?key={quote(key)}",
                           body={"parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]})
    assert status == 200, done
    assert done == {"location": f"{service.store.endpoint_url}/{BUCKET}/{quote(key)}", "bucket": BUCKET, "key": key}
    assert download(service, key) == data
    head = send(call(service, "GET", "/download?" + urlencode({"key": key}))[1]["url"])  # type: ignore[index]
    assert head.headers["content-type"] == "application/octet-stream"
    assert head.headers["x-amz-meta-name"] == "=?UTF-8?B?YmlnIMO8bsOvLmJpbg==?="  # RFC 2047, as S3 asks
    assert "x-amz-meta-secret" not in head.headers  # not in the rule's metadata list


def test_abort_ends_the_upload(service: Service) -> None:
    created = call(service, "POST", "/s3/multipart", body={"filename": "gone.txt", "type": "text/plain"})[1]
    key, upload_id = created["key"], created["uploadId"]  # type: ignore[index]
    assert call(service, "DELETE", f"/s3/multipart/{upload_id}?key={quote(key)}")[:2] == (200, {})
    status, answer, _ = call(service, "GET", f"/s3/multipart/{upload_id}?key={quote(key)}")
    assert status == 502 and answer["error"].startswith(f"S3 refused ListParts for s3://{BUCKET}/{key}: NoSuchUpload")  # type: ignore[index]
    time.sleep(0.1)
    last = json.loads(service.audit.read_text().splitlines()[-1])
    assert (last["event"], last["status"], last["client"], last["reason"]) == ("deny", 502, "web", answer["error"])  # type: ignore[index]


def test_download_expiry_is_capped(service: Service) -> None:
    status, answer, _ = call(service, "GET", "/download?key=public/a.txt&expires_in=121", token=READER_TOKEN)
    assert (status, answer) == (403, {"error": "expires_in 121 is more than rule #3's max_expires_in 120"})
    status, answer, _ = call(service, "GET", "/download?key=public/a.txt&expires_in=60", token=READER_TOKEN)
    assert status == 200 and "X-Amz-Expires=60&" in answer["url"]  # type: ignore[index]


def test_rate_limit_is_per_client(service: Service) -> None:
    statuses = [call(service, "GET", "/download?key=public/b.txt", token=LIMITED_TOKEN)[0] for _ in range(6)]
    assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429  # burst = 3, then 0.5 a second
    status, answer, headers = call(service, "GET", "/download?key=public/b.txt", token=LIMITED_TOKEN)
    assert status == 429 and answer["error"].startswith("client limited is over its rate limit")  # type: ignore[index]
    assert 1 <= int(headers["retry-after"]) <= 2
    # The other client on the same rule is not affected.
    assert call(service, "GET", "/download?key=public/b.txt", token=READER_TOKEN)[0] == 200


def test_s3_refusals_are_clear(service: Service) -> None:
    key = call(service, "POST", "/upload", body={"filename": "a.txt", "type": "text/plain", "size": 1})[1]["key"]  # type: ignore[index]
    status, answer, _ = call(service, "POST", f"/s3/multipart/no-such-upload/complete?key={quote(key)}",
                             body={"parts": [{"PartNumber": 1, "ETag": '"0123"'}]})
    assert status == 502
    assert re.fullmatch(rf"S3 refused (ListParts|CompleteMultipartUpload) for s3://{BUCKET}/{re.escape(key)}: "
                        r"NoSuchUpload \(.+\)", answer["error"]), answer  # type: ignore[index]


def test_unknown_routes_and_methods(service: Service) -> None:
    assert call(service, "GET", "/nope")[0] == 404
    status, answer, headers = call(service, "PUT", "/s3/multipart")
    assert (status, headers["allow"]) == (405, "POST")
    assert call(service, "POST", "/s3/multipart", body=["not", "an", "object"])[0] == 400


# -- the audit log --------------------------------------------------------------------------------

def test_audit_log_is_complete_and_holds_no_secrets(service: Service) -> None:
    jwt = browser_jwt("carol")
    marker = uuid.uuid4().hex
    grants = []
    answer = params(service, f"{marker}.txt")[1]
    grants.append(("POST", answer["key"]))  # type: ignore[index]
    put = call(service, "POST", "/upload", body={"filename": f"{marker}.txt", "type": "text/plain", "size": 2})[1]
    grants.append(("PUT", put["key"]))  # type: ignore[index]
    created = call(service, "GET", f"/t/{jwt}/s3/params?filename={marker}.txt&type=text/plain", token=None)[1]
    grants.append(("POST", created["key"]))  # type: ignore[index]
    grants.append(("GET", put["key"]))  # type: ignore[index]
    urls = [answer["url"], put["url"], call(service, "GET", "/download?" + urlencode({"key": put["key"]}))[1]["url"]]  # type: ignore[index]
    denied = call(service, "GET", f"/download?key=etc/{marker}", token=OTHER_TOKEN)
    assert denied[0] == 403
    time.sleep(0.2)
    records = [json.loads(line) for line in service.audit.read_text().splitlines()]
    granted = [(r["method"], r["key"]) for r in records if r["event"] == "grant" and marker in r["key"]]
    assert granted == grants
    for record in records:
        if record["event"] == "grant":
            assert {"time", "client", "identity", "method", "bucket", "key", "expires_at", "route"} <= set(record)
    carol = [r for r in records if r["event"] == "grant" and r["identity"] == "carol"]
    assert carol and carol[0]["client"] == "browser" and carol[0]["route"] == "/t/***/s3/params"
    refusal = [r for r in records if r["event"] == "deny" and marker in r.get("reason", "")]
    assert refusal and refusal[0]["client"] == "other" and refusal[0]["status"] == 403
    text = service.audit.read_text() + service.log.read_text()
    signatures = [re.search(r"X-Amz-Signature=(\w+)", str(u)).group(1) for u in urls[1:]]  # type: ignore[union-attr]
    for secret in [WEB_TOKEN, OTHER_TOKEN, TINY_TOKEN, READER_TOKEN, jwt, jwt.split(".")[2], JWT_SECRET,
                   service.store.secret_access_key, answer["fields"]["x-amz-signature"], *signatures]:  # type: ignore[index]
        assert secret not in text


# -- the command ----------------------------------------------------------------------------------

def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "s3presign", "serve", *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_serve_usage_and_configuration_errors(service: Service, tmp_path: Path) -> None:
    env = service_env(service.store, tmp_path)
    done = _serve(env=env)
    assert done.returncode == 252
    assert done.stderr.startswith("s3presign: error: give the policy file: usage: s3presign serve "
                                  "--config FILE [--host 127.0.0.1] [--port 8080] [--workers 1] ")
    assert _serve("--config", str(service.policy), "--port", "http", env=env).returncode == 252
    bad = tmp_path / "bad.toml"
    bad.write_text(service.policy.read_text().replace('methods = ["GET"]', 'methods = ["GET", "PATCH"]'))
    done = _serve("--config", str(bad), env=env)
    assert done.returncode == 253 and "Traceback" not in done.stderr
    assert done.stderr == (f"s3presign: error: {bad}: methods in [[rules]] #3: 'PATCH' is not one of POST (forms), "
                           "PUT (parts, uploads), GET (downloads)\n")
    env.pop("S3PRESIGN_TEST_JWT_SECRET")
    done = _serve("--config", str(service.policy), env=env)
    assert done.returncode == 253 and "S3PRESIGN_TEST_JWT_SECRET (jwt_secret_env) is not set" in done.stderr
    port = service.url.rsplit(":", 1)[1]
    done = _serve("--config", str(service.policy), "--port", port, env=service_env(service.store, tmp_path))
    assert done.returncode == 255 and done.stderr.startswith(f"s3presign: error: cannot listen on 127.0.0.1:{port}: ")


def test_serve_without_uvicorn_says_how_to_install_it(service: Service, tmp_path: Path) -> None:
    code = ("import sys; sys.modules['uvicorn'] = None; from s3presign.cli import main; "
            f"sys.exit(main(['serve', '--config', {str(service.policy)!r}]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=service_env(service.store, tmp_path), timeout=60)
    assert (done.returncode, done.stderr) == (
        253, "s3presign: error: s3presign serve needs uvicorn: pip install 's3presign[serve]'\n")


def test_sigterm_finishes_requests_in_flight_then_exits_0(service: Service, tmp_path: Path) -> None:
    import http.client
    import signal

    log = tmp_path / "serve.log"
    with run_service(service.policy, service_env(service.store, tmp_path), log) as (url, process):
        host, port = url[7:].split(":")
        # A request whose body is still arriving when SIGTERM comes: it must still be answered.
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        body = json.dumps({"filename": "late.txt", "type": "text/plain", "size": 1}).encode()
        conn.putrequest("POST", "/upload")
        conn.putheader("Authorization", f"Bearer {WEB_TOKEN}")
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        conn.send(body[:10])
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        conn.send(body[10:])
        response = conn.getresponse()
        assert response.status == 200 and json.loads(response.read())["key"].endswith("-late.txt")
        conn.close()
        assert process.wait(timeout=20) == 0
    assert log.read_text().endswith("s3presign: stopped\n")


def test_each_s3_call_reads_the_signers_current_credentials(service: Service) -> None:
    """Credentials that refresh themselves are picked up: the S3 calls read ``signer.credentials``
    every time (here a signer whose credentials change between calls, as refreshing ones do)."""
    from s3presign import Credentials, Presigner, ServiceError
    from s3presign.service._s3calls import S3Calls

    store = service.store
    real = Presigner(Credentials(store.access_key_id, store.secret_access_key), region="us-east-1",
                     endpoint_url=store.endpoint_url, addressing_style="path")

    class Rotating:
        def __init__(self) -> None:
            self.snapshots = [Credentials(store.access_key_id, "a-revoked-secret"),
                              Credentials(store.access_key_id, store.secret_access_key)]

        @property
        def credentials(self) -> Credentials:
            return self.snapshots.pop(0) if len(self.snapshots) > 1 else self.snapshots[0]

        def endpoint(self, bucket: str) -> object:
            return real.endpoint(bucket)

    calls = S3Calls(Rotating(), timeout=10)  # type: ignore[arg-type]
    key = f"rotate/{uuid.uuid4()}.txt"
    with pytest.raises(ServiceError, match=r"S3 refused CreateMultipartUpload for s3://svc-uploads/rotate/.*SignatureDoesNotMatch"):
        calls.create_multipart_upload(BUCKET, key, headers={})
    upload_id = calls.create_multipart_upload(BUCKET, key, headers={})
    assert calls.list_parts(BUCKET, key, upload_id) == []
    calls.abort_multipart_upload(BUCKET, key, upload_id)
