"""A loopback stand-in for CloudFront's check of signed URLs and signed cookies, in front of SeaweedFS.

No real CloudFront is reachable from the tests, so this server does what the AWS developer guide
says CloudFront does with a request for private content, written from the guide (it imports
nothing from s3presign's CloudFront code):

- https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-creating-signed-url-canned-policy.html
- https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-creating-signed-url-custom-policy.html
- https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-setting-signed-cookie-custom-policy.html

1. The signing values come from the query (``Expires`` or ``Policy``, ``Signature``,
   ``Key-Pair-Id``, ``Hash-Algorithm``) or, when the query has no ``Signature``, from the
   ``CloudFront-`` cookies of the same names.
2. ``Key-Pair-Id`` must name a public key of the (stand-in) trusted key group.
3. The policy: for ``Expires`` the canned policy statement rebuilt from the request URL (the
   query without the signing parameters) and ``Expires``; else the base64 ``Policy`` with
   ``-``, ``_``, ``~`` read as ``+``, ``=``, ``/``.
4. The signature (same base64) must verify over the policy bytes: RSA PKCS#1 v1.5 or ECDSA,
   with SHA-1, or SHA-256 when ``Hash-Algorithm=SHA256``.
5. The policy: one statement; its ``Resource`` (``*`` and ``?`` wildcards) must match the
   request URL; now must be before ``DateLessThan`` and not before ``DateGreaterThan``; the
   client address must be inside ``IpAddress``.

Then the object is fetched from SeaweedFS (the origin, with a presigned GET as origin access
control would sign it) and returned; any failure is a 403 whose body names the check, and the
last refusal is kept on the server for the tests to read.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from s3presign import Credentials, Presigner

from .seaweedfs import Server

SIGNING_PARAMS = ("Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm")


def cf_b64decode(text: str) -> bytes:
    return base64.b64decode(text.replace("-", "+").replace("_", "=").replace("~", "/"), validate=True)


@dataclass
class StandIn:
    url: str  # http://127.0.0.1:PORT
    public_keys: dict[str, bytes]  # the trusted key group: key pair id -> PEM public key
    cookie_headers: list[str] = field(default_factory=list)  # what GET /__set-cookies answers with
    refusals: list[str] = field(default_factory=list)
    served: list[str] = field(default_factory=list)


class Refused(Exception):
    pass


def _check(standin: StandIn, url: str, query_pairs: list[tuple[str, str]], cookies: dict[str, str],
           client_ip: str, now: float) -> None:
    values = {k: v for k, v in query_pairs if k in SIGNING_PARAMS}
    if "Signature" not in values:
        values = {name: cookies[f"CloudFront-{name}"] for name in SIGNING_PARAMS if f"CloudFront-{name}" in cookies}
    if "Signature" not in values or "Key-Pair-Id" not in values:
        raise Refused("MissingKey: no signature in the query or the cookies")
    pem = standin.public_keys.get(values["Key-Pair-Id"])
    if pem is None:
        raise Refused(f"UnknownKey: {values['Key-Pair-Id']} is not in the trusted key group")
    if "Policy" in values:
        try:
            policy = cf_b64decode(values["Policy"])
        except ValueError:
            raise Refused("MalformedPolicy: not base64") from None
    elif "Expires" in values and values["Expires"].isdigit():
        resource = url  # the request URL without the signing parameters
        policy = ('{"Statement":[{"Resource":' + json.dumps(resource) + ',"Condition":{"DateLessThan":'
                  '{"AWS:EpochTime":' + values["Expires"] + '}}}]}').encode()
    else:
        raise Refused("MissingPolicy: neither Policy nor Expires")
    algorithm = values.get("Hash-Algorithm", "SHA1")
    if algorithm not in ("SHA1", "SHA256"):
        raise Refused(f"BadHashAlgorithm: {algorithm}")
    digest = hashes.SHA256() if algorithm == "SHA256" else hashes.SHA1()
    key = serialization.load_pem_public_key(pem)
    try:
        signature = cf_b64decode(values["Signature"])
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, policy, padding.PKCS1v15(), digest)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, policy, ec.ECDSA(digest))
        else:
            raise Refused("UnsupportedKey")
    except (InvalidSignature, ValueError):
        raise Refused("InvalidSignature: the signature does not verify over the policy") from None
    try:
        statement = json.loads(policy)["Statement"]
        assert isinstance(statement, list) and len(statement) == 1
        resource = statement[0].get("Resource", "*")
        condition = statement[0]["Condition"]
        date_less_than = condition["DateLessThan"]["AWS:EpochTime"]
    except (ValueError, KeyError, TypeError, AssertionError):
        raise Refused("MalformedPolicy: not one statement with a DateLessThan") from None
    pattern = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in resource)
    if not re.fullmatch(pattern, url, flags=re.DOTALL):
        raise Refused(f"ResourceMismatch: {resource} does not match {url}")
    if not now < date_less_than:
        raise Refused("Expired: past DateLessThan")
    if "DateGreaterThan" in condition and now < condition["DateGreaterThan"]["AWS:EpochTime"]:
        raise Refused("NotYetValid: before DateGreaterThan")
    if "IpAddress" in condition:
        network = ipaddress.ip_network(condition["IpAddress"]["AWS:SourceIp"], strict=False)
        if ipaddress.ip_address(client_ip) not in network:
            raise Refused(f"WrongIp: {client_ip} is not in {network}")


def _handler(standin: StandIn, origin: Server) -> type[BaseHTTPRequestHandler]:
    presigner = Presigner(Credentials(origin.access_key_id, origin.secret_access_key), region="us-east-1",
                          endpoint_url=origin.endpoint_url, addressing_style="path")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            pass

        def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None,
                    cookies: tuple[str, ...] | list[str] = ()) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            for cookie in cookies:
                self.send_header("Set-Cookie", cookie)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            raw_path, _, raw_query = self.path.partition("?")
            if raw_path == "/__set-cookies":  # the application that hands out the cookies
                self._answer(200, b"<html><body>cookies set</body></html>", {"Content-Type": "text/html"},
                             standin.cookie_headers)
                return
            pairs = [(unquote(p.partition("=")[0]), unquote(p.partition("=")[2]))
                     for p in raw_query.split("&") if p]
            kept = [p for p in raw_query.split("&") if p and unquote(p.partition("=")[0]) not in SIGNING_PARAMS]
            url = f"http://{self.headers['Host']}{raw_path}" + ("?" + "&".join(kept) if kept else "")
            jar = SimpleCookie()
            for header in self.headers.get_all("Cookie") or ():
                jar.load(header)
            cookies = {name: morsel.value for name, morsel in jar.items()}
            try:
                _check(standin, url, pairs, cookies, self.client_address[0], time.time())
            except Refused as exc:
                standin.refusals.append(str(exc))
                self._answer(403, f"<Error><Code>{str(exc).split(':')[0]}</Code><Message>{exc}</Message></Error>"
                             .encode(), {"Content-Type": "application/xml"})
                return
            key = unquote(raw_path.lstrip("/"))
            signed = presigner.presign(origin.bucket, key, expires_in=60)
            parts = urlsplit(signed)
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            try:
                conn.request("GET", parts.path + "?" + parts.query)
                response = conn.getresponse()
                body = response.read()
                kind = response.getheader("Content-Type", "application/octet-stream")
            finally:
                conn.close()
            standin.served.append(url)
            self._answer(response.status, body, {"Content-Type": kind})

    return Handler


@contextmanager
def run_standin(origin: Server, public_keys: dict[str, bytes]) -> Iterator[StandIn]:
    """The stand-in on a free loopback port, for as long as the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    standin = StandIn(f"http://127.0.0.1:{server.server_address[1]}", public_keys)
    server.RequestHandlerClass = _handler(standin, origin)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()


__all__ = ["StandIn", "cf_b64decode", "run_standin"]
