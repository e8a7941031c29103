"""Small loopback servers that answer like the SSO portal, SSO OIDC, the container credentials
endpoint and EC2 instance metadata, checking each request as the real service would (method,
path, headers, token flow) and refusing anything else."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

Handler = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


@contextmanager
def serve(handler: Handler, *, tls: tuple[str, str] | None = None, host: str = "127.0.0.1"
          ) -> Iterator[tuple[str, list[tuple[str, str, dict[str, str]]]]]:
    """Run ``handler(method, path, headers, body) -> (status, headers, body)`` on ``host`` (over
    TLS with ``tls=(cert file, key file)``); yields the base URL and the list of requests seen."""
    seen: list[tuple[str, str, dict[str, str]]] = []

    class _Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen.append((self.command, self.path, headers))
            status, out_headers, out = handler(self.command, self.path, headers, body)
            self.send_response(status)
            for name, value in out_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_PUT = do_POST = _handle

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), _Handler)
    scheme = "http"
    if tls is not None:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://{host}:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def credentials_json(key_id: str, expiration: str, *, token_name: str = "Token") -> bytes:
    return json.dumps({"AccessKeyId": key_id, "SecretAccessKey": f"secret-of-{key_id}",
                       token_name: f"token-of-{key_id}", "Expiration": expiration}).encode()


def imds(role: str, key_id: str, expiration: str, *, v2: bool = True,
         credentials: Callable[[], bytes] | None = None) -> Handler:
    """EC2 instance metadata: IMDSv2 (PUT token, then GETs carrying it), or v1 only (the PUT gets 405).
    ``credentials()``, when given, makes each credentials answer (to rotate them)."""
    token = "imds-session-token"

    def handle(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        if path == "/latest/api/token":
            if not v2:
                return 405, {}, b""
            if method != "PUT" or not headers.get("x-aws-ec2-metadata-token-ttl-seconds", "").isdigit():
                return 400, {}, b""
            return 200, {}, token.encode()
        if method != "GET" or (v2 and headers.get("x-aws-ec2-metadata-token") != token):
            return 401, {}, b""
        if path == "/latest/meta-data/iam/security-credentials/":
            return 200, {}, role.encode()
        if path == f"/latest/meta-data/iam/security-credentials/{role}":
            return 200, {}, credentials() if credentials else credentials_json(key_id, expiration)
        return 404, {}, b""

    return handle


def container(path: str, authorization: str, key_id: str, expiration: str,
              credentials: Callable[[], bytes] | None = None) -> Handler:
    def handle(method: str, request_path: str, headers: dict[str, str], body: bytes
               ) -> tuple[int, dict[str, str], bytes]:
        if method != "GET" or request_path != path:
            return 404, {}, b""
        if headers.get("authorization", "") != authorization:
            return 401, {}, b""
        return 200, {}, credentials() if credentials else credentials_json(key_id, expiration)

    return handle


def sso(*, access_token: str, refresh: dict[str, str] | None, account: str, role: str, key_id: str,
        expiration_ms: int) -> Handler:
    """The SSO portal (GetRoleCredentials) and SSO OIDC (CreateToken with a refresh token)."""
    state = {"token": access_token}

    def handle(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(path)
        if parts.path == "/token" and method == "POST" and refresh is not None:
            request = json.loads(body or b"{}")
            if request != {"grantType": "refresh_token", **refresh}:
                return 400, {}, b'{"error": "invalid_grant"}'
            state["token"] = "refreshed-access-token"
            return 200, {"Content-Type": "application/json"}, json.dumps(
                {"accessToken": state["token"], "expiresIn": 3600, "tokenType": "Bearer"}).encode()
        if parts.path == "/federation/credentials" and method == "GET":
            query = parse_qs(parts.query)
            if headers.get("x-amz-sso_bearer_token") != state["token"]:
                return 401, {}, b'{"message": "Session token not found or invalid"}'
            if query != {"role_name": [role], "account_id": [account]}:
                return 403, {}, b'{"message": "No access"}'
            return 200, {"Content-Type": "application/json"}, json.dumps({"roleCredentials": {
                "accessKeyId": key_id, "secretAccessKey": f"secret-of-{key_id}", "sessionToken": f"token-of-{key_id}",
                "expiration": expiration_ms}}).encode()
        return 404, {}, b""

    return handle


def proxy_for(target: str, handler: Handler) -> Handler:
    """A forward proxy that answers for ``target`` itself: it checks it got an absolute URI
    (what a client sends a proxy) and passes the request on to ``handler``."""

    def handle(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        if not path.startswith(target + "/"):
            return 502, {}, b"not a proxy request for " + target.encode()
        return handler(method, path[len(target):], headers, body)

    return handle


def self_signed_certificate(folder: str) -> tuple[str, str]:
    """A certificate for 127.0.0.1 made with openssl: (cert file, key file)."""
    import subprocess

    cert, key = f"{folder}/cert.pem", f"{folder}/key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def create_session(*, access_key_id: str, secret: str, region: str, ttl: int = 300,
                   calls: list[str] | None = None) -> Handler:
    """S3 Express CreateSession (``GET /BUCKET?session`` path style, as on an IP endpoint): checks
    the SigV4 signature (service ``s3express``) with botocore's own signer, then hands out session
    keys named after the bucket and the call count, valid for ``ttl`` seconds."""
    import time

    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotocoreCredentials

    counter = [0]

    def handle(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        def error(status: int, code: str) -> tuple[int, dict[str, str], bytes]:
            return status, {"Content-Type": "application/xml"}, f"<Error><Code>{code}</Code></Error>".encode()

        parts = urlsplit(path)
        if method != "GET" or parts.query != "session" or parts.path.count("/") != 1:
            return error(400, "InvalidRequest")
        bucket = parts.path[1:]
        auth = headers.get("authorization", "")
        fields = dict(f.strip().split("=", 1) for f in auth.partition(" ")[2].split(",") if "=" in f)
        if not auth.startswith("AWS4-HMAC-SHA256 ") or set(fields) != {"Credential", "SignedHeaders", "Signature"}:
            return error(403, "AccessDenied")
        key_id, date, scope_region, service, _ = fields["Credential"].split("/")
        if (key_id, scope_region, service) != (access_key_id, region, "s3express"):
            return error(403, "InvalidAccessKeyId")
        signed = fields["SignedHeaders"].split(";")
        if "host" not in signed or "x-amz-date" not in signed or "x-amz-content-sha256" not in signed:
            return error(403, "AccessDenied")
        request = AWSRequest(method="GET", url=f"http://{headers['host']}{parts.path}?session",
                             headers={name: headers[name] for name in signed if name != "host"})
        request.context["timestamp"] = headers["x-amz-date"]
        signer = S3SigV4Auth(BotocoreCredentials(access_key_id, secret), "s3express", region)
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if fields["Signature"] != expected or not headers["x-amz-date"].startswith(date):
            return error(403, "SignatureDoesNotMatch")
        counter[0] += 1
        if calls is not None:
            calls.append(bucket)
        expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + ttl))
        xml = ('<?xml version="1.0" encoding="UTF-8"?><CreateSessionResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
               f"<Credentials><SessionToken>session-token-{bucket}-{counter[0]}/+=</SessionToken>"
               f"<SecretAccessKey>session-secret-{bucket}-{counter[0]}</SecretAccessKey>"
               f"<AccessKeyId>ASIASESSION{counter[0]}</AccessKeyId><Expiration>{expiration}</Expiration>"
               "</Credentials></CreateSessionResult>")
        return 200, {"Content-Type": "application/xml"}, xml.encode()

    return handle
