"""The service mounted inside a host application (Starlette; FastAPI mounts the same way), naming
callers from the host's own session through the ``identify`` hook: a same-origin page needs no token."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any

import pytest

from s3presign import Credentials, Presigner
from s3presign.service import App, load_policy

from .http import send
from .service import JWT_ENV, JWT_SECRET, PARTNER_ENV, PARTNER_SECRET, Service
from .test_service import post_form

SESSIONS = {"session-erin": ("web", "erin"), "session-web": "web", "session-ghost": "ghost",
            "session-bad": ("web", "../x")}


def _session(scope: dict[str, Any]) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            morsel = SimpleCookie(value.decode("latin-1")).get("sid")
            return morsel.value if morsel else None
    return None


def identify(scope: dict[str, Any]) -> str | tuple[str, str] | None:
    return SESSIONS.get(_session(scope) or "")


async def identify_async(scope: dict[str, Any]) -> str | tuple[str, str] | None:
    return identify(scope)


@pytest.fixture(scope="module")
def host(service: Service) -> Iterator[str]:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route

    store = service.store
    signer = Presigner(Credentials(store.access_key_id, store.secret_access_key), region="us-east-1",
                       endpoint_url=store.endpoint_url, addressing_style="path")
    policy = load_policy(str(service.policy), env={JWT_ENV: JWT_SECRET, PARTNER_ENV: PARTNER_SECRET})

    async def home(request: object) -> PlainTextResponse:
        return PlainTextResponse("the host application")

    app = Starlette(routes=[
        Route("/", home),
        Mount("/presign", app=App(policy, signer=signer, identify=identify)),
        Mount("/presign-async", app=App(policy, signer=signer, identify=identify_async)),
    ])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@pytest.mark.parametrize("mount", ["/presign", "/presign-async"])
def test_the_host_session_names_the_caller(host: str, mount: str) -> None:
    assert send(host + "/").body == b"the host application"
    got = send(f"{host}{mount}/s3/params?filename=a.txt&type=text/plain", headers={"Cookie": "sid=session-erin"})
    assert got.status == 200, got.body
    answer = json.loads(got.body)
    assert answer["key"].startswith("svc/web~erin/")
    assert post_form(answer, b"from the host's session").status == 204
    plain = json.loads(send(f"{host}{mount}/s3/params?filename=b.txt&type=text/plain",
                            headers={"Cookie": "sid=session-web"}).body)
    assert plain["key"].startswith("svc/web/")
    assert send(f"{host}{mount}/healthz").status == 200


def test_without_a_session_the_mounted_app_wants_a_token(host: str) -> None:
    got = send(f"{host}/presign/s3/params?filename=a.txt&type=text/plain", headers={"Cookie": "sid=unknown"})
    assert got.status == 401
    assert json.loads(got.body)["error"].startswith("no credentials")


def test_the_hook_must_name_a_client_and_a_usable_identity(host: str) -> None:
    got = send(f"{host}/presign/s3/params?filename=a.txt&type=text/plain", headers={"Cookie": "sid=session-ghost"})
    assert (got.status, json.loads(got.body)) == (
        403, {"error": "the host application named client 'ghost', which the policy does not define"})
    got = send(f"{host}/presign/s3/params?filename=a.txt&type=text/plain", headers={"Cookie": "sid=session-bad"})
    assert got.status == 403 and "identity '../x'" in json.loads(got.body)["error"]
