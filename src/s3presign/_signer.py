"""The signing core: ``Signer`` holds the settings, the caches and the fast path.

May import only the layers below it: the pure steps of the specs (``_sigv4``, ``_sigv4a``,
``_sigv2``, ``_encoding``, ``_endpoints``), the shared rules (``_checks``), and the ground
(``_credentials``, ``_errors``); a store preset's limits arrive as an object (see ``Signer``).
Never a wing (``_post``, ``_bulk``, ``arrow``, ``_express``, ``_inspect``, ``_stores``) nor the
front door (``_presigner``), not even for a type: they stand on this module.

Theory of operation. A presigned GET/PUT/DELETE/HEAD URL with only ``host`` signed has a
canonical request whose parts vary on three axes:

- per signer and second: the ``X-Amz-*`` query (credential scope, date, expiry, token), the
  string-to-sign prefix, and the signing key (which changes once a day);
- per bucket: the URL prefix, the canonical URI prefix and the ``host`` header;
- per call: the method and the encoded key.

So each call encodes the key (usually a no-op check), joins a handful of strings, hashes the
canonical request once and finishes one HMAC. The pieces that vary less often are cached in
single slots (per second) and a small per-bucket dict. The HMAC is finished from saved SHA-256
states (``_sigv4.hmac_pads``): the inner state has already absorbed the key pad and the
per-second string-to-sign prefix (algorithm, date, scope), so a call hashes only the last
64 hex digits. The generic step functions in ``_sigv4`` produce the same strings; the tests
check both against the published vectors and botocore.
"""
from __future__ import annotations

import time

from . import _sigv4
from ._checks import (
    METHODS,
    check_expires_in,
    check_signature_version,
    checked_key,
    epoch_second,
    normal_method,
    pairs,
    request_headers,
    request_params,
    whole_seconds,
)
from ._credentials import Credentials, RefreshableCredentials
from ._encoding import PATH_SAFE_PATTERN, encode_path, encode_query_component
from ._endpoints import Endpoint, EndpointRules
from ._errors import ConfigurationError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from datetime import datetime
    from typing import Any, Protocol

    class Limits(Protocol):
        """What a store preset refuses (``_stores.Store`` is one): the signer calls ``check`` where it
        already stops (once per signing second and expiry on the fast path, on every slow-path call)."""

        name: str

        def check(self, *, method: str, expires_in: int, signature_version: str, addressing_style: str,
                  params: Iterable[tuple[str, str]] = (), headers: Iterable[tuple[str, str]] = (),
                  options: Iterable[str] = ()) -> list[str]: ...

    class Sessions(Protocol):
        """Where directory buckets' session keys come from (``_express.ExpressSessions`` is one)."""

        def credentials_for(self, signer: Signer, bucket: str, *, now: int,
                            endpoint: Endpoint | None = None) -> Credentials: ...

__all__ = ["PresignedRequest", "SignedDetails", "Signer"]

_MAX_CACHED_BUCKETS = 4096
_MAX_CACHED_FOLDERS = 4096

_time = time.time

# The fast path's tools: OpenSSL's SHA-256 (2.5x faster per hash than the built-in one) and a
# regular expression for "nothing to encode". Importing them costs several milliseconds, more
# than a one-URL command spends signing, so they load on first use: every presign() meets a
# new bucket in _bucket() first, which calls _load_fast_path().
_sha256: Callable[[bytes], Any] = _sigv4.builtin_sha256
_plain_path: Callable[[str], object] = bool


def _load_fast_path() -> None:
    global _sha256, _plain_path
    import hashlib
    import re

    _sha256 = hashlib.sha256
    _plain_path = re.compile(PATH_SAFE_PATTERN).fullmatch


class SignedDetails:
    """What went into one signature, for ``--debug`` and tests: the URL, when it was signed
    (epoch seconds), the canonical request (empty for SigV2) and the string to sign."""

    __slots__ = ("canonical_request", "signed_at", "string_to_sign", "url")

    def __init__(self, url: str, signed_at: int, canonical_request: str, string_to_sign: str) -> None:
        self.url = url
        self.signed_at = signed_at
        self.canonical_request = canonical_request
        self.string_to_sign = string_to_sign

    def __repr__(self) -> str:
        return f"SignedDetails(url={_without_query(self.url)!r})"


class PresignedRequest:
    """A presigned request: ``url``, ``method``, the ``headers`` the client must send exactly, and
    ``expires_at`` (an aware datetime; ``signed_at`` and ``expires_in`` as numbers)."""

    __slots__ = ("credentials_expire_at", "expires_in", "headers", "method", "signed_at", "url")

    def __init__(self, url: str, method: str, headers: dict[str, str], signed_at: int, expires_in: int,
                 credentials_expire_at: datetime | None = None) -> None:
        self.url = url
        self.method = method
        self.headers = headers
        self.signed_at = signed_at
        self.expires_in = expires_in
        self.credentials_expire_at = credentials_expire_at

    @property
    def expires_at(self) -> datetime:
        """When the URL stops working: its expiry, or earlier when the credentials that signed it expire."""
        from datetime import datetime, timezone

        ends = datetime.fromtimestamp(self.signed_at + self.expires_in, timezone.utc)
        if self.credentials_expire_at is not None and self.credentials_expire_at < ends:
            return self.credentials_expire_at
        return ends

    @property
    def expires_early(self) -> bool:
        """True when temporary credentials end the URL before its X-Amz-Expires would."""
        ends = self.credentials_expire_at
        return ends is not None and ends.timestamp() < self.signed_at + self.expires_in

    def to_dict(self) -> dict[str, object]:
        """Plain values, JSON-ready (times as ISO 8601 text): ``json.dumps(signed.to_dict())``."""
        ends = self.credentials_expire_at
        return {"url": self.url, "method": self.method, "headers": dict(self.headers), "signed_at": self.signed_at,
                "expires_in": self.expires_in, "expires_at": self.expires_at.isoformat(),
                "credentials_expire_at": None if ends is None else ends.isoformat()}

    def __repr__(self) -> str:
        return (f"PresignedRequest(method={self.method!r}, url={_without_query(self.url)!r}, "
                f"headers={sorted(self.headers)!r})")


def _without_query(url: str) -> str:
    """A URL for a repr: the query (which may carry a session token) elided."""
    return url.split("?", 1)[0] + ("?..." if "?" in url else "")


class Signer:
    """The signing core: ``Signer(Credentials("AKID", "SECRET"), region="us-west-2").presign("bkt", "k")``.

    Holds the settings, the caches and the fast path; ``Presigner`` (the front door) adds the
    conveniences that need configuration files and wings. ``store`` is a preset's limits (an
    object with ``check(...)``, such as ``_stores.get_store("r2")``): the signer runs it at the
    points it already visits, so every way of signing keeps the store's limits. The batch door
    (``signs_paths``, ``presign_keys``, ``presign_paths``, ``sign_paths``) is for wings that sign many keys of
    one bucket. Safe to share between threads and to pickle (settings only, caches are rebuilt).
    """

    __slots__ = (
        "_credentials", "_rules", "_signature_version", "_v2", "_endpoints", "_day", "_second", "_source", "_static",
        "_v4a_key", "_express", "_express_auth", "_special", "_keys", "_store",
    )

    def __init__(
        self,
        credentials: Credentials | RefreshableCredentials,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        addressing_style: str = "auto",
        signature_version: str = "v4",
        use_dualstack: bool = False,
        use_accelerate: bool = False,
        use_fips: bool = False,
        use_arn_region: bool = True,
        disable_multiregion_access_points: bool = False,
        disable_express_session_auth: bool = False,
        express_sessions: Sessions | None = None,
        store: Limits | None = None,
    ) -> None:
        if not isinstance(credentials, (Credentials, RefreshableCredentials)):
            raise ConfigurationError("credentials must be an s3presign.Credentials or RefreshableCredentials")
        check_signature_version(signature_version)
        self._credentials = credentials  # as given, for pickling and the repr
        # Exactly one is set: the refreshing source, or the fixed credentials.
        self._source = credentials if isinstance(credentials, RefreshableCredentials) else None
        self._static = credentials if isinstance(credentials, Credentials) else None
        self._rules = EndpointRules(
            region=region,
            endpoint_url=endpoint_url,
            addressing_style=addressing_style,
            use_dualstack=bool(use_dualstack),
            use_accelerate=bool(use_accelerate),
            use_fips=bool(use_fips),
            use_arn_region=bool(use_arn_region),
            disable_multiregion_access_points=bool(disable_multiregion_access_points),
        )
        self._signature_version = signature_version
        self._v2 = signature_version == "v2"
        self._store = store
        # bucket -> (url prefix, canonical URI prefix, canonical request tail)
        self._endpoints: dict[str, tuple[str, str, str]] = {}
        # (date stamp, inner HMAC pad state, outer HMAC pad state, the credentials they came from)
        self._day: tuple[str, Any, Any, Credentials | None] = ("", None, None, None)
        # (epoch second, expires_in, X-Amz-* query, inner state with string-to-sign prefix, outer state)
        self._second: tuple[int, Any, str, Any, Any] = (-1, None, "", None, None)
        # (access key id, secret, SigV4A private key): derived once, on the first SigV4A URL
        self._v4a_key: tuple[str, str, Any] | None = None
        # S3 Express One Zone: where CreateSession keys come from (the front door makes one on first use)
        self._express = express_sessions
        self._express_auth = not disable_express_session_auth
        # Access points, MRAPs, Outposts, directory buckets: their endpoints, and SigV4 signing keys
        # per (key id, day, region, service), each with the secret it was derived from
        self._special: dict[str, Endpoint] = {}
        self._keys: dict[tuple[str, str, str, str], tuple[str, bytes]] = {}

    # -- settings ---------------------------------------------------------------------------

    @property
    def credentials(self) -> Credentials:
        """The credentials this signer signs with now (refreshed first when due; the repr hides the secret)."""
        return self._static if self._static is not None else self._source.credentials  # type: ignore[union-attr]

    def refresh(self) -> Credentials:
        """Fetch new credentials now when they refresh themselves (blocking): ``signer.refresh()``."""
        if self._source is None:
            return self.credentials
        creds = self._source.refresh()
        self._second = (-1, None, "", None, None)  # sign with them from now on, not from the next second
        return creds

    async def refresh_async(self) -> Credentials:
        """``await signer.refresh_async()``: ``refresh()`` in a worker thread, off the event loop."""
        import asyncio

        return await asyncio.to_thread(self.refresh)

    async def keep_fresh(self, *, lead: float | None = None) -> None:
        """Refresh ahead of time in a worker thread until cancelled (returns at once for fixed
        credentials): ``task = asyncio.create_task(signer.keep_fresh())``."""
        if self._source is not None:
            await self._source.keep_fresh(lead=lead)

    @property
    def region(self) -> str | None:
        """The configured region, or None for the global endpoint."""
        return self._rules.region

    @property
    def signing_region(self) -> str:
        """The region in the credential scope: ``region`` or us-east-1."""
        return self._rules.signing_region

    @property
    def signature_version(self) -> str:
        """``"v4"`` or ``"v2"``."""
        return self._signature_version

    @property
    def addressing_style(self) -> str:
        """``"auto"``, ``"path"`` or ``"virtual"``: ``signer.addressing_style``."""
        return self._rules.addressing_style

    @property
    def rules(self) -> EndpointRules:
        """The endpoint settings (region, endpoint URL, style, dualstack ...) this signer addresses buckets with."""
        return self._rules

    @property
    def store(self) -> Limits | None:
        """The store preset whose limits this signer keeps, or None: ``signer.store.name == "r2"``."""
        return self._store

    @property
    def express_sessions(self) -> Sessions:
        """Where this signer gets S3 Express One Zone session keys (``Presigner`` makes them on first use)."""
        if self._express is None:
            raise ConfigurationError("directory buckets need S3 Express sessions: give express_sessions= "
                                     "(s3presign's Presigner makes them itself)")
        return self._express

    def endpoint(self, bucket: str) -> Endpoint:
        """Where a bucket's URLs point: ``signer.endpoint("my-bkt").url_prefix``."""
        return self._rules.endpoint_for(bucket)

    def check_limits(self, method: str, expires_in: object, *, params: Iterable[tuple[str, str]] = (),
                     headers: Iterable[tuple[str, str]] = (), options: Iterable[str] = ()) -> None:
        """Refuse what the store preset refuses (``InvalidRequestError``); nothing without a preset.

        The signer calls it itself on every path; a wing that signs something other than a URL
        (a POST policy) calls it through ``begin``. ``options`` names options without a header
        (``{"acl"}`` for a form field)."""
        store = self._store
        if store is not None and (type(expires_in) is int or self._v2):
            store.check(method=method, expires_in=expires_in, signature_version=self._signature_version,  # type: ignore[arg-type]
                        addressing_style=self._rules.addressing_style, params=params, headers=headers,
                        options=options)

    def begin(self, method: str, expires_in: int, now: datetime | None = None, *,
              options: Iterable[str] = ()) -> tuple[int, Credentials]:
        """For a wing that signs something other than a URL (a POST policy): check ``method`` and
        ``expires_in`` against the store's limits and the signature version's, and return the
        signing second and the credentials to sign with: ``second, creds = signer.begin("POST", 600)``."""
        self.check_limits(method, expires_in, options=options)
        check_expires_in(expires_in, self._signature_version)
        second = int(_time()) if now is None else epoch_second(now)
        return second, self.credentials

    # -- one URL ----------------------------------------------------------------------------

    def presign(
        self,
        bucket: str,
        key: str,
        method: str = "GET",
        expires_in: int = 3600,
        now: datetime | None = None,
        *,
        params: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> str:
        """Presign one request: ``signer.presign("my-bkt", "a/b.txt", method="PUT", expires_in=600)``.

        ``params`` adds query parameters (``{"versionId": "v1"}``); ``headers`` are signed and must
        be sent by the client exactly (``{"Content-Type": "text/csv"}``): see ``presign_request``.
        """
        if self._v2 or params or headers:
            return self.presign_request(bucket, key, method=method, expires_in=expires_in, now=now,
                                        params=params, headers=headers).url
        try:
            url_prefix, uri_prefix, tail = self._endpoints[bucket]
        except KeyError:
            if not self.signs_paths(bucket):
                return self.presign_details(bucket, key, method, expires_in, now).url  # own region, keys...
            url_prefix, uri_prefix, tail = self._bucket(bucket)
        if isinstance(key, str) and key.isascii() and 0 < len(key) <= 1024 and _plain_path(key):
            path = key  # nothing to encode, by far the most common case
        else:
            path = _encoded_key(key)
        if method not in METHODS:
            method = normal_method(method)  # "get" is GET; anything else raises
        second = int(_time()) if now is None else epoch_second(now)
        slot_second, slot_expires, query, inner, outer = self._second
        if slot_second != second or slot_expires != expires_in or type(expires_in) is not int or (
                now is not None and self._source is not None):  # refreshing credentials: see _new_second
            expires_in = whole_seconds(expires_in)  # timedelta(hours=1), 3600.0 -> 3600
            # validates expires_in and runs the store's limits
            _, _, query, inner, outer = self._new_second(second, expires_in, now is None, method)
        inner = inner.copy()
        inner.update(_sha256(f"{method}\n{uri_prefix}{path}\n{query}{tail}".encode()).hexdigest().encode())
        outer = outer.copy()
        outer.update(inner.digest())
        return f"{url_prefix}{path}?{query}&X-Amz-Signature={outer.hexdigest()}"

    # -- the batch door: many keys of one bucket ---------------------------------------------

    def presign_keys(self, bucket: str, keys: Sequence[str], method: str = "GET",
                     expires_in: int = 3600) -> list[str]:
        """``[signer.presign(bucket, key, method, expires_in) for key in keys]``, up to 1.25x the rate:
        ``signer.presign_keys("bkt", ["a.csv", "b.csv"])``.

        For bulk callers that hold many keys of one bucket (a block of input, an Arrow chunk):
        the keys are encoded in one loop (plain keys as they are, folders from the cache), then
        signed by ``presign_paths``. A key the fast form cannot take (long, no folder, folder
        not yet cached, not text) is encoded the long way, which raises the error ``presign``
        raises for a bad key.
        """
        expires_in = whole_seconds(expires_in)
        if not self.signs_paths(bucket):
            return [self.presign(bucket, key, method, expires_in) for key in keys]
        if bucket not in self._endpoints:
            self._bucket(bucket)  # checks the bucket, and loads the fast path's tools on first use
        plain, folders, encode = _plain_path, _encoded_folders, encode_path
        paths: list[str] = []
        append = paths.append
        for key in keys:
            try:
                if key.isascii() and plain(key) and 0 < len(key) <= 1024:
                    append(key)  # nothing to encode
                    continue
                # Hive-style and other folders: from the cache (as _encode_short_key does)
                folder, slash, name = key.rpartition("/")
                if not slash or len(key) > 256:
                    raise KeyError(key)
                append(folders[folder] + (name if name.isascii() and plain(name) else encode(name)))
            except (KeyError, TypeError, AttributeError, UnicodeEncodeError):
                append(_encoded_key(key))  # encodes it (caching its folder) or raises its error
        return self.presign_paths(bucket, paths, method, expires_in)

    def signs_paths(self, bucket: str) -> bool:
        """Whether ``presign_paths`` can sign this bucket's URLs: SigV4 with the signer's own
        region and credentials (not SigV2, not an ARN or directory bucket that needs its own):
        ``if signer.signs_paths("bkt"): signer.presign_paths("bkt", paths)``."""
        return not self._v2 and not (
            (bucket[:4] == "arn:" or bucket[-6:] == "--x-s3") and not self._plain_sigv4(bucket))

    def presign_paths(self, bucket: str, paths: Sequence[str], method: str = "GET",
                      expires_in: int = 3600) -> list[str]:
        """URLs for keys already encoded for the path (``encode_path``, checked as ``presign``
        checks keys), for a bucket ``signs_paths`` takes: ``signer.presign_paths("bkt", ["a%3D1/b"])``.

        The bucket, method and signing second are looked up once per 512 paths rather than once
        per URL, and the two hashes are inlined. The clock is read again every 512 paths (about a
        millisecond), so URLs are signed at the second they are made and refreshing credentials
        are checked as often as by ``presign``; the store's limits with them.
        """
        if method not in METHODS:
            method = normal_method(method)
        expires_in = whole_seconds(expires_in)
        url_prefix, uri_prefix, tail = self._endpoints.get(bucket) or self._bucket(bucket)
        if not paths:
            self.check_limits(method, expires_in)
            return []
        sha256 = _sha256
        urls: list[str] = []
        append = urls.append
        for start in range(0, len(paths), 512):
            head, middle, url_middle, inner_pad, outer_pad = self._block(method, expires_in, uri_prefix, tail)
            for path in paths[start:start + 512]:
                inner = inner_pad.copy()
                inner.update(sha256(f"{head}{path}{middle}".encode()).hexdigest().encode())
                outer = outer_pad.copy()
                outer.update(inner.digest())
                append(f"{url_prefix}{path}{url_middle}{outer.hexdigest()}")
        return urls

    def _block(self, method: str, expires_in: int, uri_prefix: str, tail: str) -> tuple[str, str, str, Any, Any]:
        """What a block of paths is signed with at this second (the clock is read once a block):
        the canonical request's head and middle, the URL's middle, and the HMAC pads."""
        second = int(_time())
        _, _, query, inner_pad, outer_pad = (
            self._second if self._second[:2] == (second, expires_in) and type(expires_in) is int
            else self._new_second(second, expires_in, True, method))
        return f"{method}\n{uri_prefix}", f"\n{query}{tail}", f"?{query}&X-Amz-Signature=", inner_pad, outer_pad

    def sign_paths(self, bucket: str, paths: Sequence[str], method: str = "GET",
                   expires_in: int = 3600) -> tuple[str, list[tuple[int, str]], list[str]]:
        """``presign_paths`` in parts, for a caller that joins the URLs itself (Arrow, in its own
        buffers): ``(url prefix, runs, signatures)``, where URL ``i`` is ``url prefix + paths[i] +
        query + signatures[i]`` and ``query`` is that of the last run ``(start, query)`` with
        ``start <= i`` (a new run starts when the signing second changes):
        ``prefix, runs, signatures = signer.sign_paths("bkt", ["a%3D1/b"])``.

        The same checks, clock and caches as ``presign_paths``; only the URL strings are not made.
        """
        if method not in METHODS:
            method = normal_method(method)
        expires_in = whole_seconds(expires_in)
        url_prefix, uri_prefix, tail = self._endpoints.get(bucket) or self._bucket(bucket)
        runs: list[tuple[int, str]] = []
        if not paths:
            self.check_limits(method, expires_in)
            return url_prefix, runs, []
        sha256 = _sha256
        signatures: list[str] = []
        append = signatures.append
        for start in range(0, len(paths), 512):
            head, middle, url_middle, inner_pad, outer_pad = self._block(method, expires_in, uri_prefix, tail)
            if not runs or runs[-1][1] != url_middle:
                runs.append((start, url_middle))
            for path in paths[start:start + 512]:
                inner = inner_pad.copy()
                inner.update(sha256(f"{head}{path}{middle}".encode()).hexdigest().encode())
                outer = outer_pad.copy()
                outer.update(inner.digest())
                append(outer.hexdigest())
        return url_prefix, runs, signatures

    # -- the slow path: headers, parameters, SigV2, SigV4A, access points ---------------------

    def presign_request(
        self,
        bucket: str,
        key: str,
        *,
        method: str = "GET",
        expires_in: int = 3600,
        params: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        now: datetime | None = None,
    ) -> PresignedRequest:
        """A URL plus the headers the client must send: ``signer.presign_request("bkt", "k", method="PUT",
        headers={"Content-Type": "text/csv"}).headers``.

        Every header is signed (listed in X-Amz-SignedHeaders), never moved into the query: S3 then
        refuses a request whose header differs or is missing, and it ignores some headers when
        they arrive in the query (checksums, server-side encryption). ``Presigner.presign_request``
        also takes the command's request options as keywords.
        """
        method, expires_in = normal_method(method), whole_seconds(expires_in)
        header_pairs, param_pairs = pairs(headers), pairs(params)
        self.check_limits(method, expires_in, params=param_pairs, headers=header_pairs)
        creds = self._snapshot(expires_in)
        details = self._details(creds, bucket, key, method, expires_in, now, params=param_pairs, headers=header_pairs)
        return PresignedRequest(details.url, method, dict(header_pairs), details.signed_at, expires_in,
                                creds.expires_at)

    def presign_details(
        self,
        bucket: str,
        key: str | None,
        method: str = "GET",
        expires_in: int = 3600,
        now: datetime | None = None,
        *,
        params: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> SignedDetails:
        """Presign with every step spelled out: the URL, canonical request and string to sign.

        ``params`` are extra query parameters (``[("versionId", "v1")]``); ``headers`` are headers
        the client must send exactly, signed (``[("Content-Type", "text/csv")]``). ``key=None``
        addresses the bucket itself (listing). Never contains the secret.
        """
        method, expires_in = normal_method(method), whole_seconds(expires_in)
        header_pairs, param_pairs = pairs(headers), pairs(params)
        self.check_limits(method, expires_in, params=param_pairs, headers=header_pairs)
        return self._details(self._snapshot(expires_in), bucket, key, method, expires_in, now, params=param_pairs,
                             headers=header_pairs)

    def _snapshot(self, expires_in: object) -> Credentials:
        """The credentials to sign one URL with: refreshed when due (or, with refresh_for_url_lifetime,
        when they would end the URL early)."""
        if self._static is not None:
            return self._static
        source = self._source
        assert source is not None
        if type(expires_in) is int:
            return source.for_url(source.clock() + expires_in)
        return source.credentials

    def _details(
        self,
        creds: Credentials,
        bucket: str,
        key: str | None,
        method: str,
        expires_in: int,
        now: datetime | None,
        *,
        params: Mapping[str, str] | Iterable[tuple[str, str]] | None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
    ) -> SignedDetails:
        endpoint = self._special.get(bucket) or self._endpoint_for(bucket)
        path = endpoint.path_prefix + encode_path(checked_key(key)) if key is not None else (
            endpoint.path_prefix.rstrip("/") or "/")
        if method not in METHODS:
            method = normal_method(method)
        second = int(time.time()) if now is None else epoch_second(now)
        params = request_params(params)
        headers = [(name.lower(), value) for name, value in request_headers(headers)]
        if self._v2:
            if endpoint.signing_service != "s3" or endpoint.algorithm != "v4":
                raise ConfigurationError(
                    f"bucket {bucket} needs SigV4{'A' if endpoint.algorithm == 'v4a' else ''} "
                    f"(service {endpoint.signing_service}): use signature version v4")
            return self._presign_v2(creds, endpoint, bucket, key, path, method, expires_in, second, params, headers)
        check_expires_in(expires_in)
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))
        header_block, signed = _sigv4.canonical_headers([("host", endpoint.host_header), *headers])
        credentials = creds
        v4a = endpoint.algorithm == "v4a"  # Multi-Region Access Points, Outposts: see _sigv4a
        token_param = "X-Amz-Security-Token"
        if endpoint.signing_service == "s3express" and self._express_auth:
            # S3 Express One Zone: sign with the bucket's CreateSession keys; the session token
            # travels as X-Amz-S3session-Token (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateSession.html)
            credentials = self.express_sessions.credentials_for(self, bucket, now=second, endpoint=endpoint)
            token_param = "X-Amz-S3session-Token"
        if v4a:
            from . import _sigv4a

            scope = _sigv4a.credential_scope(amz_date[:8], endpoint.signing_service)
        else:
            scope = _sigv4.credential_scope(amz_date[:8], endpoint.signing_region, endpoint.signing_service)
        auth = _sigv4.auth_query_params(
            access_key_id=credentials.access_key_id,
            scope=scope,
            amz_date=amz_date,
            expires_in=expires_in,
            signed_headers=signed,
            session_token=credentials.session_token,
            token_param=token_param,
            algorithm=_sigv4a.ALGORITHM if v4a else _sigv4.ALGORITHM,
            region_set=endpoint.signing_region if v4a else None,
        )
        query = _sigv4.canonical_query_string(params + auth)
        canonical = _sigv4.canonical_request(method, path, query, header_block, signed)
        if v4a:
            to_sign = _sigv4a.string_to_sign(amz_date, scope, canonical)
            signature = _sigv4a.signature(self._v4a_private_key(credentials), to_sign)
        else:
            to_sign = _sigv4.string_to_sign(amz_date, scope, canonical)
            signature = _sigv4.signature(self.signing_key(credentials, amz_date[:8], endpoint), to_sign)
        url = f"{endpoint.scheme}://{endpoint.netloc}{path}?{query}&X-Amz-Signature={signature}"
        return SignedDetails(url, second, canonical, to_sign)

    def signing_key(self, credentials: Credentials, date_stamp: str, endpoint: Endpoint) -> bytes:
        """The SigV4 signing key for a day and an endpoint's region and service, cached per (key id, day,
        region, service) with the secret it came from: ``signer.signing_key(creds, "20261201", endpoint)``."""
        slot = (credentials.access_key_id, date_stamp, endpoint.signing_region, endpoint.signing_service)
        cached = self._keys.get(slot)
        if cached is None or cached[0] != credentials.secret_access_key:
            cached = (credentials.secret_access_key, _sigv4.signing_key(
                credentials.secret_access_key, date_stamp, endpoint.signing_region, endpoint.signing_service))
            if len(self._keys) >= 64:
                self._keys.clear()
            self._keys[slot] = cached
        return cached[1]

    def _v4a_private_key(self, credentials: Credentials) -> Any:
        """The SigV4A key derived from these credentials, once per key (see ``_sigv4a.derive_private_key``)."""
        from . import _sigv4a

        cached = self._v4a_key
        if cached is None or cached[0] != credentials.access_key_id or cached[1] != credentials.secret_access_key:
            cached = (credentials.access_key_id, credentials.secret_access_key,
                      _sigv4a.private_key(credentials.access_key_id, credentials.secret_access_key))
            self._v4a_key = cached
        return cached[2]

    def _plain_sigv4(self, bucket: str) -> bool:
        """Whether an ARN or directory bucket signs like a plain bucket (SigV4, service s3, the
        signer's region and keys), so the fast path serves it: an access point in the client's region."""
        endpoint = self._special.get(bucket) or self._endpoint_for(bucket)
        return (endpoint.algorithm == "v4" and endpoint.signing_service == "s3"
                and endpoint.signing_region == self._rules.signing_region)

    def _endpoint_for(self, bucket: str) -> Endpoint:
        endpoint = self._rules.endpoint_for(bucket)
        if bucket[:4] == "arn:" or bucket[-6:] == "--x-s3":
            if len(self._special) >= _MAX_CACHED_BUCKETS:
                self._special.clear()
            self._special[bucket] = endpoint
        return endpoint

    # -- pickling: settings only, caches are rebuilt ----------------------------------------

    def __reduce__(self) -> tuple[Any, ...]:
        rules = self._rules
        settings = {
            "region": rules.region, "endpoint_url": rules.endpoint_url, "addressing_style": rules.addressing_style,
            "signature_version": self._signature_version, "use_dualstack": rules.use_dualstack,
            "use_accelerate": rules.use_accelerate, "use_fips": rules.use_fips, "use_arn_region": rules.use_arn_region,
            "disable_multiregion_access_points": rules.disable_multiregion_access_points,
            "disable_express_session_auth": not self._express_auth, "express_sessions": self._express,
            "store": self._store,
        }
        return (_rebuild, (type(self), self._credentials, settings))

    def __repr__(self) -> str:
        rules = self._rules
        store = f"store={self._store.name!r}, " if self._store is not None else ""
        where = f", endpoint_url={rules.endpoint_url!r}" if rules.endpoint_url else ""
        current = self._static or (self._source.current if self._source is not None else None)
        key_id = current.access_key_id if current is not None else None
        return (
            f"{type(self).__name__}({store}access_key_id={key_id!r}, region={rules.region!r}{where}, "
            f"addressing_style={rules.addressing_style!r}, signature_version={self._signature_version!r})"
        )

    # -- caches -----------------------------------------------------------------------------

    def _bucket(self, bucket: str) -> tuple[str, str, str]:
        if _plain_path is bool:
            _load_fast_path()
        endpoint = self._rules.endpoint_for(bucket)
        entry = (endpoint.url_prefix, endpoint.path_prefix,
                 f"\nhost:{endpoint.host_header}\n\nhost\n{_sigv4.UNSIGNED_PAYLOAD}")
        if len(self._endpoints) >= _MAX_CACHED_BUCKETS:
            self._endpoints.clear()
        self._endpoints[bucket] = entry
        return entry

    def _new_second(self, second: int, expires_in: Any, wall_clock: bool = True,
                    method: str = "GET") -> tuple[int, Any, str, Any, Any]:
        # The store's limits and the expiry are checked here, once per second and expiry: the
        # fast path's methods (GET, PUT, DELETE, HEAD) share every store's limits.
        self.check_limits(method, expires_in)
        check_expires_in(expires_in)
        source = self._source
        reusable = True
        if source is None:
            creds = self._static
        else:
            # Refreshing credentials are checked here, once a second, not per URL: the slot is kept
            # for the rest of this wall-clock second only when their deadline (see _credentials) is
            # not inside it; otherwise (and with a clock of their own, or a given `now`) every call
            # comes back here.
            creds = source.for_url(second + 1.0 + expires_in)
            reusable = wall_clock and source.steady_until(creds, _time) >= second + 1
        assert creds is not None
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))
        date_stamp = amz_date[:8]
        region = self._rules.signing_region
        day = self._day
        if day[0] != date_stamp or day[3] is not creds:
            key = _sigv4.signing_key(creds.secret_access_key, date_stamp, region)
            day = (date_stamp, *_sigv4.hmac_pads(key, _sha256), creds)
            self._day = day
        scope = _sigv4.credential_scope(date_stamp, region)
        params = _sigv4.auth_query_params(
            access_key_id=creds.access_key_id,
            scope=scope,
            amz_date=amz_date,
            expires_in=expires_in,
            signed_headers="host",
            session_token=creds.session_token,
        )
        query = _sigv4.canonical_query_string(params)
        inner = day[1].copy()
        inner.update(f"{_sigv4.ALGORITHM}\n{amz_date}\n{scope}\n".encode())
        slot = (second, expires_in, query, inner, day[2])
        if reusable:
            self._second = slot
        return slot

    # -- SigV2 ------------------------------------------------------------------------------

    def _presign_v2(
        self, creds: Credentials, endpoint: Endpoint, bucket: str, key: str | None, path: str, method: str, expires_in: int,
        second: int, params: list[tuple[str, str]], headers: list[tuple[str, str]],
    ) -> SignedDetails:
        from . import _sigv2  # SigV2 only: binascii and SHA-1 stay off the start-up path

        check_expires_in(expires_in, "v2")
        expires = second + expires_in
        token = creds.session_token
        amz = [(k, v) for k, v in headers if k.startswith("x-amz-")]
        if token:
            amz.append(("x-amz-security-token", token))
        encoded_key = path[len(endpoint.path_prefix):] if key is not None else ""
        resource = _sigv2.canonical_resource(
            bucket, encoded_key, [(k, v) for k, v in params if k in _sigv2.SUB_RESOURCES])
        plain = dict(headers)
        to_sign = _sigv2.string_to_sign(method, expires, resource, content_md5=plain.get("content-md5", ""),
                                        content_type=plain.get("content-type", ""), amz_headers=amz)
        signature = _sigv2.signature(creds.secret_access_key, to_sign)
        query = "".join(f"{encode_query_component(k)}={encode_query_component(v)}&" for k, v in params)
        query += (
            f"AWSAccessKeyId={encode_query_component(creds.access_key_id)}"
            f"&Expires={expires}&Signature={encode_query_component(signature)}"
        )
        if token:
            query += f"&x-amz-security-token={encode_query_component(token)}"
        return SignedDetails(f"{endpoint.scheme}://{endpoint.netloc}{path}?{query}", second, "", to_sign)




def _rebuild(cls: type[Signer], credentials: Credentials | RefreshableCredentials, settings: dict[str, Any]) -> Signer:
    return cls(credentials, **settings)


def _encoded_key(key: str) -> str:
    """A key that needs encoding (or checking) as it goes in the URL path and the canonical
    request, or the clear error for it; the callers take plain keys as they are first."""
    if isinstance(key, str) and 0 < len(key) <= 256:
        return _encode_short_key(key)  # at most 4 UTF-8 bytes a character: within 1024 bytes
    return encode_path(checked_key(key))


# Encoded folders of recent keys ("year=2026/month=11" -> "year%3D2026/month%3D11/"), bounded.
_encoded_folders: dict[str, str] = {}


def _encode_short_key(key: str) -> str:
    """Encode a key of at most 256 characters, its folder part from a cache.

    Keys of a data set share their folders and differ in the file name: Hive partitions
    (``year=2026/month=11/part-0001.parquet``), dates, user names. ``=``, spaces and the like
    would send every such key through ``str.translate``, about 30 ns a character; a dict lookup
    of the folder plus the plain-name check costs a fraction of that. Same result as
    ``encode_path(key)``: encoding is per character, so it can be done piecewise.
    """
    folder, slash, name = key.rpartition("/")
    try:
        try:
            encoded = _encoded_folders[folder]
        except KeyError:
            if not slash:  # no folder ("" is only ever stored for "/name")
                return encode_path(key)
            encoded = encode_path(folder) + "/"
            if len(_encoded_folders) >= _MAX_CACHED_FOLDERS:
                _encoded_folders.clear()
            _encoded_folders[folder] = encoded
        if not slash:
            return encode_path(key)
        if name.isascii() and _plain_path(name):
            return encoded + name
        return encoded + encode_path(name)
    except UnicodeEncodeError:
        return encode_path(checked_key(key))  # a lone surrogate: raises the clear error


