"""The signing service as a plain ASGI application: routes, CORS, authentication, grants.

Theory of operation. Each HTTP request goes through the same steps:

1. CORS (https://fetch.spec.whatwg.org/#http-cors-protocol): a preflight (OPTIONS with
   Access-Control-Request-Method) is answered 204 for a configured origin and 403 otherwise; any
   other request that carries an Origin that is neither configured nor the service's own is
   refused, so a page on another site cannot use a browser's path token.
2. Who is calling: the host application's ``identify(scope)`` hook (a mounted app's own
   session), else ``Authorization: Bearer TOKEN``, else a JWT in the path (``/t/JWT/s3/...``):
   @uppy/aws-s3 sends no Authorization header, so its ``companionEndpoint`` carries the token.
   None of these: 401. Then the caller's rate limit: 429.
3. The route: the ones @uppy/aws-s3 6.x calls in ``companionEndpoint`` mode (read from its
   ``CompanionS3`` client), plus ``/download``, ``/upload`` and ``/healthz``. Uploads get keys
   built by the first rule that lets the caller presign that method for that content type;
   routes that take a key back accept it only under the rule that issued it.
   Outside the rules: 403 with a one-line reason. Every grant and refusal goes to the audit log.

Sizes are enforced by the store where it can: a POST form carries ``content-length-range``, a
presigned PUT signs Content-Length, and so does a part URL when the caller states the part's
``size``. Part numbers are capped at what ``max_size`` needs (every part but the last is at least
5 MiB); Complete sends the ETags ListParts reports (never the caller's), aborts when their total
is over ``max_size``, and reads the completed object's size back, deleting it when over.

Keys that come back are checked against the rule that issued them (its tag ends the key's
``{uuid}``: see ``_policy``), never against whichever rule matches first. Content types are
normalised RFC 9110 media types (``normalize_media_type``): the value the rule matched is the
value signed, stored and served.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import sys
import time
import uuid
from base64 import b64encode
from datetime import datetime, timezone
from json.encoder import encode_basestring
from urllib.parse import unquote_plus, unquote_to_bytes

from .._encoding import encode_path
from .._errors import Error, InvalidRequestError, ServiceError
from ._audit import AuditLog, Fields
from ._auth import AddressLimiter, AuthError, Authenticator, Caller, RateLimiter
from ._json import MAX_DEPTH, loads_bounded
from ._limits import LimitsUnavailable
from ._policy import Policy, Rule, normalize_media_type, sanitize_filename, valid_identity
from ._s3calls import S3Calls

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, MutableMapping
    from typing import Any

    from .._presigner import Presigner

    Scope = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
    Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
    Identify = Callable[[Scope], Any]  # -> client name | (client, identity) | None, or an awaitable of one

__all__ = ["App"]

_CHALLENGE = {"www-authenticate": "Bearer"}  # RFC 6750, section 3
MAX_BODY = 1 << 20  # a Complete with 10,000 parts is about 600 KB of JSON
MAX_PART_SIZE = 5 * 1024 ** 3  # S3: a part is at most 5 GiB
_JSON = json.JSONEncoder(ensure_ascii=False)
_ETAG = re.compile(r'"?[ -~]{1,128}"?')
_PURPOSE = {"POST": "form uploads", "PUT": "uploads and multipart parts", "GET": "downloads"}
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(pattern), name) for method, pattern, name in [
        ("GET", r"/healthz", "healthz"),
        ("GET", r"/s3/params", "params"),
        ("POST", r"/s3/multipart", "create"),
        ("GET", r"/s3/multipart/(?P<upload_id>[^/]+)/(?P<part>[0-9]{1,5})", "sign_part"),
        ("GET", r"/s3/multipart/(?P<upload_id>[^/]+)", "list_parts"),
        ("POST", r"/s3/multipart/(?P<upload_id>[^/]+)/complete", "complete"),
        ("DELETE", r"/s3/multipart/(?P<upload_id>[^/]+)", "abort"),
        ("GET", r"/download", "download"),
        ("POST", r"/upload", "upload"),
    ]
]
# Routes without a parameter, by (method, path): one dict lookup instead of a walk down _ROUTES
# (none of the patterns with a parameter matches these paths, so the first match is the same).
_STATIC = {(method, pattern.pattern): name for method, pattern, name in _ROUTES if "(" not in pattern.pattern}


class Refusal(Exception):
    """A request the service will not serve: an HTTP status and a one-line reason."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers or {}
        self.caller_fields: dict[str, str] = {}


class _Request:
    __slots__ = ("body", "headers", "method", "path", "query", "route", "scope")

    def __init__(self, scope: Scope, path: str) -> None:
        self.scope = scope
        self.method: str = scope["method"]
        self.path = path
        # A path token is masked before anything can log the route, refusals before routing included.
        self.route = "/t/***/" + path[3:].partition("/")[2] if path.startswith("/t/") else path
        self.headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        self.query = _query(scope.get("query_string", b""))
        self.body = b""

    def arg(self, name: str, *, required: bool = True) -> str | None:
        for key, value in self.query:
            if key == name:
                return str(value)
        if required:
            raise Refusal(400, f"the query parameter {name} is missing")
        return None

    def json(self) -> dict[str, Any]:
        try:
            data = loads_bounded(self.body or b"{}")
        except ValueError:
            raise Refusal(400, f"the request body is not JSON (nested at most {MAX_DEPTH} deep)") from None
        if not isinstance(data, dict):
            raise Refusal(400, "the request body must be a JSON object")
        return data


class App:
    """The signing service, an ASGI app: ``App(load_policy("presign.toml"))``, or mounted in FastAPI with
    ``app.mount("/presign", App(policy, identify=lambda scope: scope["session"].get("user")))``.

    ``identify(scope)`` (plain or async) names the caller from the host application's own session:
    a ``[[clients]]`` name, or ``(client name, identity)``; None falls back to bearer tokens and
    path JWTs. ``signer`` defaults to ``Presigner.from_config`` with the policy's ``[s3]`` settings,
    built once; its current credentials are read at every call, so refreshing credentials work.
    """

    def __init__(self, policy: Policy, *, signer: Presigner | None = None, identify: Identify | None = None,
                 audit: AuditLog | None = None, body_timeout: float = 30.0, limiter: Any = None) -> None:
        if signer is None:
            from .._presigner import Presigner

            s3 = policy.s3
            signer = Presigner.from_config(profile=s3.profile, region=s3.region, endpoint_url=s3.endpoint_url,
                                           addressing_style=s3.addressing_style)
        self.policy = policy
        self.signer = signer
        self.identify = identify
        self.audit = audit if audit is not None else AuditLog(policy.server.audit_log)
        self.s3 = S3Calls(signer, timeout=policy.s3.timeout)
        self.limiter = limiter if limiter is not None else RateLimiter()
        self.body_timeout = body_timeout  # seconds a request body may pause between two chunks
        self.failures = AddressLimiter(policy.server.failed_auth_rate, policy.server.failed_auth_burst)
        self._origins = frozenset(policy.server.cors_origins)
        self._rules = {c.name: tuple(policy.rules_for(c.name)) for c in policy.clients}  # per request otherwise
        self._by_method = {(name, method): tuple(r for r in rules if method in r.methods)
                           for name, rules in self._rules.items() for method in _PURPOSE}
        self._handlers: dict[str, Callable[..., Awaitable[tuple[int, object]]]] = {
            name: getattr(self, f"_route_{name}") for _, _, name in _ROUTES if name != "healthz"}
        self._iso_second, self._iso_text = -1, ""  # the last expiry shown, as text
        self._authenticate = Authenticator(policy)
        # Audit fields a caller's grants share (client, identity, auth, route, method, bucket), encoded once
        self._shared: dict[tuple[str, str, str, str, str, str], Fields] = {}
        # No POST Object: said by the policy, or by the store preset the AWS profile names (R2, B2, ...).
        store: Any = getattr(signer, "store", None)
        self._no_post = ("[s3] post_object = false" if not policy.s3.post_object
                         else f"{store.title}, the profile's provider" if getattr(store, "post", None) is False
                         else None)

    # -- ASGI ---------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":  # no websocket routes: refuse the handshake
            await send({"type": "websocket.close", "code": 1000})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.audit.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "/")
        root = scope.get("root_path", "")
        if root and path.startswith(root):  # mounted (Starlette keeps the full path in newer versions)
            path = path[len(root):] or "/"
        request = _Request(scope, path)
        cors = self._cors_headers(request)
        extra: dict[str, str] = {}
        try:
            if request.method == "OPTIONS":
                status, answer = self._preflight(request, cors)
            else:
                if cors is None:
                    raise Refusal(403, f"the origin {request.headers.get('origin')} is not allowed (cors_origins)")
                status, answer = await self._serve(request, receive)
        except Refusal as refusal:
            status, answer, extra = refusal.status, {"error": refusal.reason}, refusal.headers
            if status != 404:
                self.audit.write("deny", route=request.route, status=status, reason=refusal.reason,
                                 remote=_remote(scope), **refusal.caller_fields)
        except Exception as exc:  # a bug: one line on stderr, never the request (it may hold a token)
            sys.stderr.write(f"s3presign serve: unexpected {type(exc).__name__} on {request.route}: {exc}\n")
            status, answer = 500, {"error": "internal error; see the service's log"}
        await _respond(send, status, answer, {**(cors or {}), **extra})

    # -- CORS ---------------------------------------------------------------------------------

    def _cors_headers(self, request: _Request) -> dict[str, str] | None:
        """Headers for an allowed origin ({} without an Origin or for our own); None for a foreign one."""
        origin = request.headers.get("origin")
        if origin is None:
            return {}
        if "*" in self._origins or origin.lower() in self._origins:
            return {"access-control-allow-origin": origin, "vary": "Origin"}
        scheme = request.scope.get("scheme", "http")
        if origin.lower() == f"{scheme}://{request.headers.get('host', '')}".lower():
            return {}
        return None

    def _preflight(self, request: _Request, cors: dict[str, str] | None) -> tuple[int, object]:
        if "access-control-request-method" not in request.headers:
            return 204, None
        if not cors:
            raise Refusal(403, f"the origin {request.headers.get('origin')} is not allowed (cors_origins)")
        cors.update({"access-control-allow-methods": "GET, POST, DELETE",
                     "access-control-allow-headers": "authorization, content-type",
                     "access-control-max-age": "600"})
        return 204, None

    # -- dispatch -----------------------------------------------------------------------------

    async def _serve(self, request: _Request, receive: Receive) -> tuple[int, object]:
        path = request.path
        token = None
        if path.startswith("/t/"):
            token, _, rest = path[3:].partition("/")
            path = "/" + rest
        name = _STATIC.get((request.method, path))
        groups: dict[str, str] = {}
        if name is None:
            allowed = []
            for method, pattern, name in _ROUTES:
                found = pattern.fullmatch(path)
                if found:
                    if method == request.method:
                        groups = found.groupdict()
                        break
                    allowed.append(method)
            else:
                if allowed:
                    raise Refusal(405, f"{request.method} is not allowed on {path}; use {', '.join(allowed)}",
                                  {"allow": ", ".join(allowed)})
                raise Refusal(404, f"no route {path}")
        if name == "healthz":
            return 200, {"ok": True}
        # before the body: strangers never make us read one
        caller = await self._caller(request, token) if self.identify is not None else self._credentials(request, token)
        try:
            if request.method == "POST":  # the only routes that read one
                request.body = await _read_body(receive, timeout=self.body_timeout)
            wait = self.limiter.allow(caller, now=time.monotonic())
            if not isinstance(wait, float):  # a shared limiter asks Redis
                try:
                    wait = await wait
                except LimitsUnavailable:
                    raise Refusal(503, f"the rate limits of client {caller.name} cannot be checked now (Redis is "
                                       "unreachable); retry shortly", {"retry-after": "1"}) from None
            if wait:
                raise Refusal(429, f"client {caller.name} is over its rate limit; retry in {wait:.1f}s",
                              {"retry-after": str(math.ceil(wait))})
            return await self._handlers[name](request, caller, **groups)
        except ServiceError as exc:  # S3 refused a call the service made, or could not be reached
            refusal = Refusal(502, str(exc))
            refusal.caller_fields = {"client": caller.name, "identity": caller.identity}
            raise refusal from None
        except Refusal as refusal:
            refusal.caller_fields = {"client": caller.name, "identity": caller.identity}
            raise

    async def _caller(self, request: _Request, path_token: str | None) -> Caller:
        if self.identify is not None:
            named = self.identify(request.scope)
            if asyncio.iscoroutine(named) or isinstance(named, asyncio.Future):
                named = await named
            if named is not None:
                client, identity = (named, named) if isinstance(named, str) else named
                spec = self.policy.client(client)
                if spec is None:
                    raise Refusal(403, f"the host application named client {client!r}, which the policy does not define")
                if not valid_identity(identity):
                    raise Refusal(403, f"the host application named identity {identity!r}: use letters, digits "
                                       "and @+=._- (it becomes part of keys)")
                return Caller(spec, identity, "hook")
        return self._credentials(request, path_token)

    def _credentials(self, request: _Request, path_token: str | None) -> Caller:
        """The caller a bearer token or path JWT names (a plain call: most requests come this way)."""
        header = request.headers.get("authorization")
        address = _remote(request.scope) or "-"
        if header is not None or path_token:
            wait = self.failures.blocked(address, now=time.monotonic())
            if wait:
                raise Refusal(429, f"too many failed authentications from {address}; retry in {wait:.1f}s",
                              {"retry-after": str(math.ceil(wait))})
        try:
            if header is not None:
                scheme, _, token = header.partition(" ")
                if scheme.lower() != "bearer" or not token.strip():
                    raise AuthError("the Authorization header must be 'Bearer TOKEN'")
                return self._authenticate(token.strip(), now=time.time())
            if path_token:
                return self._authenticate(path_token, now=time.time(), in_path=True)
        except AuthError as exc:
            self.failures.failed(address, now=time.monotonic())
            raise Refusal(401, str(exc), _CHALLENGE) from None
        raise Refusal(401, "no credentials: send 'Authorization: Bearer TOKEN', or put a JWT in the path (/t/JWT/s3/...)",
                      _CHALLENGE)

    # -- rules --------------------------------------------------------------------------------

    def _upload_rule(self, caller: Caller, method: str, content_type: str) -> Rule:
        rules = self._by_method.get((caller.name, method), ())
        if not rules:
            raise Refusal(403, f"no rule lets client {caller.name} presign {method} ({_PURPOSE[method]})")
        for rule in rules:
            if rule.allows_type(content_type):
                return rule
        allowed = sorted({t for r in rules for t in r.content_types})
        raise Refusal(403, f"content type {content_type} is not allowed for client {caller.name} "
                           f"(allowed: {', '.join(allowed)})")

    def _key_rule(self, caller: Caller, method: str, key: str) -> Rule:
        if not self._by_method.get((caller.name, method)):
            raise Refusal(403, f"no rule lets client {caller.name} presign {method} ({_PURPOSE[method]})")
        limit = self.policy.server.max_filename_bytes
        # The rule that issued the key governs it (its tag ends the key's {uuid}); keys no rule of
        # this caller issued (objects put there otherwise, templates without {uuid}) go by first match.
        first: Rule | None = None
        for rule in self._rules.get(caller.name, ()):
            status = rule.key_status(key, identity=caller.namespace, max_filename_bytes=limit)
            if status == "issued":
                if method not in rule.methods:
                    raise Refusal(403, f"the key {key!r} was issued by rule #{rule.number}, which does not let "
                                       f"client {caller.name} presign {method} ({_PURPOSE[method]})")
                return rule
            if status is not None and first is None and method == "GET" and method in rule.methods:
                first = rule
        if first is not None:
            return first
        raise Refusal(403, f"the key {key!r} is outside the keys client {caller.name} may use for {method}")

    def _new_key(self, rule: Rule, caller: Caller, filename: object) -> str:
        """The key for a new upload: the rule's template with the caller, a new UUID and the sanitised name."""
        if not isinstance(filename, str) or not filename:
            raise Refusal(400, "the file name is missing")
        try:
            name = sanitize_filename(filename, max_bytes=self.policy.server.max_filename_bytes)
        except ValueError as exc:
            raise Refusal(400, str(exc)) from None
        key = rule.build_key(identity=caller.namespace, uuid=rule.new_uuid(str(uuid.uuid4())), filename=name)
        if "${filename}" in key:  # S3 would put the uploaded file's own name there: a prefix, not a key
            raise Refusal(400, "the file name would put ${filename} into the key; S3 reads that as a form variable")
        if len(key.encode("utf-8")) > 1024:
            raise Refusal(400, f"the key would be {len(key.encode())} bytes; S3 allows 1024: use a shorter file name")
        return key

    def _grant(self, request: _Request, caller: Caller, method: str, rule: Rule, key: str, expires_at: str,
               **extra: object) -> None:
        slot = (caller.name, caller.identity, caller.how, request.route, method, rule.bucket)
        shared = self._shared.get(slot)
        if shared is None:
            if len(self._shared) >= 4096:  # identities and routes come and go: bounded
                self._shared.clear()
            shared = self._shared[slot] = self.audit.fields(client=caller.name, identity=caller.identity,
                                                            auth=caller.how, route=request.route, method=method,
                                                            bucket=rule.bucket)
        self.audit.write("grant", shared, key=key, expires_at=expires_at, remote=_remote(request.scope), **extra)

    def _s3_event(self, request: _Request, caller: Caller, action: str, rule: Rule, key: str, **extra: object) -> None:
        self.audit.write("s3", client=caller.name, identity=caller.identity, auth=caller.how, route=request.route,
                         action=action, bucket=rule.bucket, key=key, remote=_remote(request.scope), **extra)

    def _location(self, rule: Rule, key: str) -> str:
        return self.signer.endpoint(rule.bucket).url_prefix + encode_path(key)

    # -- routes: @uppy/aws-s3 (companionEndpoint) ---------------------------------------------

    async def _route_params(self, request: _Request, caller: Caller) -> tuple[int, object]:
        """GET /s3/params?filename=&type=&metadata[k]= -> {url, fields}: a POST form upload."""
        if self._no_post:
            raise Refusal(501, f"this store has no POST Object ({self._no_post}); configure Uppy with "
                               "shouldUseMultipart: true so every file goes up in parts")
        content_type = _content_type(request.arg("type", required=False))
        rule = self._upload_rule(caller, "POST", content_type)
        key = self._new_key(rule, caller, request.arg("filename"))
        metadata = {k[9:-1]: v for k, v in request.query if k.startswith("metadata[") and k.endswith("]")}
        fields = {"Content-Type": content_type, **_metadata_headers(rule, metadata)}
        conditions: list[object] = [{name: value} for name, value in fields.items()]
        if rule.max_size is not None:
            conditions.append(["content-length-range", 0, rule.max_size])
        post = self._sign(lambda: self.signer.presign_post(rule.bucket, key, expires_in=rule.max_expires_in,
                                                           conditions=conditions, fields=fields))
        expires_at = _iso(post.expires_at.timestamp())
        self._grant(request, caller, "POST", rule, key, expires_at, content_type=content_type, max_size=rule.max_size)
        return 200, {"url": post.url, "fields": post.fields, "key": key, "bucket": rule.bucket,
                     "expires_at": expires_at}

    async def _route_create(self, request: _Request, caller: Caller) -> tuple[int, object]:
        """POST /s3/multipart {filename, type, metadata} -> {key, uploadId}: CreateMultipartUpload."""
        body = request.json()
        content_type = _content_type(body.get("type"))
        rule = self._upload_rule(caller, "PUT", content_type)
        key = self._new_key(rule, caller, body.get("filename"))
        metadata = _dict(body.get("metadata"))
        headers = {"Content-Type": content_type, **_metadata_headers(rule, metadata)}
        upload_id = await asyncio.to_thread(self.s3.create_multipart_upload, rule.bucket, key, headers=headers)
        self._s3_event(request, caller, "CreateMultipartUpload", rule, key, upload_id=upload_id,
                       content_type=content_type)
        return 200, {"key": key, "uploadId": upload_id, "bucket": rule.bucket}

    async def _route_sign_part(self, request: _Request, caller: Caller, upload_id: str, part: str) -> tuple[int, object]:
        """GET /s3/multipart/{uploadId}/{partNumber}?key=[&size=] -> {url}: a presigned UploadPart; a stated
        size is bounded by the rule and signed as Content-Length, so the store refuses any other."""
        key = str(request.arg("key"))
        rule = self._key_rule(caller, "PUT", key)
        number = int(part)
        if not 1 <= number <= rule.max_parts:
            limit = (f"an upload of at most {rule.max_size} bytes (max_size) needs at most {rule.max_parts} parts"
                     if rule.max_size is not None else "S3 part numbers run from 1 to 10000")
            raise Refusal(403, f"part {number} is out of range: {limit}")
        headers: dict[str, str] = {}
        size_text = request.arg("size", required=False)
        if size_text is not None:
            if not _digits(size_text) or not 1 <= int(size_text) <= MAX_PART_SIZE:
                raise Refusal(400, f"size must be the part's size in bytes, 1 to {MAX_PART_SIZE}, not {size_text[:40]!r}")
            if rule.max_size is not None and int(size_text) > rule.max_size:
                raise Refusal(403, f"size {int(size_text)} is more than rule #{rule.number}'s max_size {rule.max_size}")
            headers["Content-Length"] = str(int(size_text))
        signed = self._sign(lambda: self.signer.presign_request(
            rule.bucket, key, method="PUT", expires_in=rule.max_expires_in,
            params={"partNumber": str(number), "uploadId": upload_id}, headers=headers))
        expires_at = _iso(signed.expires_at.timestamp())
        self._grant(request, caller, "PUT", rule, key, expires_at, upload_id=upload_id, part_number=number,
                    size=int(headers["Content-Length"]) if headers else None)
        return 200, {"url": signed.url, "expires_at": expires_at, **({"headers": signed.headers} if headers else {})}

    async def _route_list_parts(self, request: _Request, caller: Caller, upload_id: str) -> tuple[int, object]:
        """GET /s3/multipart/{uploadId}?key= -> [{PartNumber, ETag, Size}]: ListParts."""
        key = str(request.arg("key"))
        rule = self._key_rule(caller, "PUT", key)
        parts = await asyncio.to_thread(self.s3.list_parts, rule.bucket, key, upload_id)
        self._s3_event(request, caller, "ListParts", rule, key, upload_id=upload_id)
        return 200, [p.as_uppy() for p in parts]

    async def _route_complete(self, request: _Request, caller: Caller, upload_id: str) -> tuple[int, object]:
        """POST /s3/multipart/{uploadId}/complete?key= {parts} -> {location, bucket, key}.

        The parts are completed with the ETags the store lists, not the caller's, and the completed
        object's size is read back: a part re-uploaded between the listing and the completion either
        makes the store refuse (its ETag changed) or is caught by the size, and the object deleted.
        """
        key = str(request.arg("key"))
        rule = self._key_rule(caller, "PUT", key)
        wanted = _parts(request.json().get("parts"))
        listed = {p.number: p for p in await asyncio.to_thread(self.s3.list_parts, rule.bucket, key, upload_id)}
        missing = [number for number, _ in wanted if number not in listed]
        if missing:
            raise Refusal(400, f"part {missing[0]} of this upload is not in the store; upload it first")
        parts = [(number, listed[number].etag) for number, _ in wanted]
        total = sum(listed[number].size for number, _ in wanted)
        if rule.max_size is not None and total > rule.max_size:
            await asyncio.to_thread(self.s3.abort_multipart_upload, rule.bucket, key, upload_id)
            self._s3_event(request, caller, "AbortMultipartUpload", rule, key, upload_id=upload_id, size=total)
            raise Refusal(403, f"the upload is {total} bytes; rule #{rule.number} allows at most {rule.max_size} "
                               "(max_size), so it was aborted")
        await asyncio.to_thread(self.s3.complete_multipart_upload, rule.bucket, key, upload_id, parts)
        self._s3_event(request, caller, "CompleteMultipartUpload", rule, key, upload_id=upload_id)
        if rule.max_size is not None:
            size = await asyncio.to_thread(self.s3.head_object_size, rule.bucket, key)
            if size is not None and size > rule.max_size:
                await asyncio.to_thread(self.s3.delete_object, rule.bucket, key)
                self._s3_event(request, caller, "DeleteObject", rule, key, upload_id=upload_id, size=size)
                raise Refusal(403, f"the completed object is {size} bytes; rule #{rule.number} allows at most "
                                   f"{rule.max_size} (max_size), so it was deleted")
        return 200, {"location": self._location(rule, key), "bucket": rule.bucket, "key": key}

    async def _route_abort(self, request: _Request, caller: Caller, upload_id: str) -> tuple[int, object]:
        """DELETE /s3/multipart/{uploadId}?key=: AbortMultipartUpload."""
        key = str(request.arg("key"))
        rule = self._key_rule(caller, "PUT", key)
        await asyncio.to_thread(self.s3.abort_multipart_upload, rule.bucket, key, upload_id)
        self._s3_event(request, caller, "AbortMultipartUpload", rule, key, upload_id=upload_id)
        return 200, {}

    # -- routes: plain JSON -------------------------------------------------------------------

    async def _route_download(self, request: _Request, caller: Caller) -> tuple[int, object]:
        """GET /download?key=K[&expires_in=N] -> {url, expires_at}."""
        key = str(request.arg("key"))
        rule = self._key_rule(caller, "GET", key)
        expires_in = _expires_in(request.arg("expires_in", required=False), rule)
        # presign() is the signer's fast path (signing key and per-second state cached), on its own
        # clock (given a `now`, refreshing credentials are checked per URL, not per second). Read
        # before and after, the clock tells the second it signed at; should it tick over meanwhile,
        # the URL is signed again at a second given. The URL stops working at its expiry or when the
        # credentials that signed it expire, whichever is first.
        second = int(time.time())
        url = self._sign(lambda: self.signer.presign(rule.bucket, key, "GET", expires_in))
        after = int(time.time())
        if after != second:
            second = after
            now = datetime.fromtimestamp(second, timezone.utc)
            url = self._sign(lambda: self.signer.presign(rule.bucket, key, "GET", expires_in, now=now))
        ends = second + expires_in
        credentials_end = self.signer.credentials.expires_at
        if credentials_end is not None:
            ends = min(ends, int(credentials_end.timestamp()))
        if ends != self._iso_second:  # one expiry a second, mostly: its text is made once
            self._iso_second, self._iso_text = ends, _iso(ends)
        expires_at = self._iso_text
        self._grant(request, caller, "GET", rule, key, expires_at)
        # The answer is {"url": url, "expires_at": expires_at}, spelled as _respond's encoder spells it.
        return 200, f'{{"url": {encode_basestring(url)}, "expires_at": "{expires_at}"}}'.encode()

    async def _route_upload(self, request: _Request, caller: Caller) -> tuple[int, object]:
        """POST /upload {filename, type, size[, expires_in, metadata]} -> {url, method, headers, key, expires_at}:
        a presigned PUT with Content-Type and Content-Length signed, so the store refuses other sizes."""
        body = request.json()
        content_type = _content_type(body.get("type"))
        rule = self._upload_rule(caller, "PUT", content_type)
        size = body.get("size")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise Refusal(400, "size must be the file's size in bytes, a whole number")
        if rule.max_size is not None and size > rule.max_size:
            raise Refusal(403, f"size {size} is more than rule #{rule.number}'s max_size {rule.max_size}")
        expires = body.get("expires_in")
        expires_in = _expires_in(None if expires is None else str(expires), rule)
        key = self._new_key(rule, caller, body.get("filename"))
        metadata = _dict(body.get("metadata"))
        headers = {"Content-Type": content_type, "Content-Length": str(size), **_metadata_headers(rule, metadata)}
        signed = self._sign(lambda: self.signer.presign_request(rule.bucket, key, method="PUT", expires_in=expires_in,
                                                                headers=headers))
        expires_at = _iso(signed.expires_at.timestamp())
        self._grant(request, caller, "PUT", rule, key, expires_at, size=size, content_type=content_type)
        return 200, {"url": signed.url, "method": "PUT", "headers": signed.headers, "key": key,
                     "bucket": rule.bucket, "expires_at": expires_at}

    @staticmethod
    def _sign(make: Callable[[], Any]) -> Any:
        try:
            return make()
        except InvalidRequestError as exc:
            raise Refusal(400, str(exc)) from None
        except Error as exc:  # credentials that could not be refreshed, for instance
            raise Refusal(503, f"cannot sign now: {exc}") from None


# -- helpers ----------------------------------------------------------------------------------

def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _remote(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


def _query(raw: bytes) -> list[tuple[str, str]]:
    """``parse_qsl(raw, keep_blank_values=True)``, decoding only the pieces that need it (a third
    of the time for a typical ``key=...`` query)."""
    if not raw:
        return []
    pairs = []
    for piece in raw.split(b"&"):
        if not piece:
            continue
        name, _, value = piece.partition(b"=")
        pairs.append((_unquote(name), _unquote(value)))
    return pairs


def _unquote(data: bytes) -> str:
    if b"%" in data or b"+" in data:
        if data.isascii():  # what unquote_plus does to an ASCII string, without its regex split
            return unquote_to_bytes(data.replace(b"+", b" ")).decode("utf-8", "replace")
        return unquote_plus(data.decode("utf-8", "replace"), errors="replace")
    return data.decode("utf-8", "replace")


def _digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes '²' and Devanagari digits, which int() may not."""
    return 0 < len(text) <= 20 and text.isascii() and text.isdigit()


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _content_type(value: object) -> str:
    """The file's type, normalised (Uppy sends application/octet-stream when unknown): one RFC 9110
    media type, so the rule checks exactly the type the store will serve and a browser will read."""
    if value is None or value == "":
        return "application/octet-stream"
    try:
        if not isinstance(value, str) or len(value) > 255:
            raise ValueError(value)
        return normalize_media_type(value)
    except ValueError:
        raise Refusal(400, f"type {value!r} is not one media type like text/plain or text/plain; charset=utf-8 "
                           "(RFC 9110: parameters as name=value, quoted if they hold a comma)") from None


def _expires_in(value: str | None, rule: Rule) -> int:
    if value is None:
        return rule.max_expires_in
    if not _digits(value) or int(value) < 1:
        raise Refusal(400, f"expires_in must be a whole number of seconds, at least 1, not {value!r}")
    if int(value) > rule.max_expires_in:
        raise Refusal(403, f"expires_in {value} is more than rule #{rule.number}'s max_expires_in {rule.max_expires_in}")
    return int(value)


def _metadata_headers(rule: Rule, metadata: dict[str, Any]) -> dict[str, str]:
    """x-amz-meta-* for the metadata names the rule keeps; non-ASCII values RFC 2047-encoded, as S3 asks
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html#UserMetadata)."""
    headers: dict[str, str] = {}
    for name, value in metadata.items():
        if not isinstance(name, str) or name.lower() not in rule.metadata or value is None:
            continue
        text = str(value)
        if not all(" " <= c <= "~" for c in text) or text != text.strip():
            text = "=?UTF-8?B?" + b64encode(text.encode("utf-8")).decode("ascii") + "?="
        headers[f"x-amz-meta-{name.lower()}"] = text
    if sum(len(k) + len(v) for k, v in headers.items()) > 2048:
        raise Refusal(400, "the metadata is larger than the 2 KB S3 allows")
    return headers


def _parts(value: object) -> list[tuple[int, str]]:
    if not isinstance(value, list) or not value or len(value) > 10000:
        raise Refusal(400, "parts must be a list of {PartNumber, ETag}, 1 to 10000 of them")
    parts = []
    for item in value:
        number = item.get("PartNumber") if isinstance(item, dict) else None
        etag = item.get("ETag") if isinstance(item, dict) else None
        if isinstance(number, str) and _digits(number):
            number = int(number)
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 10000:
            raise Refusal(400, f"PartNumber {number!r} is not a part number (1 to 10000)")
        if not isinstance(etag, str) or not _ETAG.fullmatch(etag):
            raise Refusal(400, f"the ETag of part {number} is missing or malformed")
        parts.append((number, etag))
    return parts


async def _read_body(receive: Receive, *, timeout: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            message = await asyncio.wait_for(receive(), timeout)
        except asyncio.TimeoutError:
            raise Refusal(408, f"the request body stalled for {timeout:g}s") from None
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise Refusal(413, f"the request body is larger than {MAX_BODY} bytes")
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _respond(send: Send, status: int, answer: object, extra: dict[str, str]) -> None:
    """Send ``answer`` as JSON (bytes: already encoded); None sends no body."""
    body = b"" if answer is None else answer if type(answer) is bytes else _JSON.encode(answer).encode("utf-8")
    headers = [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]
    if answer is not None:
        headers.append((b"content-type", b"application/json"))
    headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
