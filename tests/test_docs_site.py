"""The documentation site, built strictly (as `make docs` does) and read in a real browser.

Headless Chromium (Debian's, driven by Playwright, as in tests/test_browser.py) loads the site
from a loopback HTTP server: every page reachable from the home page, with no console error,
no failed or outside request and no link to a page or anchor that is not there; the API
reference holds every public name; the search finds a function. Screenshots of the home page
and the API reference are written to build/docs-screenshots/ for review (build/ is ignored by git).
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

import s3presign

from .test_browser import CHROMIUM_ARGS, chromium

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "build" / "docs-screenshots"


def build(site: Path, root: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The built site, served on 127.0.0.1; yields its base URL."""
    folder = tmp_path_factory.mktemp("site")
    done = build(folder)
    assert done.returncode == 0, done.stderr[-4000:]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _nav_pages(entries: object) -> list[str]:
    if isinstance(entries, str):
        return [entries]
    if isinstance(entries, dict):
        return [page for value in entries.values() for page in _nav_pages(value)]
    assert isinstance(entries, list), entries
    return [page for entry in entries for page in _nav_pages(entry)]


def test_every_page_is_in_the_nav_once() -> None:
    import yaml  # MkDocs' own dependency

    class _Loader(yaml.SafeLoader):  # mkdocs.yml may hold !!python/name tags; the nav has none
        pass

    _Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    nav = _nav_pages(yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=_Loader)["nav"])
    assert sorted(nav) == sorted(set(nav)), "a page is in the nav twice"
    pages = sorted(str(page.relative_to(ROOT / "docs")) for page in (ROOT / "docs").rglob("*.md"))
    assert sorted(nav) == pages


def test_strict_build_fails_on_a_broken_link(tmp_path: Path) -> None:
    # The build the site fixture relies on is strict: in a copy of the sources, a link to a
    # missing page stops it.
    copy = tmp_path / "copy"
    for name in ("docs", "src", "scripts"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("mkdocs.yml", "CHANGELOG.md"):
        shutil.copy2(ROOT / name, copy / name)
    assert build(tmp_path / "site", copy).returncode == 0
    (copy / "docs" / "uploads.md").write_text("# Uploads\n\n[nowhere](no-such-page.md)\n")
    done = build(tmp_path / "site", copy)
    assert done.returncode != 0 and "no-such-page.md" in done.stderr


def test_site_in_chromium(site: str) -> None:
    from playwright.sync_api import sync_playwright

    origin = urlsplit(site).netloc
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            # (a load the next navigation cuts short is aborted, not failed)
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}")
                    if r.failure != "net::ERR_ABORTED" else None)
            page.on("request", lambda r: problems.append(f"outside request: {r.url}")
                    if urlsplit(r.url).scheme in ("http", "https") and urlsplit(r.url).netloc != origin else None)
            page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)

            # Every page reachable from the home page, and every internal link's target and anchor.
            seen: set[str] = set()
            queue = [site]
            anchors: dict[str, set[str]] = {}
            links: list[tuple[str, str]] = []
            while queue:
                url = queue.pop()
                if url in seen:
                    continue
                seen.add(url)
                response = page.goto(url)
                assert response is not None and response.ok, url
                anchors[url] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
                # a pipe in a table's code shows as |, not as the \\| GitHub's tables need in the source
                escaped = page.eval_on_selector_all("td code", "els => els.map(e => e.textContent)")
                problems.extend(f"{url}: table code shows a backslash: {text}" for text in escaped if "\\|" in text)
                for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
                    target = urljoin(url, href)
                    if urlsplit(target).netloc != origin:
                        continue
                    links.append((url, target))
                    bare = urldefrag(target).url
                    if bare.endswith("/") and bare not in seen:
                        queue.append(bare)
            assert len(seen) >= 12, sorted(seen)
            for source, target in links:
                bare, fragment = urldefrag(target)
                if bare.endswith("/"):
                    assert bare in anchors, f"{source} links to {target}: no such page"
                    assert not fragment or fragment in anchors[bare], f"{source} links to {target}: no such anchor"

            # The API reference holds every public name, each under its own anchor.
            api = urljoin(site, "api/")
            public = {name for name in s3presign.__all__ if name != "__version__"}
            assert {name for name in public if f"s3presign.{name}" not in anchors[api]} == set()
            for name in ("arrow.presign_array", "arrow.presign_polars", "scale.presign_dask", "scale.presign_spark"):
                assert f"s3presign.{name}" in anchors[api], name

            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.goto(site)
            page.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=False)
            page.goto(api)
            page.screenshot(path=str(SCREENSHOTS / "api.png"), full_page=False)

            # The search: its index loads in a worker; typing a function's name finds its page.
            page.goto(site)
            page.wait_for_load_state("networkidle")
            box = page.locator("input.md-search__input")
            box.click()
            box.press_sequentially("presign_many", delay=50)  # keystrokes, as a person types
            results = page.locator(".md-search-result__item a")
            results.first.wait_for(timeout=30000)
            hrefs = results.evaluate_all("els => els.map(e => e.href)")
            found = {urlsplit(href).path + "#" + urlsplit(href).fragment for href in hrefs}  # less Material's ?h=
            assert "/api/#s3presign.Presigner.presign_many" in found, hrefs
            # ... and following the result shows that function.
            results.first.click()
            page.wait_for_url("**/api/**")
            assert page.locator("[id='s3presign.Presigner.presign_many']").count() == 1
        finally:
            browser.close()
    assert problems == []
