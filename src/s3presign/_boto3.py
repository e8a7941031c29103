"""boto3's two presign calls, byte for byte, from the client the user already configured.

    >>> import boto3, s3presign
    >>> s3 = s3presign.patch_boto3(boto3.client("s3"))
    >>> s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})

Theory of operation. A presigned URL from ``client.generate_presigned_url`` has two parts of
very different kinds:

- what the client has *resolved*: the scheme, host and path prefix for a bucket (endpoint
  rules, addressing style, accelerate, dual-stack, FIPS, access points, the global-host quirk),
  the signing region and service, and which signer presigning really uses (SigV2 by default in
  several regions even when ``signature_version`` reads ``s3v4``; botocore's own SigV4 or the
  CRT's, which orders the query differently);
- what each call *translates*: Params to query parameters and headers by the operation's model
  (``location``/``locationName``), the parameter handlers botocore runs (SSE-C key base64 and
  MD5, CopySource quoting, ``encoding-type=url`` on listings), then the signature.

The first part is *learned, never guessed*: on the first call for a (ClientMethod, HttpMethod,
Bucket, Params names in order) we call the client's own method, read the prefix, region,
service and signer from its URL, sign the same request ourselves for the same second and
compare. Only a byte-identical match makes a route; any difference (or a configuration we do
not recognise: SigV4A, S3 Express, unsigned-by-handler) leaves that combination delegated to
the client for good. The second part is compiled once per (ClientMethod, Params names) from the
service model; anything it does not know (bodies, structures, streams) is not compiled and is
delegated.

Every later call checks cheaply that it is still on proven ground, or delegates: the Params
values have the types the route was proven with, the expiry is an ``int``, and the client's
event handlers are unchanged (botocore replaces ``_lookup_cache`` whenever a handler is
registered or removed; a handler outside botocore's own set makes the whole client delegate).
Invalid input never takes the fast path, so the client itself raises ``ParamValidationError``
or ``UnknownClientMethodError`` with its own message. Credentials are read from the client's
signer on every call (``get_frozen_credentials``, which refreshes temporary ones), never kept.

Cost: the first call per route pays the client's own price twice; later ones a dictionary
lookup, the translation and one SHA-256 plus HMAC (SigV4) or one HMAC-SHA1 (SigV2). A SigV2
route is compiled when it is proven (``_V2Program``: which Params go to the query, the signed
resource's sorted sub-resources, the signed header lines), so a call only reads, checks and
encodes the values; the encodings of values other than keys are remembered (bounded tables,
never secrets), since those repeat from call to call. Measured on the benchmark's calls: from
7.5 to 4.8 µs (get_object with two query Params) and 8.2 to 6.7 µs (put_object with ContentType
and Metadata).
botocore is imported only by the functions here, never when ``s3presign`` starts.
"""

from __future__ import annotations

import threading
import time

from . import _sigv2, _sigv4
from ._encoding import PATH_SAFE_PATTERN, encode_path, encode_query_component

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["Boto3Presigner", "from_boto3", "patch_boto3", "presigner_for"]

_time = time.time  # the only clock here; tests pin it together with botocore's

_MAX_ROUTES = 4096  # learned routes per client; past this the table starts again
_LIST_OPERATIONS = frozenset({"ListObjects", "ListObjectsV2", "ListObjectVersions"})
_SSE_PREFIXES = ("SSECustomer", "CopySourceSSECustomer")
# SigV4QueryAuth drops this content type (botocore sets it itself for form bodies).
_FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
_V4_UNSIGNED_HEADERS = frozenset({"expect", "user-agent", "x-amzn-trace-id"})
# The events a presign emits; handlers on them decide the URL.
_EVENTS = ("provide-client-params.s3.{}", "before-parameter-build.s3.{}", "before-endpoint-resolution.s3",
           "choose-signer.s3.{}", "before-sign.s3.{}")
_PATCH_LOCK = threading.RLock()
_PATCHED = "_s3presign_patched"
_PRESIGNER = "_s3presign_presigner"


def from_boto3(client_or_session: Any) -> Boto3Presigner:
    """A fast ``generate_presigned_url``/``generate_presigned_post`` for a boto3 S3 client.

    Takes a boto3 or botocore S3 client, an S3 resource (``boto3.resource("s3")``), or a boto3
    or botocore session (an S3 client is made from it):
    ``from_boto3(boto3.client("s3")).generate_presigned_url("get_object", Params={...})``.
    """
    obj = client_or_session
    if not hasattr(obj, "_request_signer"):
        meta = getattr(obj, "meta", None)
        if meta is not None and hasattr(getattr(meta, "client", None), "_request_signer"):
            obj = meta.client  # a boto3 resource
        elif hasattr(obj, "create_client"):
            obj = obj.create_client("s3")  # a botocore session
        elif hasattr(obj, "client") and callable(obj.client):
            obj = obj.client("s3")  # a boto3 session
    if not hasattr(obj, "_request_signer") or getattr(obj.meta, "service_model", None) is None:
        raise TypeError(f"from_boto3 needs a boto3 S3 client, resource or session, not {type(client_or_session).__name__}")
    if obj.meta.service_model.service_name != "s3":
        raise TypeError(f"from_boto3 needs an S3 client, not one for {obj.meta.service_model.service_name!r}")
    return Boto3Presigner(obj)


def patch_boto3(client: Any) -> Any:
    """Give ``client`` (a boto3 S3 client) the fast presign methods in place; return it.

    ``s3 = patch_boto3(boto3.client("s3"))``. Idempotent and thread-safe: patching twice, or
    from two threads at once, installs one presigner.
    """
    with _PATCH_LOCK:
        if _PATCHED in vars(client):
            return client
        presigner = presigner_for(client)
        client.generate_presigned_url = presigner.generate_presigned_url
        client.generate_presigned_post = presigner.generate_presigned_post
        setattr(client, _PATCHED, True)
    return client


def presigner_for(client: Any) -> Boto3Presigner:
    """The one presigner kept on this client (made on first use): what patch_boto3 installs and
    the Django storages call, so a client's learned routes are learned once."""
    presigner = vars(client).get(_PRESIGNER)
    if presigner is None:
        with _PATCH_LOCK:
            presigner = vars(client).get(_PRESIGNER)
            if presigner is None:
                presigner = from_boto3(client)
                if presigner.client is not client:
                    raise TypeError("patch_boto3 needs the S3 client itself (boto3.client('s3'))")
                setattr(client, _PRESIGNER, presigner)
    return presigner  # type: ignore[no-any-return]


# -- translation: Params -> query parameters and headers, compiled per (operation, names) ----------

class _Delegate(Exception):
    """This call is not on proven ground: the client's own method answers it."""


_KINDS = {"string": str, "integer": int, "long": int, "boolean": bool}


class _Plan:
    """How one operation turns Params with these names, in this order, into query and headers.

    ``steps``: (param name, where, wire name, type, min) per Param in botocore's order, where
    is ``q`` (query), ``h`` (header), ``l`` (header list of strings), ``m`` (Metadata map),
    ``t`` (rfc822 timestamp header), ``s`` (rfc822 timestamp query).
    """

    __slots__ = ("copy_source", "encoding_type", "has_key", "method", "operation", "simple", "sse", "static_query",
                 "steps")

    def __init__(self, operation: str, method: str, has_key: bool, static_query: str,
                 steps: list[tuple[str, str, str, type, int]], sse: tuple[str, ...], encoding_type: bool,
                 copy_source: bool) -> None:
        self.operation = operation
        self.method = method
        self.has_key = has_key
        self.static_query = static_query
        self.steps = steps
        self.sse = sse
        self.encoding_type = encoding_type
        self.copy_source = copy_source
        self.simple = not (steps or sse or encoding_type or copy_source)


def _compile(service_model: Any, operation: str, names: tuple[str, ...]) -> _Plan | None:
    """The plan for Params with ``names`` (in order), or None when the fast path can't take them."""
    model = service_model.operation_model(operation)
    shape = model.input_shape
    members = shape.members
    if any(name not in members for name in names) or any(name not in names for name in shape.required_members):
        return None  # the client raises its ParamValidationError
    uri = model.http["requestUri"]
    path, _, static_query = uri.partition("?")
    # botocore rewrites the model's requestUri in place once a bucket operation ran (the bucket
    # moves to the host); both forms mean the same request.
    if path.startswith("/{Bucket}"):
        path = path[len("/{Bucket}"):]
    if path not in ("", "/", "/{Key+}"):
        return None
    has_key = path == "/{Key+}"
    order = list(names)
    encoding_type = operation in _LIST_OPERATIONS and "EncodingType" in members and "EncodingType" not in names
    if encoding_type:
        order.append("EncodingType")
    sse = tuple(p for p in _SSE_PREFIXES if p + "Key" in names and p + "KeyMD5" not in names)
    order.extend(p + "KeyMD5" for p in sse)
    steps: list[tuple[str, str, str, type, int]] = []
    for name in order:
        member = members[name]
        where = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        kind = member.type_name
        minimum = int(member.metadata.get("min", 0))
        if where == "uri":
            if name == "Bucket" or (name == "Key" and has_key):
                continue
            return None
        # Header names are lower-cased here: both signers use them so (SigV2's query too).
        if kind in _KINDS and where in ("querystring", "header"):
            if where == "querystring":
                if encode_query_component(wire) != wire:
                    return None  # the signers write query names as they are
                steps.append((name, "q", wire, _KINDS[kind], minimum))
            else:
                steps.append((name, "h", wire.lower(), _KINDS[kind], minimum))
        elif kind == "list" and where == "header" and member.member.type_name == "string":
            steps.append((name, "l", wire.lower(), list, minimum))
        elif kind == "map" and where == "headers" and member.value.type_name == "string":
            steps.append((name, "m", wire.lower(), dict, 0))
        elif kind == "timestamp" and member.serialization.get("timestampFormat", "rfc822") == "rfc822" and \
                where in ("header", "querystring") and (where == "header" or "timestampFormat" in member.serialization):
            if where != "header" and encode_query_component(wire) != wire:
                return None
            steps.append((name, "t" if where == "header" else "s", wire.lower() if where == "header" else wire, object, 0))
        else:
            return None  # bodies, structures, streams, other formats: the client's own
    copy_source = "CopySource" in names
    return _Plan(operation, model.http["method"], has_key, static_query, steps, sse, encoding_type, copy_source)


def _translate(plan: _Plan, params: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, str]]:
    """(query, headers, what botocore's handlers write back into Params) for one call; raises
    _Delegate for anything outside what the plan was proven with."""
    changed: dict[str, str] = {}
    values = params
    if plan.sse or plan.encoding_type or plan.copy_source:
        values = dict(params)
        if plan.encoding_type:
            changed["EncodingType"] = values["EncodingType"] = "url"
        for prefix in plan.sse:
            changed[prefix + "Key"], changed[prefix + "KeyMD5"] = _sse_c(values[prefix + "Key"])
            values[prefix + "Key"] = changed[prefix + "Key"]
            values[prefix + "KeyMD5"] = changed[prefix + "KeyMD5"]
        if plan.copy_source:
            changed["CopySource"] = values["CopySource"] = _copy_source(values["CopySource"])
    query: list[tuple[str, str]] = []
    headers: list[tuple[str, str]] = []
    for name, where, wire, kind, minimum in plan.steps:
        value = values[name]
        if type(value) is not kind and kind is not object:
            raise _Delegate
        if where == "h" and kind is str:
            if len(value) < minimum or not value or not value.isascii() or not value.isprintable():
                raise _Delegate
            headers.append((wire, value))
        elif where == "q":
            text = value if kind is str else ("true" if value else "false") if kind is bool else str(value)
            if (len(value) if kind is str else value) < minimum:
                raise _Delegate
            query.append((wire, text))
        elif where == "h":
            if kind is bool:
                headers.append((wire, "true" if value else "false"))
            else:
                if value < minimum:
                    raise _Delegate
                headers.append((wire, str(value)))
        elif where == "m":
            names, known = _META_NAMES, _HEADER_TEXT  # a name or value found there passed the checks
            for k, v in value.items():
                if type(k) is not str or type(v) is not str:
                    raise _Delegate
                lower = names.get(k)
                if lower is None:
                    lower = _meta_name(k)  # raises _Delegate unless non-empty printable ASCII
                if v not in known:
                    _header_text(v)  # the same checks
                headers.append((wire + lower, v))
            if len(value) > 1 and len(set(map(str.lower, value))) != len(value):
                raise _Delegate  # Foo and foo: one header with two values
        elif where == "l":
            if not value or len(value) < minimum or any(type(v) is not str or not v or not v.isascii()
                                                        or not v.isprintable() or '"' in v or "," in v for v in value):
                raise _Delegate
            headers.append((wire, ",".join(value)))
        else:  # rfc822 timestamps, from datetime values only
            headers_or_query = headers if where == "t" else query
            headers_or_query.append((wire, _rfc822(value, header=where == "t")))
    return query, headers, changed


def _sse_c(key: Any) -> tuple[str, str]:
    """botocore's sse_md5 handler: the key base64'd, and the base64 MD5 of its bytes."""
    import base64
    import hashlib

    if type(key) is str:
        key = key.encode("utf-8")
    elif type(key) is not bytes:
        raise _Delegate
    return (base64.b64encode(key).decode("utf-8"), base64.b64encode(hashlib.md5(key).digest()).decode("utf-8"))


def _copy_source(source: Any) -> str:
    """botocore's CopySource quoting for a string: the key part encoded, a ``?versionId=`` kept."""
    if type(source) is not str:
        raise _Delegate  # the dict form: the client's own
    import re

    found = re.search(r"\?versionId=[^\s]+$", source)
    if found is None:
        return _quote_copy(source)
    return _quote_copy(source[:found.start()]) + source[found.start():]


def _quote_copy(text: str) -> str:
    return encode_path(text)  # botocore: quote(safe='-._~/'), the path rule


def _rfc822(value: Any, *, header: bool) -> str:
    """botocore's rfc822 timestamp of a datetime: naive means UTC, aware ones are converted."""
    import calendar
    from datetime import datetime, timezone
    from email.utils import formatdate

    if not isinstance(value, datetime):
        raise _Delegate  # strings and numbers are parsed by the client's own rules
    aware = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return formatdate(calendar.timegm(aware.utctimetuple()), usegmt=True)


# -- remembered encodings of Param values ---------------------------------------------------------
#
# Param values other than keys repeat from call to call (a content type, a disposition template,
# metadata names and values): encoding one costs 0.4-1.3 µs (``str.translate``, the fastest
# encoder measured here, ahead of ``bytes.replace`` passes, ``re.sub`` and ``urllib.parse.quote``),
# looking it up ~40 ns. The tables map an exact ``str`` (callers check ``type(v) is str`` first)
# to a pure function of it, so a hit can never give another answer than the encoder; they are
# shared by every presigner, bounded (cleared when full, short values only) and need no lock
# (a ``dict``'s get, set and clear are atomic; a lost entry is only encoded again). Secrets never
# go in: SSE-C keys are not compiled (see ``_v2_program``), session tokens are kept per presigner.

_TEXT_LIMIT = 2048  # entries per table
_TEXT_LONGEST = 256  # characters; longer values are encoded each time
_QUERY_TEXT: dict[str, str] = {}  # value -> its query-component encoding
_HEADER_TEXT: dict[str, tuple[str, str]] = {}  # header value -> (stripped, query-component encoding)
_META_NAMES: dict[str, str] = {}  # Metadata name -> lower case
_V4_VALUES: dict[str, str] = {}  # header value -> SigV4's trimmed form (inner white space runs to one space)
_SECRET_PARAMS = frozenset({"SSECustomerKey", "CopySourceSSECustomerKey"})
_SECRET_HEADERS = frozenset({"x-amz-server-side-encryption-customer-key",
                             "x-amz-copy-source-server-side-encryption-customer-key"})


def _remember(table: dict[str, Any], value: str, answer: Any) -> Any:
    if len(value) <= _TEXT_LONGEST:
        if len(table) >= _TEXT_LIMIT:
            table.clear()
        table[value] = answer
    return answer


def _query_text(value: str) -> str:
    """``value`` (a ``str``) encoded as a query component, remembered."""
    return _remember(_QUERY_TEXT, value, value if _plain_query(value) else encode_query_component(value))  # type: ignore[no-any-return]


def _header_text(value: str) -> tuple[str, str]:
    """(stripped, encoded) of a header value SigV2 moves to the query, remembered; raises
    _Delegate for what botocore would send otherwise (empty, not printable ASCII)."""
    if not value or not value.isascii() or not value.isprintable():
        raise _Delegate
    return _remember(_HEADER_TEXT, value, (value.strip(), value if _plain_query(value) else encode_query_component(value)))  # type: ignore[no-any-return]


def _meta_name(name: str) -> str:
    """A Metadata name in lower case, remembered; raises _Delegate as _translate does."""
    if not name or not name.isascii() or not name.isprintable():
        raise _Delegate
    return _remember(_META_NAMES, name, name.lower())  # type: ignore[no-any-return]


# -- SigV2, compiled per route ---------------------------------------------------------------------

_AMZ, _CONTENT_TYPE, _CONTENT_MD5, _DROPPED, _META = range(5)


class _V2Program:
    """One proven SigV2 route with its Params as steps and its fixed text worked out once.

    ``query``: (Param name, type, minimum, ``"wire="``, place among the sorted sub-resources
    or -1) in plan order; ``subs``: the sorted sub-resources, fixed ones written out and ``""``
    where a query value goes (empty when no query value is one); ``suffix``: the resource's
    fixed sub-resource part otherwise; ``headers``: (Param name, wire name, ``"&name="``, type,
    minimum, role), where role says where SigV2 puts the header (an ``x-amz-`` one in the signed
    list, Content-Type and Content-MD5 in their lines, any other nowhere). Joined with f-strings:
    ``str.format`` costs ~0.1 µs a field, an f-string a few ns.
    """

    __slots__ = ("headers", "method", "prefix", "query", "query_start", "resource", "subs", "suffix")

    def __init__(self, route: _Route, query: tuple[tuple[str, Any, int, str, int], ...], subs: tuple[str, ...],
                 headers: tuple[tuple[str, str, str, Any, int, int], ...]) -> None:
        self.method = route.method
        self.prefix = route.prefix
        self.resource = route.resource
        self.query_start = route.static_v2 + "&" if route.static_v2 else ""
        self.query = query
        self.subs = subs
        self.suffix = route.subs_text
        self.headers = headers


def _v2_program(plan: _Plan, route: _Route) -> _V2Program | None:
    """The compiled form of a SigV2 route, or None when its Params need the general path
    (botocore's handlers rewrite them, timestamps, lists, secrets, a repeated sub-resource)."""
    if plan.sse or plan.encoding_type or plan.copy_source:
        return None
    query: list[tuple[str, Any, str]] = []
    headers: list[tuple[str, str, str, Any, int, int]] = []
    minimums: list[int] = []
    for name, where, wire, kind, minimum in plan.steps:
        if name in _SECRET_PARAMS:
            return None
        if where == "q" and kind in (str, int, bool):
            query.append((name, kind, wire))
            minimums.append(minimum)
        elif where == "h" and kind in (str, int, bool):
            role = _AMZ if wire[:6] == "x-amz-" else _CONTENT_TYPE if wire == "content-type" else \
                _CONTENT_MD5 if wire == "content-md5" else _DROPPED
            headers.append((name, wire, f"&{wire}=", kind, minimum, role))
        elif where == "m":
            headers.append((name, wire, "&" + wire, dict, 0, _META))
        else:
            return None
    # The signed resource: the sub-resources among the static and the query ones, sorted by name.
    dynamic = [wire for _, _, wire in query if wire in _sigv2.SUB_RESOURCES]
    names = [k for k, _ in route.subs] + dynamic
    if len(set(names)) != len(names):
        return None
    order = sorted(names)
    fixed = dict(route.subs)
    subs = tuple(fixed.get(n, "") for n in order) if dynamic else ()
    steps = tuple((name, kind, minimum, wire + "=", order.index(wire) if dynamic and wire in dynamic else -1)
                  for (name, kind, wire), minimum in zip(query, minimums))
    return _V2Program(route, steps, subs, tuple(headers))


# -- routes: what was learned from the client's own URL for one bucket ----------------------------

class _Route:
    """A proven (operation, bucket, Params names): URL prefix, host, scope and signer kind."""

    __slots__ = ("auth", "auth_first", "crt", "host", "host_block", "kind", "method", "path", "plan", "prefix", "region",
                 "resource", "service", "static", "static_v2", "subs", "subs_text", "v2")

    def __init__(self, plan: _Plan, kind: str, prefix: str, region: str, service: str, crt: bool,
                 method: str, bucket: str) -> None:
        self.plan = plan
        self.kind = kind  # "v4", "v2" or "none"
        self.prefix = prefix  # scheme://host/path-prefix, the encoded key follows
        scheme_host, _, rest = prefix.partition("//")[2].partition("/")
        host = scheme_host
        scheme = prefix.partition(":")[0]
        if (scheme == "https" and host.endswith(":443")) or (scheme == "http" and host.endswith(":80")):
            host = host.rpartition(":")[0]
        self.host = host
        self.path = "/" + rest
        self.region = region
        self.service = service
        self.crt = crt
        self.method = method.upper()
        # SigV2 signs the path-style resource whatever the host; for an access point ARN botocore
        # takes the ARN out of it (remove_arn_from_signing_path).
        self.resource = "/" if bucket.startswith("arn:") else f"/{bucket}/"
        self.host_block = f"host:{host}\n"
        static = plan.static_query
        # SigV4 re-reads the query through parse_qs: ``uploads`` becomes ``uploads=``.
        self.static = [(encode_query_component(k), encode_query_component(v))
                       for k, _, v in (p.partition("=") for p in static.split("&"))] if static else []
        self.static_v2 = static  # SigV2 and unsigned URLs keep the model's text: ``?uploads&...``
        self.subs = [(p.partition("=")[0], p) for p in static.split("&") if p.partition("=")[0] in _sigv2.SUB_RESOURCES] \
            if static else []
        self.subs_text = "?" + "&".join(s[1] for s in sorted(self.subs, key=_first)) if self.subs else ""
        # Operation parameters' names sort after every X-Amz-* one (lower case after "X"): the
        # canonical query is then the auth part followed by the sorted operation part.
        names = [n for n, _ in self.static] + [encode_query_component(s[2]) for s in plan.steps if s[1] in "qs"]
        self.auth_first = all(n > "X-Amz-Signature" for n in names)
        self.auth: tuple[Any, ...] = (None,) * 11
        self.v2 = _v2_program(plan, self) if kind == "v2" else None


class Boto3Presigner:
    """``generate_presigned_url`` and ``generate_presigned_post`` with boto3's signatures and
    output, made from a configured client: ``Boto3Presigner(boto3.client("s3"))``."""

    def __init__(self, client: Any) -> None:
        _load()
        self.client = client
        cls = type(client)
        # The class's methods, not the instance's: patch_boto3 replaces the instance's.
        self._original_url: Callable[..., str] = cls.generate_presigned_url.__get__(client, cls)
        self._original_post: Callable[..., dict[str, Any]] = cls.generate_presigned_post.__get__(client, cls)
        self._signer = client._request_signer
        self._model = client.meta.service_model
        self._operations: dict[str, str] = dict(getattr(client, "_PY_TO_OP_NAME", {}))
        emitter = getattr(client.meta.events, "_emitter", None)
        self._emitter = emitter if hasattr(emitter, "_lookup_cache") else None
        self._seen: object = None  # the emitter's lookup cache when its handlers were last checked
        self._clean = False
        self._routes: dict[tuple[Any, ...], _Route] = {}
        self._refused: set[tuple[Any, ...]] = set()
        self._plans: dict[tuple[str, tuple[str, ...]], _Plan | None] = {}
        self._posts: dict[str, tuple[str, str, str, str]] = {}  # bucket -> proven POST route
        self._refused_posts: set[str] = set()
        # (access key id, secret, date stamp, region, service) -> HMAC pad states; one slot
        self._v4_key: tuple[Any, ...] = (None,) * 7
        self._v2_key: tuple[Any, ...] = (None,) * 5
        self._v2_token: tuple[Any, str] = (None, "")  # the session token and its encoding

    def __repr__(self) -> str:
        return f"Boto3Presigner(region={self.client.meta.region_name!r}, routes={len(self._routes)})"

    # -- generate_presigned_url ------------------------------------------------------------------

    def generate_presigned_url(self, ClientMethod: str, Params: Any = None, ExpiresIn: Any = 3600,
                               HttpMethod: Any = None) -> str:
        """What ``client.generate_presigned_url`` returns for the same arguments at the same second."""
        params = {} if Params is None else Params
        try:
            route = self._routes.get((ClientMethod, HttpMethod, params["Bucket"], tuple(params)))
        except Exception:  # no Bucket, not a dict, unhashable values: the client answers
            route = None
        if route is not None and type(ExpiresIn) is int and type(params) is dict \
                and self._emitter._lookup_cache is self._seen and self._clean:  # type: ignore[union-attr]
            try:
                url, changed = self._sign(route, params, ExpiresIn, int(_time()))
            except Exception:  # noqa: BLE001 - _Delegate, or input only the client knows how to refuse
                pass
            else:
                if changed:
                    params.update(changed)
                return url
        return self._learn(ClientMethod, Params, ExpiresIn, HttpMethod)

    def _learn(self, client_method: Any, params: Any, expires_in: Any, http_method: Any) -> str:
        """The client's own answer; when the call is one the fast path could take, also prove (or
        refuse) a route for the next ones by signing the same request ourselves and comparing."""
        original = self._original_url
        kwargs = {"Params": params, "ExpiresIn": expires_in, "HttpMethod": http_method}
        if not self._eligible(client_method, params, expires_in, http_method):
            return original(client_method, **kwargs)
        route_key = (client_method, http_method, params["Bucket"], tuple(params))
        if route_key in self._refused or route_key in self._routes:
            return original(client_method, **kwargs)
        operation = self._operations[client_method]
        names = tuple(params)
        plan_key = (operation, names)
        if plan_key not in self._plans:
            self._plans[plan_key] = _compile(self._model, operation, names)
        plan = self._plans[plan_key]
        if plan is None:
            self._refused.add(route_key)
            return original(client_method, **kwargs)
        snapshot = dict(params)
        answer = None
        for attempt in range(3):
            second = int(_time())
            copy = params if attempt == 0 else dict(snapshot)
            url = original(client_method, Params=copy, ExpiresIn=expires_in, HttpMethod=http_method)
            if answer is None:
                answer = url  # the caller gets the first answer, and the first call's side effects
            if int(_time()) != second:
                continue
            try:
                route = self._route(plan, url, snapshot, http_method)
                ours = self._sign(route, dict(snapshot), expires_in, second)[0] if route is not None else None
            except Exception:  # noqa: BLE001 - not a shape this module signs
                ours = None
            if ours == url and route is not None:
                if not self._handlers_unchanged():
                    break  # a handler came or went meanwhile: prove it again next time
                if len(self._routes) >= _MAX_ROUTES:
                    self._routes.clear()
                self._routes[route_key] = route
                break
            if route is None or attempt == 2:
                self._refused.add(route_key)
                break
        assert answer is not None
        return answer

    def _eligible(self, client_method: Any, params: Any, expires_in: Any, http_method: Any) -> bool:
        if type(params) is not dict or type(expires_in) is not int or client_method not in self._operations:
            return False
        if http_method is not None and type(http_method) is not str:
            return False
        bucket = params.get("Bucket")
        if type(bucket) is not str or bucket.endswith("--x-s3"):  # S3 Express: sessions over the network
            return False
        if len(self._refused) > 4 * _MAX_ROUTES:
            self._refused.clear()
        return self._handlers_unchanged()

    def _handlers_unchanged(self) -> bool:
        """True when only botocore's own handlers are on the events a presign emits."""
        emitter = self._emitter
        if emitter is None:
            return False
        cache = emitter._lookup_cache
        if cache is not self._seen:
            self._routes.clear()
            self._refused.clear()
            self._posts.clear()
            self._refused_posts.clear()
            self._clean = _only_botocore_handlers(emitter, self._operations.values())
            self._seen = cache
        return self._clean

    def _route(self, plan: _Plan, url: str, params: dict[str, Any], http_method: str | None) -> _Route | None:
        """Read the prefix, scope and signer from the client's own URL, or None if it is not a
        shape this module signs."""
        base, _, query = url.partition("?")
        if plan.has_key:
            key = params["Key"]
            if type(key) is not str:
                return None
            encoded = encode_path(key)
            if not base.endswith(encoded):
                return None
            prefix = base[:len(base) - len(encoded)]
        else:
            prefix = base
        fields = query.split("&")
        names = [f.partition("=")[0] for f in fields]
        method = http_method or plan.method
        bucket = params["Bucket"]
        if "X-Amz-Algorithm" in names:
            if "X-Amz-Algorithm=AWS4-HMAC-SHA256" not in fields or any(
                    n.lower() in ("x-amz-region-set", "x-amz-s3session-token") for n in names):
                return None  # SigV4A, S3 Express sessions
            credential = fields[names.index("X-Amz-Credential")].partition("=")[2].split("%2F")
            if len(credential) != 5:
                return None
            crt = names.index("X-Amz-SignedHeaders") < names.index("X-Amz-Expires")
            return _Route(plan, "v4", prefix, credential[2], credential[3], crt, method, bucket)
        if "AWSAccessKeyId" in names:
            return _Route(plan, "v2", prefix, "", "", False, method, bucket)
        if any(n.lower().startswith(("x-amz-", "awsaccesskeyid", "signature")) for n in names) or \
                not _unsigned(self._signer):
            return None  # unsigned by a handler, or something we don't recognise
        return _Route(plan, "none", prefix, "", "", False, method, bucket)

    # -- signing -----------------------------------------------------------------------------------

    def _sign(self, route: _Route, params: dict[str, Any], expires_in: int, second: int) -> tuple[str, dict[str, str]]:
        """(URL, Params botocore's handlers would rewrite) for a proven route at ``second``."""
        plan = route.plan
        if plan.has_key:
            key = params["Key"]
            if type(key) is not str or not key:
                raise _Delegate
            path = key if _plain_path(key) else encode_path(key)
        else:
            path = ""
        if route.v2 is not None:
            return self._sign_v2_compiled(route.v2, path, params, expires_in, second), _UNCHANGED
        if plan.simple:
            query: list[tuple[str, str]] = []
            headers: list[tuple[str, str]] = []
            changed: dict[str, str] = {}
        else:
            query, headers, changed = _translate(plan, params)
        kind = route.kind
        if kind == "v4":
            return self._sign_v4(route, path, query, headers, expires_in, second), changed
        if kind == "v2":
            return self._sign_v2(route, path, query, headers, expires_in, second), changed
        if not _unsigned(self._signer):
            raise _Delegate
        static = plan.static_query
        tail = "&".join([f"{encode_query_component(k)}={encode_query_component(v)}" for k, v in query])
        joined = static + ("&" if static and tail else "") + tail
        return route.prefix + path + ("?" + joined if joined else ""), changed

    def _frozen(self) -> Any:
        credentials = self._signer._credentials
        if credentials is None:
            raise _Delegate  # the client raises NoCredentialsError
        return credentials.get_frozen_credentials()

    def _sign_v4(self, route: _Route, path: str, query: list[tuple[str, str]], headers: list[tuple[str, str]],
                 expires_in: int, second: int) -> str:
        creds = self._frozen()
        access_key, secret, token = creds.access_key, creds.secret_key, creds.token
        if headers:
            signed = [("host", route.host)]
            known = _V4_VALUES
            for name, value in headers:  # names are lower case already
                if name in _V4_UNSIGNED_HEADERS or (name == "content-type" and value == _FORM_CONTENT_TYPE):
                    continue
                if name in _SECRET_HEADERS:
                    trimmed = " ".join(value.split())
                else:
                    trimmed = known.get(value)  # type: ignore[assignment]
                    if trimmed is None:
                        trimmed = _remember(known, value, " ".join(value.split()))
                signed.append((name.strip(), trimmed))
            names = [n for n, _ in signed]
            if len(set(names)) == len(names):
                # _sigv4.canonical_headers with each value trimmed once: sorted, one line each.
                signed.sort()
                block = "".join([f"{n}:{v}\n" for n, v in signed])
                signed_names = ";".join([n for n, _ in signed])
            else:  # a name twice (``a`` and ``a ``): its values join with ","
                block, signed_names = _sigv4.canonical_headers(signed)
        else:
            block, signed_names = route.host_block, "host"
        # The X-Amz-* part changes with the second, expiry, credentials and signed headers only.
        auth = route.auth
        if auth[0] != second or auth[1] != expires_in or auth[2] != access_key or auth[3] != token \
                or auth[4] != signed_names or auth[5] != secret:
            auth = route.auth = self._auth_v4(route, second, expires_in, access_key, token, signed_names, secret)
        if query or route.static:
            known = _QUERY_TEXT  # the values are exact str (_translate checks), never secrets
            op_params = route.static + [(k, known.get(v) or _query_text(v)) for k, v in query]
            if len(op_params) > 1:
                op_params = _unique(op_params)
            op_url = "&".join([f"{k}={v}" for k, v in op_params]) + "&"
            if route.auth_first:
                canonical_query = auth[6] + "&" + "&".join([f"{k}={v}" for k, v in sorted(op_params)])
            else:
                canonical_query = "&".join([f"{k}={v}" for k, v in sorted(op_params + auth[9])])
        else:
            op_url = ""
            canonical_query = auth[6]
        request = f"{route.method}\n{route.path}{path}\n{canonical_query}\n{block}\n{signed_names}\nUNSIGNED-PAYLOAD"
        inner = auth[7].copy()
        inner.update(_sha256(request.encode("utf-8")).hexdigest().encode())
        outer = auth[8].copy()
        outer.update(inner.digest())
        return f"{route.prefix}{path}?{op_url}{auth[10]}&X-Amz-Signature={outer.hexdigest()}"

    def _auth_v4(self, route: _Route, second: int, expires_in: int, access_key: str, token: str | None,
                 signed_names: str, secret: str) -> tuple[Any, ...]:
        _load()
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))
        day = stamp[:8]
        scope = f"{day}/{route.region}/{route.service}/aws4_request"
        auth = [("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", f"{access_key}/{scope}"),
                ("X-Amz-Date", stamp)]
        if route.crt:
            auth += [("X-Amz-SignedHeaders", signed_names), ("X-Amz-Expires", str(expires_in))]
        else:
            auth += [("X-Amz-Expires", str(expires_in)), ("X-Amz-SignedHeaders", signed_names)]
        if token is not None:
            auth.append(("X-Amz-Security-Token", token))
        encoded = [(k, encode_query_component(v)) for k, v in auth]
        canonical = "&".join([f"{k}={v}" for k, v in sorted(encoded)])
        url = "&".join([f"{k}={v}" for k, v in encoded])
        inner, outer = self._v4_pads(access_key, secret, day, route.region, route.service)
        inner = inner.copy()
        inner.update(f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n".encode())
        return (second, expires_in, access_key, token, signed_names, secret, canonical, inner, outer, encoded, url)

    def _v4_pads(self, access_key: str, secret: str, day: str, region: str, service: str) -> tuple[Any, Any]:
        slot = self._v4_key
        if slot[0] == access_key and slot[1] == secret and slot[2] == day and slot[3] == region and slot[4] == service:
            return slot[5], slot[6]
        key = _sigv4.signing_key(secret, day, region, service)
        inner, outer = _sigv4.hmac_pads(key, _sha256)
        self._v4_key = (access_key, secret, day, region, service, inner, outer)
        return inner, outer

    def _sign_v2(self, route: _Route, path: str, query: list[tuple[str, str]], headers: list[tuple[str, str]],
                 expires_in: int, second: int) -> str:
        creds = self._frozen()
        access_key, secret, token = creds.access_key, creds.secret_key, creds.token
        expires = second + expires_in
        resource = route.resource + path
        url_query = route.static_v2
        if query:
            plain = _plain_query
            # The model's query names need no encoding (_compile checks).
            op_query = "&".join([f"{k}={v if plain(v) else encode_query_component(v)}" for k, v in query])
            url_query = f"{url_query}&{op_query}" if url_query else op_query
            # The resource: the sub-resources among the query, sorted by name, values unencoded.
            subs = route.subs + [(k, f"{k}={v}") for k, v in query if k in _sigv2.SUB_RESOURCES]
            if subs:
                subs.sort()  # names are unique: the values never decide
                resource += "?" + "&".join([s[1] for s in subs])
        elif route.subs:
            resource += route.subs_text
        if headers or token:
            md5 = content_type = ""
            amz: list[tuple[str, str]] = []
            tail = ""
            plain = _plain_query
            for name, value in headers:  # names are lower case already
                if name[:6] == "x-amz-":
                    amz.append((name, value.strip()))
                elif name == "content-type":
                    content_type = value.strip()
                elif name == "content-md5":
                    md5 = value.strip()
                else:
                    continue  # SigV2 drops every other header
                tail += f"&{name}={value if plain(value) else encode_query_component(value)}"
            if token:
                amz.append(("x-amz-security-token", token))
                tail += f"&x-amz-security-token={encode_query_component(token)}"
            if len(amz) > 1:
                amz.sort()
            custom = "".join([f"{k}:{v}\n" for k, v in amz])
            to_sign = f"{route.method}\n{md5}\n{content_type}\n{expires}\n{custom}{resource}"
        else:
            to_sign = f"{route.method}\n\n\n{expires}\n{resource}"
            tail = ""
        signature, slot = self._v2_signature(secret, access_key, to_sign)
        return f"{route.prefix}{path}?{url_query + '&' if url_query else ''}AWSAccessKeyId={slot[4]}" \
               f"&Signature={signature}{tail}&Expires={expires}"

    def _sign_v2_compiled(self, program: _V2Program, path: str, params: dict[str, Any], expires_in: int,
                          second: int) -> str:
        """_translate and _sign_v2 in one pass over a compiled route (the same rules, the same
        refusals): per call only the Params' values are read, checked and encoded."""
        op = program.query_start
        suffix = program.suffix
        value: Any
        if program.query:
            known = _QUERY_TEXT
            subs = list(program.subs) if program.subs else None
            for name, kind, minimum, head, place in program.query:
                value = params[name]
                if type(value) is not kind:
                    raise _Delegate
                if kind is str:
                    if len(value) < minimum:
                        raise _Delegate
                    text = known.get(value)
                    if text is None:
                        text = _query_text(value)
                else:
                    if value < minimum:
                        raise _Delegate
                    value = text = str(value) if kind is int else "true" if value else "false"
                op = f"{op}{head}{text}&"
                if place >= 0:
                    subs[place] = head + value  # type: ignore[index]  # the resource keeps values unencoded
            if subs:
                suffix = "?" + "&".join(subs)
        md5 = content_type = tail = ""
        amz: list[tuple[str, str]] = []
        if program.headers:
            headers_known = _HEADER_TEXT
            for name, wire, joint, kind, minimum, role in program.headers:
                value = params[name]
                if type(value) is not kind:
                    raise _Delegate
                if role == _META:
                    names = _META_NAMES
                    for k, v in value.items():
                        if type(k) is not str or type(v) is not str:
                            raise _Delegate
                        lower = names.get(k)
                        if lower is None:
                            lower = _meta_name(k)
                        found = headers_known.get(v)
                        if found is None:
                            found = _header_text(v)
                        amz.append((wire + lower, found[0]))
                        tail = f"{tail}{joint}{lower}={found[1]}"
                    if len(value) > 1 and len(set(map(str.lower, value))) != len(value):
                        raise _Delegate  # Foo and foo: one header with two values
                    continue
                if kind is str:
                    if len(value) < minimum:
                        raise _Delegate
                    found = headers_known.get(value)
                    if found is None:
                        found = _header_text(value)
                    stripped, text = found
                elif kind is int:
                    if value < minimum:
                        raise _Delegate
                    stripped = text = str(value)
                else:
                    stripped = text = "true" if value else "false"
                if role == _AMZ:
                    amz.append((wire, stripped))
                elif role == _CONTENT_TYPE:
                    content_type = stripped
                elif role == _CONTENT_MD5:
                    md5 = stripped
                else:
                    continue  # SigV2 drops every other header
                tail = f"{tail}{joint}{text}"
        creds = self._frozen()
        access_key, secret, token = creds.access_key, creds.secret_key, creds.token
        if token:
            amz.append(("x-amz-security-token", token))
            known_token = self._v2_token
            if known_token[0] != token:
                known_token = self._v2_token = (token, encode_query_component(token))
            tail = f"{tail}&x-amz-security-token={known_token[1]}"
        if amz:
            if len(amz) > 1:
                amz.sort()
            custom = "".join([f"{k}:{v}\n" for k, v in amz])
            to_sign = f"{program.method}\n{md5}\n{content_type}\n{second + expires_in}\n{custom}{program.resource}{path}{suffix}"
        else:
            to_sign = f"{program.method}\n{md5}\n{content_type}\n{second + expires_in}\n{program.resource}{path}{suffix}"
        signature, slot = self._v2_signature(secret, access_key, to_sign)
        return f"{program.prefix}{path}?{op}AWSAccessKeyId={slot[4]}&Signature={signature}{tail}&Expires={second + expires_in}"

    def _v2_signature(self, secret: str, access_key: str, to_sign: str) -> tuple[str, tuple[Any, ...]]:
        """HMAC-SHA1 of the string to sign, base64, encoded for the query (the pads kept per key),
        and the key's slot (its last item: the access key id encoded for the query)."""
        slot = self._v2_key
        if slot[0] != secret or slot[1] != access_key:
            slot = self._v2_pads(secret, access_key)
        inner = slot[2].copy()
        inner.update(to_sign.encode("utf-8"))
        outer = slot[3].copy()
        outer.update(inner.digest())
        signature = _b2a(outer.digest(), newline=False).decode("ascii")
        return signature.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"), slot

    def _v2_pads(self, secret: str, access_key: str) -> tuple[Any, ...]:
        _load()
        import hashlib

        key = secret.encode("utf-8")
        if len(key) > 64:  # RFC 2104: keys longer than the block are hashed first
            key = hashlib.sha1(key).digest()
        block = key.ljust(64, b"\0")
        slot = self._v2_key = (secret, access_key, hashlib.sha1(bytes(b ^ 0x36 for b in block)),
                               hashlib.sha1(bytes(b ^ 0x5C for b in block)), encode_query_component(access_key))
        return slot

    # -- generate_presigned_post -----------------------------------------------------------------

    def generate_presigned_post(self, Bucket: str, Key: str, Fields: Any = None, Conditions: Any = None,
                                ExpiresIn: Any = 3600) -> dict[str, Any]:
        """What ``client.generate_presigned_post`` returns for the same arguments at the same second."""
        route = self._posts.get(Bucket) if type(Bucket) is str else None
        if route is not None and self._post_eligible(Key, Fields, Conditions, ExpiresIn) \
                and self._emitter._lookup_cache is self._seen and self._clean:  # type: ignore[union-attr]
            try:
                return self._post(route, Bucket, Key, Fields, Conditions, ExpiresIn, int(_time()))
            except Exception:  # noqa: BLE001 - anything unusual (a condition json can't write): the client's
                pass
        return self._learn_post(Bucket, Key, Fields, Conditions, ExpiresIn)

    @staticmethod
    def _post_eligible(key: Any, fields: Any, conditions: Any, expires_in: Any) -> bool:
        return (type(key) is str and type(expires_in) is int and -10**8 < expires_in < 10**9
                and (fields is None or type(fields) is dict) and (conditions is None or type(conditions) is list))

    def _learn_post(self, bucket: Any, key: Any, fields: Any, conditions: Any, expires_in: Any) -> dict[str, Any]:
        original = self._original_post
        if type(bucket) is not str or bucket.endswith("--x-s3") or bucket in self._refused_posts or \
                not self._post_eligible(key, fields, conditions, expires_in) or not self._handlers_unchanged():
            return original(bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires_in)
        answer = None
        for attempt in range(3):
            second = int(_time())
            post = original(bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires_in)
            if answer is None:
                answer = post
            if int(_time()) != second:
                continue
            route = self._post_route(post)
            try:
                ours = self._post(route, bucket, key, fields, conditions, expires_in, second) if route else None
            except Exception:  # noqa: BLE001
                ours = None
            if route is not None and ours == post and list(ours["fields"]) == list(post["fields"]):
                if not self._handlers_unchanged():
                    break
                if len(self._posts) >= _MAX_ROUTES:
                    self._posts.clear()
                self._posts[bucket] = route
                break
            if route is None or attempt == 2:
                self._refused_posts.add(bucket)
                break
        assert answer is not None
        return answer

    def _post_route(self, post: Any) -> tuple[str, str, str, str] | None:
        """(kind, url, region, service) read from the client's own POST, or None."""
        if type(post) is not dict or type(post.get("url")) is not str or type(post.get("fields")) is not dict:
            return None
        fields = post["fields"]
        if fields.get("x-amz-algorithm") == "AWS4-HMAC-SHA256" and "x-amz-signature" in fields:
            parts = str(fields.get("x-amz-credential", "")).rsplit("/", 4)
            if len(parts) != 5 or parts[4] != "aws4_request":
                return None
            return ("v4", post["url"], parts[2], parts[3])
        if "AWSAccessKeyId" in fields and "signature" in fields:
            return ("v2", post["url"], "", "")
        if "policy" not in fields and _unsigned(self._signer):
            return ("none", post["url"], "", "")
        return None

    def _post(self, route: tuple[str, str, str, str], bucket: str, key: str, user_fields: dict[str, Any] | None,
              user_conditions: list[Any] | None, expires_in: int, second: int) -> dict[str, Any]:
        """botocore's S3PostPresigner with its SigV4 or SigV2 POST signer, at ``second``."""
        import base64
        import json

        kind, url, region, service = route
        fields = {} if user_fields is None else user_fields.copy()
        conditions = [] if user_conditions is None else user_conditions.copy()
        conditions.append({"bucket": bucket})
        if key.endswith("${filename}"):
            conditions.append(["starts-with", "$key", key[:-len("${filename}")]])
        else:
            conditions.append({"key": key})
        fields["key"] = key
        if kind == "none":
            return {"url": url, "fields": fields}
        policy = {"expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second + expires_in)),
                  "conditions": conditions}
        creds = self._frozen()
        access_key, secret, token = creds.access_key, creds.secret_key, creds.token
        if kind == "v4":
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))
            credential = f"{access_key}/{stamp[:8]}/{region}/{service}/aws4_request"
            fields["x-amz-algorithm"] = "AWS4-HMAC-SHA256"
            fields["x-amz-credential"] = credential
            fields["x-amz-date"] = stamp
            conditions += [{"x-amz-algorithm": "AWS4-HMAC-SHA256"}, {"x-amz-credential": credential},
                           {"x-amz-date": stamp}]
        else:
            fields["AWSAccessKeyId"] = access_key
        if token is not None:
            fields["x-amz-security-token"] = token
            conditions.append({"x-amz-security-token": token})
        encoded = base64.b64encode(json.dumps(policy).encode("utf-8")).decode("utf-8")
        fields["policy"] = encoded
        if kind == "v4":
            inner, outer = self._v4_pads(access_key, secret, stamp[:8], region, service)
            inner = inner.copy()
            inner.update(encoded.encode("utf-8"))
            outer = outer.copy()
            outer.update(inner.digest())
            fields["x-amz-signature"] = outer.hexdigest()
        else:
            slot = self._v2_key
            if slot[0] != secret or slot[1] != access_key:
                slot = self._v2_pads(secret, access_key)
            inner = slot[2].copy()
            inner.update(encoded.encode("utf-8"))
            outer = slot[3].copy()
            outer.update(inner.digest())
            fields["signature"] = _b2a(outer.digest(), newline=False).decode("ascii")
        return {"url": url, "fields": fields}


def _unsigned(signer: Any) -> bool:
    import botocore

    return signer.signature_version is botocore.UNSIGNED


def _first(pair: tuple[str, str]) -> str:
    return pair[0]


_UNCHANGED: dict[str, str] = {}  # what the compiled paths write back into Params: nothing (never filled)


def _unique(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """botocore's SigV4 re-reads the query through a dict: a repeated name keeps its first value
    at its first place."""
    names = [k for k, _ in pairs]
    if len(set(names)) == len(names):
        return pairs
    seen: dict[str, str] = {}
    for k, v in pairs:
        seen.setdefault(k, v)
    return list(seen.items())


_sha256: Any = _sigv4.builtin_sha256
_plain_path: Callable[[str], object] = str.isdigit  # replaced by _load(), which every presigner runs first
_plain_query: Callable[[str], object] = str.isdigit
from binascii import b2a_base64 as _b2a  # noqa: E402



def _load() -> None:
    """OpenSSL's SHA-256 (faster per hash than the built-in one) and the "nothing to encode"
    checks (a regular expression is ~10x faster than translating a key that needs nothing)."""
    global _sha256, _plain_path, _plain_query
    import hashlib
    import re

    _sha256 = hashlib.sha256
    _plain_path = re.compile(PATH_SAFE_PATTERN).fullmatch
    _plain_query = re.compile(r"[A-Za-z0-9\-._~]*").fullmatch



def _handler_identity(handler: Any) -> Any:
    func = getattr(handler, "__func__", handler)
    return getattr(func, "func", func)  # functools.partial


_BOTOCORE_HANDLERS: dict[str, frozenset[Any]] = {}


def _only_botocore_handlers(emitter: Any, operations: Any) -> bool:
    """True when every handler on the events a presign emits is one botocore itself registers
    there (compared with fresh clients made from a new botocore session)."""
    for operation in set(operations):
        for pattern in _EVENTS:
            event = pattern.format(operation)
            allowed = _reference_handlers(event)
            for handler in emitter._handlers.prefix_search(event):
                if _handler_identity(handler) not in allowed:
                    return False
    return True


def _reference_handlers(event: str) -> frozenset[Any]:
    found = _BOTOCORE_HANDLERS.get(event)
    if found is None:
        emitters = _reference_emitters()
        found = frozenset(_handler_identity(h) for e in emitters for h in e._handlers.prefix_search(event))
        _BOTOCORE_HANDLERS[event] = found
    return found


_REFERENCE: list[Any] = []


def _reference_emitters() -> list[Any]:
    """Event emitters of S3 clients as botocore makes them (SigV2-default, SigV4, unsigned,
    custom endpoint), without the user's session or registrations; made once."""
    if not _REFERENCE:
        import botocore
        import botocore.session
        from botocore.config import Config

        session = botocore.session.Session()
        configs = [({"region_name": "us-east-1"}, None), ({"region_name": "eu-central-1"}, Config(signature_version="s3v4")),
                   ({"region_name": "us-west-2"}, Config(signature_version=botocore.UNSIGNED)),
                   ({"region_name": "us-east-1", "endpoint_url": "http://127.0.0.1:9"}, None)]
        for kwargs, config in configs:
            client = session.create_client("s3", aws_access_key_id="AKID", aws_secret_access_key="SECRET",
                                           config=config, **kwargs)
            _REFERENCE.append(client.meta.events._emitter)
    return _REFERENCE
