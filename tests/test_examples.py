"""The example web apps under real servers (uvicorn for FastAPI, Flask's own for Flask) on loopback,
called over HTTP, their URLs used against SeaweedFS. They sign with a role whose SeaweedFS STS
credentials last 3 seconds, so each run goes through several refreshes inside the server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest

from .http import Response, send
from .seaweedfs import STS_TOKEN_SECONDS, Server
from .test_request_seaweedfs import _multipart
from .test_refresh_seaweedfs import process_profile  # noqa: F401  (a fixture)
from .test_sts_seaweedfs import role_profile  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(args: list[str], server: Server, tmp_path: Path, profile: str) -> Iterator[str]:
    """Run an app server on a free loopback port with ``profile``; yield its base URL."""
    port = _free_port()
    # A region, as a deployed app has one (boto3 signs SigV4 only with a region).
    env = {"AWS_DEFAULT_REGION": "us-east-1", **os.environ, "AWS_PROFILE": profile, "S3PRESIGN_BUCKET": server.bucket,
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), *sys.path])}
    log = tmp_path / "app.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", *args, "--host", "127.0.0.1", "--port", str(port)],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the app server exited: {log.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.time() < deadline, f"the app server did not start: {log.read_text()[-2000:]}"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def call(url: str, method: str = "GET", user: str | None = "alice") -> tuple[int, dict[str, object]]:
    response = send(url, method, b"" if method == "POST" else None, headers={"X-User": user} if user else {})
    try:
        return response.status, json.loads(response.body)
    except ValueError:
        return response.status, {}


def key_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["X-Amz-Credential"][0].split("/")[0]


def test_fastapi_app_under_uvicorn(role_profile: Server, tmp_path: Path) -> None:  # noqa: F811
    server = role_profile
    with running(["uvicorn", "examples.fastapi_app:app", "--log-level", "warning"], server, tmp_path, "role") as app:
        key_ids = set()
        end = time.time() + 2 * STS_TOKEN_SECONDS + 1  # several credential lifetimes
        i = 0
        while time.time() < end:
            name = f"report {i} ü.csv"
            status, upload = call(f"{app}/uploads?{urlencode({'name': name, 'content_type': 'text/csv'})}", "POST")
            assert status == 200, upload
            assert upload["headers"] == {"Content-Type": "text/csv"}
            assert f"/{server.bucket}/users/alice/" in str(upload["url"])
            body = f"row {i}\n".encode()
            put = send(str(upload["url"]), "PUT", body, headers={"Content-Type": "text/csv"})
            assert put.status == 200, put.body
            status, download = call(f"{app}/downloads/{quote(name)}")
            assert status == 200
            got = send(str(download["url"]))
            assert got.status == 200 and got.body == body
            assert got.headers.get("content-disposition") == "attachment; filename*=UTF-8''report%20" + f"{i}%20%C3%BC.csv"
            key_ids |= {key_of(str(upload["url"])), key_of(str(download["url"]))}
            i += 1
            time.sleep(0.2)
        assert len(key_ids) >= 2  # the server refreshed its credentials while running
        # The browser must send the signed Content-Type.
        _, upload = call(f"{app}/uploads?{urlencode({'name': 'x.csv', 'content_type': 'text/csv'})}", "POST")
        assert send(str(upload["url"]), "PUT", b"x", headers={"Content-Type": "text/html"}).status == 403
        # Bob's URL for the same name points into his own prefix, where there is nothing.
        _, download = call(f"{app}/downloads/{quote('report 0 ü.csv')}", user="bob")
        assert "/users/bob/" in str(download["url"]) and send(str(download["url"])).status == 404
        assert call(f"{app}/downloads/..")[0] in (400, 404)
        assert call(f"{app}/downloads/x.csv", user="Not A User")[0] == 401
        assert call(f"{app}/downloads/x.csv", user=None)[0] == 422  # no X-User header


def post_form(form: dict[str, object], filename: str, data: bytes, **extra: str) -> Response:
    fields = {**form["fields"], **extra}  # type: ignore[dict-item]
    payload, content_type = _multipart(fields, filename, data)
    return send(str(form["url"]), "POST", payload, headers={"Content-Type": content_type})


def test_flask_app_under_its_server(process_profile: Path, seaweedfs_env: Server,  # noqa: F811
                                    tmp_path: Path) -> None:
    # SeaweedFS refuses presigned POSTs signed with STS session credentials (InvalidAccessKeyId),
    # so this app signs with a credential_process whose keys expire every 4 s: it must run it again.
    server = seaweedfs_env
    calls = Path(str(process_profile) + ".calls")
    with running(["flask", "--app", "examples.flask_app", "run"], server, tmp_path, "tools") as app:
        end = time.time() + 2 * STS_TOKEN_SECONDS + 1
        i = 0
        while time.time() < end:
            status, form = call(f"{app}/upload-form", "POST")
            assert status == 200, form
            name = f"notes {i}.txt"
            assert post_form(form, name, f"note {i}".encode()).status == 204
            status, download = call(f"{app}/downloads/{quote(name)}")
            assert status == 200
            assert send(str(download["url"])).body == f"note {i}".encode()
            i += 1
            time.sleep(0.2)
        assert len(calls.read_text().splitlines()) >= 3  # fetched at start-up, then refreshed in the server
        _, form = call(f"{app}/upload-form", "POST")
        assert post_form(form, "x.txt", b"x", key="users/bob/x.txt").status == 403  # outside alice's prefix
        assert post_form(form, "big.txt", b"x" * 10_000_001).status == 400  # over the 10 MB limit
        assert call(f"{app}/upload-form", "POST", user=None)[0] == 401
