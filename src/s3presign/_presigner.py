"""The Presigner: credentials + settings, and ``presign(bucket, key)`` -> URL.

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

from . import _sigv2, _sigv4
from ._credentials import Credentials, RefreshableCredentials
from ._encoding import PATH_SAFE_PATTERN, encode_path, encode_query_component
from ._endpoints import Endpoint, EndpointRules
from ._errors import ConfigurationError, InvalidRequestError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from datetime import datetime

    from ._express import ExpressSessions
    from ._post import PresignedPost
    from typing import Any

__all__ = ["METHODS", "MAX_EXPIRES_IN", "PresignedRequest", "Presigner", "SignedDetails", "presign"]

METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD"})
MAX_EXPIRES_IN = 604800  # seven days, the longest S3 accepts for SigV4
MAX_V2_EXPIRES_IN = 100 * 365 * 86400  # SigV2 has no limit; a century keeps the time printable
MAX_KEY_BYTES = 1024
SIGNATURE_VERSIONS = ("v4", "v2")
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

    def __repr__(self) -> str:
        return (f"PresignedRequest(method={self.method!r}, url={_without_query(self.url)!r}, "
                f"headers={sorted(self.headers)!r})")


def _without_query(url: str) -> str:
    """A URL for a repr: the query (which may carry a session token) elided."""
    return url.split("?", 1)[0] + ("?..." if "?" in url else "")


# Query parameters that carry the signature itself: a caller may not set them.
_AUTH_PARAMS = frozenset({
    "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires", "x-amz-signedheaders",
    "x-amz-signature", "x-amz-security-token", "awsaccesskeyid", "signature", "expires",
    "x-amz-region-set", "x-amz-s3session-token",
})
_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _pairs(items: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> list[tuple[str, str]]:
    # Duck-typed: importing collections.abc for an isinstance check costs 3 ms of start-up.
    if items is None:
        return []
    if hasattr(items, "items"):
        return list(items.items())
    return list(items)


def _request_params(params: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> list[tuple[str, str]]:
    pairs = _pairs(params)
    for name, value in pairs:
        if not isinstance(name, str) or not isinstance(value, str) or not name:
            raise InvalidRequestError(f"query parameter {name!r}={value!r}: names and values must be strings")
        if name.lower() in _AUTH_PARAMS:
            raise InvalidRequestError(f"query parameter {name!r} is part of the signature; it cannot be set")
    return pairs


def _request_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> list[tuple[str, str]]:
    pairs = _pairs(headers)
    for name, value in pairs:
        if not isinstance(name, str) or not name or not _TOKEN_CHARS.issuperset(name):
            raise InvalidRequestError(f"invalid header name {name!r}: use letters, digits and '-'")
        if not isinstance(value, str) or "\r" in value or "\n" in value:
            raise InvalidRequestError(f"invalid value for header {name}: it must be one line of text")
        if name.lower() in ("host", "authorization"):
            raise InvalidRequestError(f"header {name} is set by the signature; it cannot be given")
    return pairs


class Presigner:
    """Makes presigned S3 URLs, e.g. ``Presigner(Credentials("AKID", "SECRET"), region="us-west-2")``.

    ``region=None`` signs for us-east-1 and uses the global host, as AWS CLI v2 does;
    ``endpoint_url`` points at an S3-compatible store. The same inputs and ``now`` always give
    the same URL. Safe to share between threads and to pickle.
    """

    __slots__ = (
        "_credentials", "_rules", "_signature_version", "_v2", "_endpoints", "_day", "_second", "_source", "_static",
        "_v4a_key", "_express", "_express_auth", "_special", "_keys",
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
        express_sessions: ExpressSessions | None = None,
    ) -> None:
        if not isinstance(credentials, (Credentials, RefreshableCredentials)):
            raise ConfigurationError("credentials must be an s3presign.Credentials or RefreshableCredentials")
        if signature_version not in SIGNATURE_VERSIONS:
            raise ConfigurationError(
                f"invalid signature version {signature_version!r}: use v4 (or v2 for old stores)"
            )
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
        # bucket -> (url prefix, canonical URI prefix, canonical request tail)
        self._endpoints: dict[str, tuple[str, str, str]] = {}
        # (date stamp, inner HMAC pad state, outer HMAC pad state, the credentials they came from)
        self._day: tuple[str, Any, Any, Credentials | None] = ("", None, None, None)
        # (epoch second, expires_in, X-Amz-* query, inner state with string-to-sign prefix, outer state)
        self._second: tuple[int, Any, str, Any, Any] = (-1, None, "", None, None)
        # (access key id, secret, SigV4A private key): derived once, on the first SigV4A URL
        self._v4a_key: tuple[str, str, Any] | None = None
        # S3 Express One Zone: where CreateSession keys come from (made on first use)
        self._express = express_sessions
        self._express_auth = not disable_express_session_auth
        # Access points, MRAPs, Outposts, directory buckets: their endpoints, and SigV4 signing keys
        # per (key id, day, region, service), each with the secret it was derived from
        self._special: dict[str, Endpoint] = {}
        self._keys: dict[tuple[str, str, str, str], tuple[str, bytes]] = {}

    # -- public -----------------------------------------------------------------------------

    @classmethod
    def from_config(
        cls,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        *,
        addressing_style: str | None = None,
        advisory_refresh: float = 900,
        mandatory_refresh: float = 600,
        refresh_for_url_lifetime: bool = False,
    ) -> Presigner:
        """A signer configured as AWS CLI v2 would be: ``Presigner.from_config(profile="dev")``.

        Reads the environment and the AWS config and credentials files (see ``_config``).
        Temporary credentials (role, web identity, SSO, container, instance metadata, a
        credential_process with Expiration) refresh themselves: see ``RefreshableCredentials``
        for the three refresh settings.
        """
        from ._config import resolve

        resolved = resolve(profile=profile, region=region, endpoint_url=endpoint_url,
                           addressing_style=addressing_style)
        credentials = resolved.credentials.value
        if isinstance(credentials, RefreshableCredentials):
            credentials = RefreshableCredentials(
                credentials.fetch, advisory_refresh=advisory_refresh, mandatory_refresh=mandatory_refresh,
                refresh_for_url_lifetime=refresh_for_url_lifetime, credentials=credentials._fresh[1],
                name=credentials.name)
        if resolved.store.value is not None:  # the profile's s3presign_provider
            from ._stores import build

            return build(credentials, resolved.store.value, **resolved.presigner_kwargs())  # type: ignore[arg-type]
        return cls(credentials, **resolved.presigner_kwargs())  # type: ignore[arg-type]

    @classmethod
    def for_provider(
        cls,
        name: str,
        credentials: Credentials,
        *,
        region: str | None = None,
        account_id: str | None = None,
        endpoint_url: str | None = None,
        addressing_style: str | None = None,
        signature_version: str = "v4",
    ) -> Presigner:
        """A signer set up for a store, e.g. ``Presigner.for_provider("r2", creds, account_id="abc123")``.

        The preset fills in the endpoint, region and addressing style (the arguments given win)
        and the signer refuses what the store refuses (``s3presign providers`` lists them).
        """
        from ._stores import for_store

        return for_store(name, credentials, region=region, account_id=account_id, endpoint_url=endpoint_url,
                         addressing_style=addressing_style, signature_version=signature_version)

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
    def express_sessions(self) -> ExpressSessions:
        """The S3 Express One Zone session keys this signer uses, per directory bucket (cached in memory)."""
        if self._express is None:
            from ._express import ExpressSessions

            self._express = ExpressSessions()
        return self._express

    def endpoint(self, bucket: str) -> Endpoint:
        """Where a bucket's URLs point: ``signer.endpoint("my-bkt").url_prefix``."""
        return self._rules.endpoint_for(bucket)

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
            if not self._signs_paths(bucket):
                return self.presign_details(bucket, key, method, expires_in, now).url  # own region, keys...
            url_prefix, uri_prefix, tail = self._bucket(bucket)
        if isinstance(key, str) and key.isascii() and 0 < len(key) <= 1024 and _plain_path(key):
            path = key  # nothing to encode, by far the most common case
        else:
            path = _encoded_key(key)
        if method not in METHODS:
            raise _bad_method(method)
        second = int(_time()) if now is None else _epoch_second(now)
        slot_second, slot_expires, query, inner, outer = self._second
        if slot_second != second or slot_expires != expires_in or type(expires_in) is not int or (
                now is not None and self._source is not None):  # refreshing credentials: see _new_second
            _, _, query, inner, outer = self._new_second(second, expires_in, now is None)  # validates expires_in
        inner = inner.copy()
        inner.update(_sha256(f"{method}\n{uri_prefix}{path}\n{query}{tail}".encode()).hexdigest().encode())
        outer = outer.copy()
        outer.update(inner.digest())
        return f"{url_prefix}{path}?{query}&X-Amz-Signature={outer.hexdigest()}"

    def _presign_keys(self, bucket: str, keys: Sequence[str], method: str = "GET",
                      expires_in: int = 3600) -> list[str]:
        """``[self.presign(bucket, key, method, expires_in) for key in keys]``, up to 1.25x the rate.

        For bulk callers that hold many keys of one bucket (a block of input, an Arrow chunk):
        the keys are encoded in one loop (plain keys as they are, folders from the cache), then
        signed by ``_presign_paths``. A key the fast form cannot take (long, no folder, folder
        not yet cached, not text) is encoded the long way, which raises the error ``presign``
        raises for a bad key.
        """
        if not self._signs_paths(bucket):
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
        return self._presign_paths(bucket, paths, method, expires_in)

    def _signs_paths(self, bucket: str) -> bool:
        """Whether ``_presign_paths`` can sign this bucket's URLs: SigV4 with the signer's own
        region and credentials (not SigV2, not an ARN or directory bucket that needs its own)."""
        return not self._v2 and not (
            (bucket[:4] == "arn:" or bucket[-6:] == "--x-s3") and not self._plain_sigv4(bucket))

    def _presign_paths(self, bucket: str, paths: Sequence[str], method: str = "GET",
                       expires_in: int = 3600) -> list[str]:
        """URLs for keys already encoded for the path (``encode_path``, checked as ``presign``
        checks keys), for a bucket ``_signs_paths`` takes.

        The bucket, method and signing second are looked up once per 512 paths rather than once
        per URL, and the two hashes are inlined. The clock is read again every 512 paths (about a
        millisecond), so URLs are signed at the second they are made and refreshing credentials
        are checked as often as by ``presign``.
        """
        if method not in METHODS:
            raise _bad_method(method)
        url_prefix, uri_prefix, tail = self._endpoints.get(bucket) or self._bucket(bucket)
        sha256 = _sha256
        urls: list[str] = []
        append = urls.append
        for start in range(0, len(paths), 512):
            second = int(_time())
            _, _, query, inner_pad, outer_pad = (
                self._second if self._second[:2] == (second, expires_in) and type(expires_in) is int
                else self._new_second(second, expires_in))
            head = f"{method}\n{uri_prefix}"
            middle = f"\n{query}{tail}"
            url_middle = f"?{query}&X-Amz-Signature="
            for path in paths[start:start + 512]:
                inner = inner_pad.copy()
                inner.update(sha256(f"{head}{path}{middle}".encode()).hexdigest().encode())
                outer = outer_pad.copy()
                outer.update(inner.digest())
                append(f"{url_prefix}{path}{url_middle}{outer.hexdigest()}")
        return urls

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
        they arrive in the query (checksums, server-side encryption).
        """
        pairs = _pairs(headers)
        creds = self._snapshot(expires_in)
        details = self._details(creds, bucket, key, method, expires_in, now, params=_pairs(params), headers=pairs)
        return PresignedRequest(details.url, method, dict(pairs), details.signed_at, expires_in, creds.expires_at)

    def presign_post(
        self,
        bucket: str,
        key: str,
        *,
        expires_in: int = 3600,
        conditions: Iterable[object] = (),
        fields: Mapping[str, str] | None = None,
        now: datetime | None = None,
    ) -> PresignedPost:
        """A browser form upload: ``signer.presign_post("bkt", "uploads/${filename}",
        conditions=[["content-length-range", 1, 10_000_000]])`` -> url, fields, expires_at."""
        from ._post import presign_post

        return presign_post(self, bucket, key, expires_in=expires_in, conditions=conditions, fields=fields, now=now)

    def presign_many(
        self,
        items: Iterable[str | tuple[str, str]],
        method: str = "GET",
        expires_in: int = 3600,
    ) -> Iterator[str]:
        """Yield URLs lazily, in order: ``signer.presign_many(["s3://bkt/a", ("bkt", "b")])``."""
        from ._bulk import presign_many

        return presign_many(self, items, method=method, expires_in=expires_in)

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
        return self._details(self._snapshot(expires_in), bucket, key, method, expires_in, now, params=params,
                             headers=headers)

    def _snapshot(self, expires_in: object) -> Credentials:
        """The credentials to sign one URL with: refreshed when due (or, with refresh_for_url_lifetime,
        when they would end the URL early)."""
        if self._static is not None:
            return self._static
        source = self._source
        assert source is not None
        creds = source.credentials
        if type(expires_in) is int:
            creds = source._for_lifetime(creds, source._clock() + expires_in)
        return creds

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
        path = endpoint.path_prefix + encode_path(_checked_key(key)) if key is not None else (
            endpoint.path_prefix.rstrip("/") or "/")
        if method not in METHODS:
            raise _bad_method(method)
        second = int(time.time()) if now is None else _epoch_second(now)
        params = _request_params(params)
        headers = [(name.lower(), value) for name, value in _request_headers(headers)]
        if self._v2:
            if endpoint.signing_service != "s3" or endpoint.algorithm != "v4":
                raise ConfigurationError(
                    f"bucket {bucket} needs SigV4{'A' if endpoint.algorithm == 'v4a' else ''} "
                    f"(service {endpoint.signing_service}): use signature version v4")
            return self._presign_v2(creds, endpoint, bucket, key, path, method, expires_in, second, params, headers)
        _check_expires_in(expires_in)
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
            signature = _sigv4.signature(self._signing_key(credentials, amz_date[:8], endpoint), to_sign)
        url = f"{endpoint.scheme}://{endpoint.netloc}{path}?{query}&X-Amz-Signature={signature}"
        return SignedDetails(url, second, canonical, to_sign)

    def _signing_key(self, credentials: Credentials, date_stamp: str, endpoint: Endpoint) -> bytes:
        """SigV4 signing key per (key id, day, region, service), kept with the secret it came from."""
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
        return (
            _rebuild,
            (self._credentials, rules.region, rules.endpoint_url, rules.addressing_style,
             self._signature_version, rules.use_dualstack, rules.use_accelerate, rules.use_fips,
             rules.use_arn_region, rules.disable_multiregion_access_points, not self._express_auth,
             self._express),
        )

    def __repr__(self) -> str:
        rules = self._rules
        where = f", endpoint_url={rules.endpoint_url!r}" if rules.endpoint_url else ""
        current = self._static or (self._source._fresh[1] if self._source is not None else None)
        key_id = current.access_key_id if current is not None else None
        return (
            f"Presigner(access_key_id={key_id!r}, region={rules.region!r}{where}, "
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

    def _new_second(self, second: int, expires_in: Any, wall_clock: bool = True) -> tuple[int, Any, str, Any, Any]:
        _check_expires_in(expires_in)
        source = self._source
        reusable = True
        if source is None:
            creds = self._static
        else:
            # Refreshing credentials are checked here, once a second, not per URL: the slot is kept
            # for the rest of this wall-clock second only when their deadline (see _credentials) is
            # not inside it; otherwise (and with a clock of their own, or a given `now`) every call
            # comes back here.
            deadline, snapshot = source._fresh
            creds = source._due() if snapshot is None or source._clock() >= deadline else snapshot
            creds = source._for_lifetime(creds, second + 1.0 + expires_in)
            deadline, current = source._fresh
            reusable = wall_clock and source._clock is _time and current is creds and deadline >= second + 1
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
        _check_expires_in(expires_in, "v2")
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


def presign(
    uri: str,
    method: str = "GET",
    expires_in: int = 3600,
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
) -> str:
    """One URL with the AWS configuration, like ``aws s3 presign``: ``presign("s3://bkt/key")``."""
    from ._uri import parse_s3_uri

    bucket, key = parse_s3_uri(uri)
    signer = Presigner.from_config(profile=profile, region=region, endpoint_url=endpoint_url)
    return signer.presign_details(bucket, key, method, expires_in).url


def _rebuild(
    credentials: Credentials | RefreshableCredentials, region: str | None, endpoint_url: str | None, addressing_style: str,
    signature_version: str, use_dualstack: bool, use_accelerate: bool, use_fips: bool,
    use_arn_region: bool = True, disable_multiregion_access_points: bool = False,
    disable_express_session_auth: bool = False, express_sessions: ExpressSessions | None = None,
) -> Presigner:
    return Presigner(
        credentials, region=region, endpoint_url=endpoint_url, addressing_style=addressing_style,
        signature_version=signature_version, use_dualstack=use_dualstack,
        use_accelerate=use_accelerate, use_fips=use_fips, use_arn_region=use_arn_region,
        disable_multiregion_access_points=disable_multiregion_access_points,
        disable_express_session_auth=disable_express_session_auth, express_sessions=express_sessions,
    )


def _checked_key(key: str) -> str:
    """Return ``key`` if S3 can store it, else raise ``InvalidRequestError``."""
    if not isinstance(key, str):
        raise InvalidRequestError(f"the object key must be a string, not {type(key).__name__}")
    if not key:
        raise InvalidRequestError("the object key is empty: give it as s3://BUCKET/KEY")
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidRequestError(
            f"the object key {key!r} is not valid Unicode text (it holds a lone surrogate)"
        ) from None
    if size > MAX_KEY_BYTES:
        raise InvalidRequestError(
            f"the object key is {size} bytes long in UTF-8; S3 allows at most {MAX_KEY_BYTES}"
        )
    return key


def _encoded_key(key: str) -> str:
    """A key that needs encoding (or checking) as it goes in the URL path and the canonical
    request, or the clear error for it; the callers take plain keys as they are first."""
    if isinstance(key, str) and 0 < len(key) <= 256:
        return _encode_short_key(key)  # at most 4 UTF-8 bytes a character: within 1024 bytes
    return encode_path(_checked_key(key))


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
        return encode_path(_checked_key(key))  # a lone surrogate: raises the clear error


def _check_expires_in(expires_in: Any, signature_version: str = "v4") -> None:
    if signature_version == "v2":  # SigV2 signs an absolute time: no limit but the calendar's (year 9999)
        if type(expires_in) is not int or not 1 <= expires_in <= MAX_V2_EXPIRES_IN:
            raise InvalidRequestError(f"invalid expiry {expires_in!r}: give a whole number of seconds, at least 1 "
                                      f"and at most {MAX_V2_EXPIRES_IN} (a century)")
        return
    if type(expires_in) is not int or not 1 <= expires_in <= MAX_EXPIRES_IN:
        raise InvalidRequestError(
            f"invalid expiry {expires_in!r}: SigV4 URLs last from 1 to {MAX_EXPIRES_IN} seconds (7 days); "
            "give a whole number of seconds in that range"
        )


def _bad_method(method: object) -> InvalidRequestError:
    return InvalidRequestError(
        f"invalid HTTP method {method!r}: use one of GET, PUT, DELETE, HEAD"
    )


def _epoch_second(now: datetime) -> int:
    try:
        offset = now.utcoffset()
    except AttributeError:
        raise InvalidRequestError(f"now must be a datetime, not {type(now).__name__}") from None
    if offset is None:
        raise InvalidRequestError(
            "now must be an aware datetime, e.g. datetime.now(timezone.utc), so the signing time is unambiguous"
        )
    return int(now.timestamp())  # an aware datetime's timestamp is the UTC epoch time
