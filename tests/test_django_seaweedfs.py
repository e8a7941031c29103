"""examples/django_app against SeaweedFS: files saved through s3presign.django.S3Storage, then a
page of 1,000 ``{{ doc.file.url }}`` from Django's own server, every URL downloaded (200, the
right bytes). The project runs in its own processes (manage.py), as a deployed one would."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .http import send
from .seaweedfs import Server
from .test_examples import _free_port

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "examples" / "django_app"
COUNT = 1000

pytestmark = pytest.mark.server


def _env(server: Server, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "S3PRESIGN_BUCKET": server.bucket, "DJANGO_DATABASE": str(tmp_path / "db.sqlite3"),
            "AWS_DEFAULT_REGION": "us-east-1",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(APP), *sys.path])}


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=APP, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_django_page_of_1000_file_urls_downloads(seaweedfs_env: Server, tmp_path: Path) -> None:
    env = _env(seaweedfs_env, tmp_path)
    _manage(env, "migrate", "--noinput", "-v", "0")
    out = _manage(env, "seed_files", str(COUNT))
    assert f"saved {COUNT} files through s3presign.django.S3Storage" in out
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                                  cwd=APP, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while True:
            assert server.poll() is None, log.read_text()[-2000:]
            try:
                page = send(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                assert time.time() < deadline, log.read_text()[-2000:]
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(10)
    assert page.status == 200, page.body[-2000:]
    links = [(html.unescape(url), html.unescape(title))
             for url, title in re.findall(r'<a href="([^"]+)">([^<]+)</a>', page.body.decode())]
    assert len(links) == COUNT
    assert all("X-Amz-Algorithm=AWS4-HMAC-SHA256" in url and "/media/docs/report_" in url for url, _ in links)

    def download(link: tuple[str, str]) -> tuple[int, bytes, bytes]:
        url, title = link
        number = int(title.split()[1])
        answer = send(url)
        return answer.status, answer.body, f"file {number}: été\n".encode()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(download, links))
    assert [status for status, _, _ in results] == [200] * COUNT
    assert all(body == expected for _, body, expected in results)
