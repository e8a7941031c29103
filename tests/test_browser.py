"""A real browser: the --output html upload page, opened in headless Chromium, uploads to SeaweedFS."""

from __future__ import annotations

import io
import shutil
import uuid
from pathlib import Path

import pytest

from s3presign.cli import main

from .http import send
from .seaweedfs import Server

# Flags for a sandboxed root session with no network beyond loopback (see the workplace notes).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is missing: 'make test' installs Debian's chromium package (apt-get install chromium)",
                    pytrace=False)
    return found


def _page(tmp_path: Path, uri: str, *extra: str) -> Path:
    out, err = io.StringIO(), io.StringIO()
    assert main([uri, "--http-method", "POST", "--output", "html", *extra], out=out, err=err) == 0, err.getvalue()
    page = tmp_path / "upload.html"
    page.write_text(out.getvalue(), encoding="utf-8")
    return page


def _upload_in_browser(page_file: Path, upload: Path) -> int:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            messages: list[str] = []
            page.on("console", lambda message: messages.append(message.text))
            page.goto(page_file.as_uri())
            page.set_input_files("#file", str(upload))
            with page.expect_response(lambda r: r.request.method == "POST") as response:
                page.click("button[type=submit]")
            status = response.value.status
            # The page's Content-Security-Policy allowed its own style, script and form target.
            assert not [m for m in messages if "Content Security Policy" in m], messages
            return status
        finally:
            browser.close()


def test_upload_page_in_chromium(seaweedfs_env: Server, tmp_path: Path) -> None:
    seaweedfs = seaweedfs_env
    folder = f"browser/{uuid.uuid4().hex}"
    page = _page(tmp_path, f"s3://{seaweedfs.bucket}/{folder}/${{filename}}",
                 "--content-length-range", "1", "1048576", "--success-action-status", "201")
    upload = tmp_path / "hello from chromium.txt"
    upload.write_bytes(b"uploaded by a real browser\n")
    assert _upload_in_browser(page, upload) == 201
    out = io.StringIO()
    assert main([f"s3://{seaweedfs.bucket}/{folder}/hello from chromium.txt"], out=out, err=io.StringIO()) == 0
    assert send(out.getvalue().strip()).body == b"uploaded by a real browser\n"


def test_content_type_prefix_page_sends_the_file_type(seaweedfs_env: Server, tmp_path: Path) -> None:
    seaweedfs = seaweedfs_env
    folder = f"browser/{uuid.uuid4().hex}"
    page = _page(tmp_path, f"s3://{seaweedfs.bucket}/{folder}/${{filename}}",
                 "--content-type-prefix", "image/")
    image = tmp_path / "pixel.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    assert _upload_in_browser(page, image) == 204
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    assert _upload_in_browser(page, text) == 403
    out = io.StringIO()
    assert main([f"s3://{seaweedfs.bucket}/{folder}/pixel.png", "--output", "json"], out=out, err=io.StringIO()) == 0
    import json

    assert send(json.loads(out.getvalue())["url"]).headers["content-type"] == "image/png"


def test_upload_page_policy_blocks_anything_else(keys: Path, tmp_path: Path) -> None:
    """The Content-Security-Policy: no load from elsewhere, no other script, no other form target."""
    from playwright.sync_api import sync_playwright

    from . import fake_services

    page_file = _page(tmp_path, "s3://my-bucket/up/${filename}", "--endpoint-url", "http://127.0.0.1:9",
                      "--content-type-prefix", "image/")
    with fake_services.serve(lambda m, p, h, b: (200, {}, b"")) as (elsewhere, seen), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(page_file.as_uri())
            violations = page.evaluate("""(elsewhere) => new Promise((resolve) => {
                const seen = [];
                document.addEventListener("securitypolicyviolation", (e) => seen.push(e.effectiveDirective));
                const img = document.createElement("img"); img.src = elsewhere + "/img"; document.body.append(img);
                const s = document.createElement("script"); s.src = elsewhere + "/js"; document.body.append(s);
                const inline = document.createElement("script"); inline.textContent = "window.ran = 1";
                document.body.append(inline);
                document.getElementById("file").required = false;
                document.querySelector("form").action = elsewhere + "/steal";
                document.querySelector("form").requestSubmit();
                setTimeout(() => resolve({seen, ran: window.ran || 0}), 1000);
            })""", elsewhere)
        finally:
            browser.close()
    assert seen == []  # nothing reached the other server
    assert {"img-src", "script-src-elem", "form-action"} <= set(violations["seen"]), violations
    assert violations["ran"] == 0
