"""Real Uppy in headless Chromium uploads through ``s3presign serve`` into SeaweedFS.

The page is @uppy/core + @uppy/aws-s3 6.x from npm, bundled by esbuild (``make uppy``), served
from its own loopback origin; the service and the bucket allow that origin by CORS. Uppy's
``companionEndpoint`` carries a short-lived JWT in its path (the client sends no Authorization
header). A small file goes up as a POST form (/s3/params), a 12 MiB one in three parts.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlencode

import pytest

from .http import send
from .service import Service, StaticSite, browser_jwt
from .test_browser import CHROMIUM_ARGS, chromium

BUNDLE = Path(__file__).parent / "uppy" / "dist" / "uppy-test.js"
PAGE = """<!doctype html>
<meta charset="utf-8"><title>s3presign + Uppy</title>
<input type="file" id="file" multiple>
<script src="uppy-test.js"></script>
"""
MIB = 1024 * 1024


def _site(service_site: Path) -> str:
    if not BUNDLE.exists():
        pytest.fail("the Uppy bundle is missing: 'make uppy' (part of 'make test') builds it with npm and esbuild",
                    pytrace=False)
    shutil.copy(BUNDLE, service_site / "uppy-test.js")
    (service_site / "uppy.html").write_text(PAGE, encoding="utf-8")
    return "uppy.html"


def test_uppy_uploads_a_small_and_a_multipart_file(service: Service, static_site: StaticSite, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    page_name = _site(static_site.root)
    small = tmp_path / "hello uppy ünï.txt"
    small.write_bytes(b"uploaded by real Uppy through s3presign serve\n")
    big = tmp_path / "twelve.bin"
    big.write_bytes(os.urandom(12 * MIB))
    jwt = browser_jwt("dora")
    endpoint = f"{service.url}/t/{jwt}"
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{static_site.origin}/{page_name}")
            page.set_input_files("#file", [str(small), str(big)])
            result = page.evaluate("([endpoint, above]) => window.s3presignUpload(endpoint, above)", [endpoint, 5 * MIB])
        finally:
            browser.close()
    assert result["failed"] == [], (result, errors)
    uploaded = {item["name"]: item for item in result["successful"]}
    assert set(uploaded) == {small.name, big.name}
    assert sorted(p["part"] for p in result["parts"] if p["name"] == big.name) == [1, 2, 3]
    for path in (small, big):
        key = uploaded[path.name]["key"]
        assert re.fullmatch(r"svc/browser~dora/[0-9a-f-]{36}-" + re.escape(path.name), key), key
        status = send(f"{service.url}/t/{jwt}/download?" + urlencode({"key": key}))
        assert status.status == 200, status.body
        body = send(json.loads(status.body)["url"]).body
        assert hashlib.sha256(body).hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest()
    records = [json.loads(line) for line in service.audit.read_text().splitlines()]
    dora = [(r["event"], r.get("method") or r.get("action")) for r in records if r.get("identity") == "dora"]
    assert ("grant", "POST") in dora and ("s3", "CreateMultipartUpload") in dora
    assert dora.count(("grant", "PUT")) == 3 and ("s3", "CompleteMultipartUpload") in dora
    assert jwt not in service.audit.read_text() + service.log.read_text()


def test_chromium_reads_what_the_service_stores_as_the_rule_allowed(service: Service) -> None:
    """Every type the service accepts is rendered by Chromium as the type the rule allowed: an HTML
    body stored as text stays text. The control, stored past the service with the type that a
    text-only rule used to pass, shows that the same page would run the script."""
    from playwright.sync_api import sync_playwright

    from .service import BUCKET, WEB_TOKEN
    from .test_service import call

    html = b"<html><body><script>document.title='pwned'</script>hello</body></html>"
    urls = {}
    for type_ in ["text/plain", 'text/plain; note="a,text/html"', "Text/Plain ; charset=utf-8", "image/png"]:
        status, put, _ = call(service, "POST", "/upload", token=WEB_TOKEN,
                              body={"filename": "x.html", "type": type_, "size": len(html)})
        assert status == 200, put
        assert send(put["url"], "PUT", html, headers=put["headers"]).status == 200  # type: ignore[index]
        urls[type_] = call(service, "GET", "/download?" + urlencode({"key": put["key"]}))[1]["url"]  # type: ignore[index]
    import boto3

    store = service.store
    s3 = boto3.client("s3", endpoint_url=store.endpoint_url, region_name="us-east-1",
                      aws_access_key_id=store.access_key_id, aws_secret_access_key=store.secret_access_key)
    s3.put_object(Bucket=BUCKET, Key="control/xss.txt", Body=html, ContentType="text/plain;,text/html")
    control = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "control/xss.txt"})
    seen = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            for name, url in [*urls.items(), ("control", control)]:
                page.goto(url)
                seen[name] = (page.evaluate("document.contentType"), page.title())
        finally:
            browser.close()
    assert seen.pop("control") == ("text/html", "pwned")  # what the old rule let through
    for type_, (shown, title) in seen.items():
        assert title != "pwned", type_
        assert shown == ("image/png" if type_ == "image/png" else "text/plain"), (type_, shown)
