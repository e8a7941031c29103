"""Signed URLs and cookies through the CloudFront stand-in (tests/cloudfront_standin.py) in front of
SeaweedFS: served when right, refused when expired, early, from the wrong address, tampered, signed
by an unknown or other key, or SHA-256 without its Hash-Algorithm. Cookies go through real Chromium."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3presign import CloudFrontSigner, Credentials, Presigner

from .cloudfront_keys import Keys
from .cloudfront_standin import StandIn, run_standin
from .http import error_code, send
from .seaweedfs import Server
from .test_browser import CHROMIUM_ARGS, chromium

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def objects(seaweedfs: Server) -> dict[str, bytes]:
    """Objects in SeaweedFS under a fresh folder: encoded key -> body."""
    folder = f"cloudfront-{uuid.uuid4().hex[:8]}"
    presigner = Presigner(Credentials(seaweedfs.access_key_id, seaweedfs.secret_access_key), region="us-east-1",
                          endpoint_url=seaweedfs.endpoint_url, addressing_style="path")
    made = {}
    for key, encoded in ((f"{folder}/plain.txt", f"{folder}/plain.txt"),
                         (f"{folder}/a b/ü.txt", f"{folder}/a%20b/%C3%BC.txt"),
                         (f"{folder}/videos/seg-1.ts", f"{folder}/videos/seg-1.ts"),
                         (f"{folder}/videos/seg-2.ts", f"{folder}/videos/seg-2.ts"),
                         (f"{folder}/other/x.txt", f"{folder}/other/x.txt")):
        body = f"body of {key}\n".encode()
        assert send(presigner.presign(seaweedfs.bucket, key, method="PUT", expires_in=300), "PUT", body).status == 200
        made[encoded] = body
    return made


@pytest.fixture(scope="module")
def standin(seaweedfs: Server, cf_keys: Keys) -> Iterator[StandIn]:
    keys = {"KRSA": cf_keys.rsa_public.read_bytes(), "KEC": cf_keys.ec_public.read_bytes()}
    with run_standin(seaweedfs, keys) as server:
        yield server


def _folder(objects: dict[str, bytes]) -> str:
    return next(iter(objects)).split("/", 1)[0]


def test_signed_urls_are_served(standin: StandIn, objects: dict[str, bytes], cf_keys: Keys) -> None:
    rsa = CloudFrontSigner("KRSA", cf_keys.rsa_pkcs1)
    rsa256 = CloudFrontSigner("KRSA", cf_keys.rsa_pkcs8, hash_algorithm="sha256")
    ecdsa = CloudFrontSigner("KEC", cf_keys.ec_sec1)
    folder = _folder(objects)
    for encoded, body in objects.items():
        url = f"{standin.url}/{encoded}"
        for signer in (rsa, rsa256, ecdsa):
            for kwargs in ({"expires_in": 60}, {"expires_in": 60, "ip_address": "127.0.0.1"},
                           {"expires_in": 60, "starts_at": int(time.time()) - 5, "ip_address": "127.0.0.0/8"}):
                response = send(signer.sign_url(url, **kwargs))  # type: ignore[arg-type]
                assert (response.status, response.body) == (200, body), standin.refusals[-1:]
    # A wildcard resource, and the URL's own query kept (and covered by the canned policy).
    response = send(ecdsa.sign_url(f"{standin.url}/{folder}/videos/seg-2.ts", expires_in=60,
                                   resource=f"{standin.url}/{folder}/videos/*"))
    assert response.status == 200
    response = send(rsa.sign_url(f"{standin.url}/{folder}/plain.txt?response-type=x", expires_in=60))
    assert response.status == 200
    many = list(rsa.sign_many([f"{standin.url}/{e}" for e in objects] * 30, expires_in=60, jobs=2))
    assert [send(u).body for u in many[-len(objects):]] == list(objects.values())


def _refusal(standin: StandIn, url: str) -> str:
    before = len(standin.refusals)
    response = send(url)
    assert response.status == 403, response.body
    assert len(standin.refusals) == before + 1
    return error_code(response)


def test_refusals(standin: StandIn, objects: dict[str, bytes], cf_keys: Keys) -> None:
    rsa = CloudFrontSigner("KRSA", cf_keys.rsa_pkcs8)
    ecdsa = CloudFrontSigner("KEC", cf_keys.ec_pkcs8)
    folder = _folder(objects)
    url = f"{standin.url}/{folder}/plain.txt"
    now = time.time()
    assert send(rsa.sign_url(url, expires_in=60)).status == 200
    assert _refusal(standin, url) == "MissingKey"
    assert _refusal(standin, rsa.sign_url(url, expires_in=60, now=now - 3600)) == "Expired"
    assert _refusal(standin, ecdsa.sign_url(url, expires_in=60, now=now - 3600, ip_address="127.0.0.1")) == "Expired"
    assert _refusal(standin, rsa.sign_url(url, expires_in=7200, starts_at=now + 3600)) == "NotYetValid"
    assert _refusal(standin, rsa.sign_url(url, expires_in=60, ip_address="192.0.2.0/24")) == "WrongIp"
    assert _refusal(standin, ecdsa.sign_url(url, expires_in=60, ip_address="::1")) == "WrongIp"  # v4 viewer
    signed = rsa.sign_url(url, expires_in=60)
    assert _refusal(standin, signed.replace("plain.txt", "other/x.txt")) == "InvalidSignature"  # another object
    expires = signed.split("Expires=")[1].split("&")[0]
    assert _refusal(standin, signed.replace(f"Expires={expires}", f"Expires={int(expires) + 1}")) == "InvalidSignature"
    signature = signed.split("Signature=")[1].split("&")[0]
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    assert _refusal(standin, signed.replace(signature, flipped)) == "InvalidSignature"
    assert _refusal(standin, signed.replace("Key-Pair-Id=KRSA", "Key-Pair-Id=KNONE")) == "UnknownKey"
    other = CloudFrontSigner("KRSA", cf_keys.other_rsa)
    assert _refusal(standin, other.sign_url(url, expires_in=60)) == "InvalidSignature"
    sha256 = ecdsa.sign_url(url, expires_in=60)
    assert send(sha256).status == 200
    assert _refusal(standin, sha256.replace("&Hash-Algorithm=SHA256", "")) == "InvalidSignature"
    custom = rsa.sign_url(f"{standin.url}/{folder}/videos/seg-1.ts", expires_in=60,
                          resource=f"{standin.url}/{folder}/videos/*")
    assert _refusal(standin, custom.replace("videos/seg-1.ts", "other/x.txt")) == "ResourceMismatch"


def test_signed_cookies_in_chromium(standin: StandIn, objects: dict[str, bytes], cf_keys: Keys) -> None:
    from playwright.sync_api import sync_playwright

    folder = _folder(objects)
    signer = CloudFrontSigner("KEC", cf_keys.ec_pkcs8)
    standin.cookie_headers = signer.set_cookie_headers(f"{standin.url}/{folder}/videos/*", expires_in=300,
                                                       ip_address="127.0.0.1", path=f"/{folder}/")
    before = len(standin.served)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            assert page.goto(f"{standin.url}/__set-cookies").status == 200  # type: ignore[union-attr]
            names = {c["name"] for c in page.context.cookies()}
            assert names == {"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id",
                             "CloudFront-Hash-Algorithm"}, names
            for n in (1, 2):
                response = page.goto(f"{standin.url}/{folder}/videos/seg-{n}.ts")
                assert response is not None and response.status == 200
                assert response.body() == objects[f"{folder}/videos/seg-{n}.ts"]
            mark = len(standin.refusals)
            outside = page.goto(f"{standin.url}/{folder}/other/x.txt")
            assert outside is not None and outside.status == 403
            # (the browser may also ask for /favicon.ico, outside the cookies' path: refused, MissingKey)
            assert any(r.startswith("ResourceMismatch") for r in standin.refusals[mark:])
            # Without the cookies (a fresh browser context): refused.
            fresh = browser.new_context().new_page()
            bare = fresh.goto(f"{standin.url}/{folder}/videos/seg-1.ts")
            assert bare is not None and bare.status == 403
            # Canned-policy cookies for one object, and an expired set.
            canned = CloudFrontSigner("KRSA", cf_keys.rsa_pkcs8)
            target = f"{standin.url}/{folder}/plain.txt"
            standin.cookie_headers = canned.set_cookie_headers(target, expires_in=300)
            fresh.goto(f"{standin.url}/__set-cookies")
            assert {c["name"] for c in fresh.context.cookies()} >= {"CloudFront-Expires"}
            served = fresh.goto(target)
            assert served is not None and served.status == 200 and served.body() == objects[f"{folder}/plain.txt"]
            standin.cookie_headers = canned.set_cookie_headers(target, expires_in=60, now=time.time() - 3600)
            fresh.goto(f"{standin.url}/__set-cookies")
            mark = len(standin.refusals)
            late = fresh.goto(target)
            assert late is not None and late.status == 403
            assert any(r.startswith("Expired") for r in standin.refusals[mark:])
        finally:
            browser.close()
    assert len(standin.served) == before + 3


def test_standin_checks_from_the_docs_not_from_s3presign() -> None:
    source = (Path(__file__).parent / "cloudfront_standin.py").read_text()
    assert "_cloudfront" not in source and "CloudFrontSigner" not in source
