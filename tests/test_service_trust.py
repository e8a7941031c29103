"""The service as a trust boundary, attacked as a client would: the real ``s3presign serve`` in front of
SeaweedFS. Identities never collide, a content type is one media type and is served as the rule allowed,
grants stay bound to the rule that issued them, file names never become form variables, and no token
reaches the audit log on any path.
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
from urllib.parse import quote, urlencode

import pytest

from .http import send
from .service import OVERLAP_TOKEN, PARTNER_SECRET, TINY_TOKEN, WEB_TOKEN, Service, browser_jwt, make_jwt
from .test_service import call, params, post_form

MIB = 1024 * 1024


def _partner_jwt(sub: str) -> str:
    return make_jwt({"sub": sub, "exp": int(time.time()) + 600}, secret=PARTNER_SECRET)


def _upload(service: Service, token: str, name: str, data: bytes, type_: str = "text/plain") -> str:
    status, put, _ = call(service, "POST", "/upload", token=token, body={"filename": name, "type": type_, "size": len(data)})
    assert status == 200, put
    assert send(put["url"], "PUT", data, headers=put["headers"]).status == 200  # type: ignore[index]
    return str(put["key"])  # type: ignore[index]


def _every_route_refuses(service: Service, prefix: str, key: str, upload_id: str) -> None:
    """Download, and every multipart route that takes a key back, refuse ``key`` with 403."""
    q = quote(key)
    for method, path, body in [
        ("GET", "/download?" + urlencode({"key": key}), None),
        ("GET", f"/s3/multipart/{upload_id}?key={q}", None),
        ("GET", f"/s3/multipart/{upload_id}/1?key={q}", None),
        ("POST", f"/s3/multipart/{upload_id}/complete?key={q}", {"parts": [{"PartNumber": 1, "ETag": '"x"'}]}),
        ("DELETE", f"/s3/multipart/{upload_id}?key={q}", None),
    ]:
        status, answer, _ = call(service, method, prefix + path, token=None, body=body)
        assert status == 403, (method, path, answer)


# -- identities ------------------------------------------------------------------------------------

def test_a_jwt_whose_sub_is_a_static_clients_name_cannot_reach_its_keys(service: Service) -> None:
    key = _upload(service, WEB_TOKEN, "web-only.txt", b"web's")
    created = call(service, "POST", "/s3/multipart", body={"filename": "web-mp.txt", "type": "text/plain"})[1]
    impostor = f"/t/{browser_jwt('web')}"
    _every_route_refuses(service, impostor, key, "x")
    _every_route_refuses(service, impostor, created["key"], created["uploadId"])  # type: ignore[index]
    # What it creates lands in its own namespace, never in web's.
    status, answer, _ = call(service, "GET", impostor + "/s3/params?filename=a.txt&type=text/plain", token=None)
    assert status == 200 and answer["key"].startswith("svc/browser~web/")  # type: ignore[index]
    status, answer, _ = call(service, "POST", impostor + "/s3/multipart", token=None,
                             body={"filename": "a.txt", "type": "text/plain"})
    assert status == 200 and answer["key"].startswith("svc/browser~web/")  # type: ignore[index]
    # The real owner still gets in.
    assert call(service, "GET", "/download?" + urlencode({"key": key}))[0] == 200


def test_two_jwt_clients_with_the_same_user_are_kept_apart(service: Service) -> None:
    alice = f"/t/{browser_jwt('alice')}"
    partner_alice = f"/t/{_partner_jwt('alice')}"
    created = call(service, "POST", alice + "/s3/multipart", token=None, body={"filename": "a.txt", "type": "text/plain"})[1]
    key, upload_id = created["key"], created["uploadId"]  # type: ignore[index]
    assert key.startswith("svc/browser~alice/")
    _every_route_refuses(service, partner_alice, key, upload_id)
    theirs = call(service, "GET", partner_alice + "/s3/params?filename=b.txt&type=text/plain", token=None)[1]
    assert theirs["key"].startswith("svc/partner~alice/")  # type: ignore[index]
    assert call(service, "GET", alice + f"/s3/multipart/{upload_id}?key={quote(key)}", token=None)[:2] == (200, [])


# -- media types -----------------------------------------------------------------------------------

BAD_TYPES = ["text/plain;,text/html", "text/plain,text/html", "text/plain; charset=utf-8, text/html",
             "text/html;text/plain", "text/plain text/html", 'text/plain; a="unterminated', "text/plain; =x",
             "text/plain; a=b; A=c", "text/plain; a=\u00e9", "text/plain;a=b,c", "text/plain\x00", "text/"]


@pytest.mark.parametrize("bad", BAD_TYPES)
def test_a_type_that_is_not_one_media_type_is_400_on_every_upload_route(service: Service, bad: str) -> None:
    assert params(service, "a.txt", bad)[0] == 400
    assert call(service, "POST", "/s3/multipart", body={"filename": "a.txt", "type": bad})[0] == 400
    status, answer, _ = call(service, "POST", "/upload", body={"filename": "a.txt", "type": bad, "size": 1})
    assert status == 400 and "one media type" in answer["error"], answer  # type: ignore[index]


@pytest.mark.parametrize(("given", "normalised"), [
    ("Text/Plain ;  Charset=UTF-8", "text/plain; charset=UTF-8"),
    ('text/plain; charset="utf-8"', "text/plain; charset=utf-8"),
    ('text/plain; note="a,text/html"', 'text/plain; note="a,text/html"'),
    ("text/plain;;format=flowed", "text/plain; format=flowed"),
])
def test_the_store_serves_the_normalised_type_the_rule_allowed(service: Service, given: str, normalised: str) -> None:
    html = b"<html><body><script>document.title='pwned'</script>x</body></html>"
    # POST form: the field and its exact policy condition carry the normalised value.
    status, answer, _ = params(service, "form.txt", given)
    assert status == 200, answer
    assert answer["fields"]["Content-Type"] == normalised  # type: ignore[index]
    assert post_form(answer, html, content_type=normalised).status == 204  # type: ignore[arg-type]
    tampered = dict(answer)  # type: ignore[arg-type]
    tampered["fields"] = {**answer["fields"], "Content-Type": "text/html"}  # type: ignore[index]
    assert post_form(tampered, html).status == 403  # the policy pins the type
    # Presigned PUT: the signed header.
    put_key = _upload(service, WEB_TOKEN, "put.txt", html, given)
    # Multipart: the service sets it at CreateMultipartUpload.
    created = call(service, "POST", "/s3/multipart", body={"filename": "mp.txt", "type": given})[1]
    key, upload_id = created["key"], created["uploadId"]  # type: ignore[index]
    part = call(service, "GET", f"/s3/multipart/{upload_id}/1?key={quote(key)}")[1]
    sent = send(part["url"], "PUT", html)  # type: ignore[index]
    done = call(service, "POST", f"/s3/multipart/{upload_id}/complete?key={quote(key)}",
                body={"parts": [{"PartNumber": 1, "ETag": sent.headers["etag"]}]})
    assert done[0] == 200, done
    for stored in (answer["key"], put_key, key):  # type: ignore[index]
        url = call(service, "GET", "/download?" + urlencode({"key": stored}))[1]["url"]  # type: ignore[index]
        assert send(url).headers["content-type"] == normalised


def test_the_services_json_says_nosniff(service: Service) -> None:
    for path, token in [("/healthz", None), ("/download?key=etc/passwd", WEB_TOKEN), ("/nope", None)]:
        status, _, headers = call(service, "GET", path, token=token)
        assert headers["x-content-type-options"] == "nosniff", (path, status)
        assert headers["content-type"] == "application/json"


# -- grants bound to their rule --------------------------------------------------------------------

def test_overlapping_rules_bind_multipart_and_downloads_to_the_issuing_rule(service: Service) -> None:
    # Rule #5 (text/plain, max_size 1000, 60 s) issues this upload; rule #4 has the same template
    # but allows 16 MiB, 4 parts and 600 s: none of that may leak to this upload.
    created = call(service, "POST", "/s3/multipart", token=OVERLAP_TOKEN, body={"filename": "t.txt", "type": "text/plain"})[1]
    key, upload_id = created["key"], created["uploadId"]  # type: ignore[index]
    status, answer, _ = call(service, "GET", f"/s3/multipart/{upload_id}/2?key={quote(key)}", token=OVERLAP_TOKEN)
    assert status == 403 and "at most 1 parts" in answer["error"], answer  # type: ignore[index]
    part = call(service, "GET", f"/s3/multipart/{upload_id}/1?key={quote(key)}", token=OVERLAP_TOKEN)[1]
    assert "X-Amz-Expires=60&" in part["url"]  # type: ignore[index]
    sent = send(part["url"], "PUT", b"t" * 1500)  # type: ignore[index]
    assert sent.status == 200
    status, answer, _ = call(service, "POST", f"/s3/multipart/{upload_id}/complete?key={quote(key)}", token=OVERLAP_TOKEN,
                             body={"parts": [{"PartNumber": 1, "ETag": sent.headers["etag"]}]})
    assert status == 403 and "rule #5 allows at most 1000" in answer["error"], answer  # type: ignore[index]
    # A download of what rule #5 issued keeps rule #5's expiry cap.
    small = _upload(service, OVERLAP_TOKEN, "s.txt", b"small")
    status, answer, _ = call(service, "GET", "/download?" + urlencode({"key": small, "expires_in": "600"}), token=OVERLAP_TOKEN)
    assert (status, answer) == (403, {"error": "expires_in 600 is more than rule #5's max_expires_in 60"})
    # And what rule #4 issued keeps rule #4's.
    png = _upload(service, OVERLAP_TOKEN, "p.png", b"\x89PNG", "image/png")
    status, answer, _ = call(service, "GET", "/download?" + urlencode({"key": png, "expires_in": "600"}), token=OVERLAP_TOKEN)
    assert status == 200 and "X-Amz-Expires=600&" in answer["url"]  # type: ignore[index]


def test_a_stated_part_size_is_bounded_and_signed(service: Service) -> None:
    created = call(service, "POST", "/s3/multipart", token=TINY_TOKEN, body={"filename": "p.txt", "type": "text/plain"})[1]
    key, upload_id = created["key"], created["uploadId"]  # type: ignore[index]
    base = f"/s3/multipart/{upload_id}/1?key={quote(key)}"
    status, answer, _ = call(service, "GET", base + "&size=1001", token=TINY_TOKEN)
    assert (status, answer) == (403, {"error": "size 1001 is more than rule #2's max_size 1000"})
    for bad in ["0", "-1", "1e3", "\u0661\u0662", "12x"]:
        assert call(service, "GET", base + "&size=" + quote(bad), token=TINY_TOKEN)[0] == 400, bad
    status, answer, _ = call(service, "GET", base + "&size=500", token=TINY_TOKEN)
    assert status == 200 and answer["headers"] == {"Content-Length": "500"}  # type: ignore[index]
    assert send(answer["url"], "PUT", b"p" * 900).status == 403  # type: ignore[index]
    assert send(answer["url"], "PUT", b"p" * 500).status == 200  # type: ignore[index]


def test_complete_uses_the_stores_etags(service: Service) -> None:
    created = call(service, "POST", "/s3/multipart", body={"filename": "e.txt", "type": "text/plain"})[1]
    key, upload_id = created["key"], created["uploadId"]  # type: ignore[index]
    part = call(service, "GET", f"/s3/multipart/{upload_id}/1?key={quote(key)}")[1]
    assert send(part["url"], "PUT", b"etag test").status == 200  # type: ignore[index]
    status, answer, _ = call(service, "POST", f"/s3/multipart/{upload_id}/complete?key={quote(key)}",
                             body={"parts": [{"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}]})
    assert status == 200, answer
    url = call(service, "GET", "/download?" + urlencode({"key": key}))[1]["url"]  # type: ignore[index]
    assert send(url).body == b"etag test"
    status, answer, _ = call(service, "POST", f"/s3/multipart/{upload_id}/complete?key={quote(key)}",
                             body={"parts": [{"PartNumber": 2, "ETag": '"x"'}]})
    assert status in (400, 502), answer  # part 2 was never uploaded (or the upload is gone)


# -- ${filename} -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["a${filename}", "${filename}", "x-${filename}.txt"])
def test_a_file_name_cannot_become_a_form_variable(service: Service, name: str) -> None:
    status, answer, _ = params(service, name)
    assert status == 400 and "${filename}" in answer["error"], answer  # type: ignore[index]
    assert call(service, "POST", "/upload", body={"filename": name, "type": "text/plain", "size": 1})[0] == 400
    assert call(service, "POST", "/s3/multipart", body={"filename": name, "type": "text/plain"})[0] == 400


# -- the audit log ---------------------------------------------------------------------------------

def test_no_jwt_reaches_the_audit_log_on_any_path(service: Service) -> None:
    jwt = browser_jwt("mallory")
    evil = {"Origin": "http://127.0.0.1:1"}
    preflight = {**evil, "Access-Control-Request-Method": "POST"}
    assert send(f"{service.url}/t/{jwt}/s3/params?filename=a.txt", headers=evil).status == 403  # CORS
    assert send(f"{service.url}/t/{jwt}/s3/multipart", "OPTIONS", headers=preflight).status == 403  # preflight
    assert send(f"{service.url}/t/{jwt}/s3/multipart", "PUT").status == 405
    assert send(f"{service.url}/t/{jwt}/download?key=etc/passwd").status == 403
    assert send(f"{service.url}/t/{jwt}.junk/download?key=a").status == 401
    # The scheme a TLS proxy's client saw is https; behind it the service reads http: a refusal.
    assert send(f"{service.url}/t/{jwt}/s3/params?filename=a.txt",
                headers={"Origin": f"https://{service.url[7:]}"}).status == 403
    time.sleep(0.2)
    text = service.audit.read_text(encoding="utf-8")
    assert "/t/***/s3/params" in text and "/t/***/s3/multipart" in text
    for secret in (jwt, jwt.split(".")[1], jwt.split(".")[2]):
        assert secret not in text and secret not in service.log.read_text()


def test_the_audit_file_is_private_and_one_record_a_line(service: Service) -> None:
    import http.client

    assert stat.S_IMODE(os.stat(service.audit).st_mode) == 0o600
    marker = f"m{int(time.time() * 1000)}"
    # An Origin header is latin-1: byte 0x85 is U+0085 (NEL), a line end to str.splitlines().
    conn = http.client.HTTPConnection("127.0.0.1", int(service.url.rsplit(":", 1)[1]), timeout=30)
    conn.putrequest("GET", "/healthz")
    conn.putheader("Origin", f"http://{marker}.example\x85x".encode("latin-1"))
    conn.endheaders()
    assert conn.getresponse().status == 403
    conn.close()
    # A path is UTF-8: U+2028 and U+2029 reach the 405 refusal's reason.
    for char in ("\u2028", "\u2029"):
        assert send(f"{service.url}/s3/multipart/{marker}{quote(char)}x", "PUT").status == 405
    time.sleep(0.2)
    text = service.audit.read_text(encoding="utf-8")
    for line in text.splitlines():
        json.loads(line)  # every piece splitlines() yields is a whole record
    assert sum(marker in line for line in text.splitlines()) == 3
    assert "\\u0085" in text and "\\u2028" in text and "\\u2029" in text


# -- a part re-uploaded before Complete -------------------------------------------------------------

def test_complete_with_a_reuploaded_parts_etag_cannot_exceed_max_size(service: Service) -> None:
    """The caller uploads part 1 small, again big, and completes with the big one's ETag."""
    created = call(service, "POST", "/s3/multipart", token=TINY_TOKEN, body={"filename": "r.txt", "type": "text/plain"})[1]
    key, upload_id = created["key"], created["uploadId"]  # type: ignore[index]
    url = call(service, "GET", f"/s3/multipart/{upload_id}/1?key={quote(key)}", token=TINY_TOKEN)[1]["url"]  # type: ignore[index]
    assert send(url, "PUT", b"a" * 500).status == 200
    big = send(url, "PUT", b"b" * 1500)
    assert big.status == 200
    status, answer, _ = call(service, "POST", f"/s3/multipart/{upload_id}/complete?key={quote(key)}", token=TINY_TOKEN,
                             body={"parts": [{"PartNumber": 1, "ETag": big.headers["etag"]}]})
    got = call(service, "GET", "/download?" + urlencode({"key": key}), token=TINY_TOKEN)[1]
    stored = send(got["url"])  # type: ignore[index]
    assert stored.status == 404 or len(stored.body) <= 1000, (status, answer, len(stored.body))
