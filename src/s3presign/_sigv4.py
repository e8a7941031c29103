"""AWS Signature Version 4, one function per step: the query-string ("presigned URL") form, and
``signed_headers``, the header form, for the calls s3presign makes itself (S3 Express
CreateSession, STS, the service's S3 calls).

Theory of operation (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html):

1. ``canonical_request``: METHOD, the encoded path, the canonical query string (every parameter
   but X-Amz-Signature, names and values encoded, sorted), the canonical headers, the list of
   signed headers and the payload hash (S3 presigned URLs use ``UNSIGNED-PAYLOAD``), joined by
   newlines.
2. ``string_to_sign``: the algorithm, the request time, the credential scope
   (``date/region/service/aws4_request``) and the hex SHA-256 of the canonical request.
3. ``signing_key``: HMAC-SHA256 chained over the date, region, service and ``aws4_request``,
   starting from ``"AWS4" + secret``. It depends only on those four values, so callers cache it
   for the day.
4. ``signature``: hex HMAC-SHA256 of the string to sign under the signing key.

Nothing here reads the clock, the environment or the network: the time comes in as strings.
Hashing uses the interpreter's built-in SHA-256 (``_sha256``), not OpenSSL's: loading OpenSSL
costs more start-up time than a command that signs one URL spends hashing.
A pure layer: imports only ``_encoding`` (and ``_credentials`` for a type).
The fast path in ``_signer`` builds the same strings with fewer steps; the tests hold both
to the published vectors and to botocore.
"""

from __future__ import annotations

try:
    from _sha256 import sha256  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # Python 3.12+ keeps it in _sha2
    from _sha2 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]

from ._encoding import encode_query_component

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from typing import Any

    from ._credentials import Credentials

__all__ = [
    "ALGORITHM",
    "UNSIGNED_PAYLOAD",
    "auth_query_params",
    "builtin_sha256",
    "canonical_headers",
    "canonical_query_string",
    "canonical_request",
    "credential_scope",
    "hmac_pads",
    "hmac_sha256",
    "signature",
    "signed_headers",
    "signing_key",
    "string_to_sign",
]

builtin_sha256 = sha256
ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


def canonical_query_string(params: Iterable[tuple[str, str]]) -> str:
    """Encode each name and value, sort by encoded name then value, join: ``b=2&a=1`` -> ``a=1&b=2``."""
    encoded = sorted((encode_query_component(k), encode_query_component(v)) for k, v in params)
    return "&".join(f"{k}={v}" for k, v in encoded)


def canonical_headers(headers: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """Return (canonical header block, signed header list) for ``[("Host", "h"), ("X-A", " 1  2 ")]``.

    Names are lower-cased and sorted; values are trimmed and inner runs of white space
    (line folds included) collapse to one space; repeated names join their values with ``,``.
    """
    merged: dict[str, list[str]] = {}
    for name, value in headers:
        merged.setdefault(name.strip().lower(), []).append(" ".join(value.split()))
    names = sorted(merged)
    block = "".join(f"{n}:{','.join(merged[n])}\n" for n in names)
    return block, ";".join(names)


def canonical_request(
    method: str,
    canonical_uri: str,
    canonical_query: str,
    canonical_header_block: str,
    signed_headers: str,
    payload_hash: str = UNSIGNED_PAYLOAD,
) -> str:
    """Join the six parts of step 1: ``canonical_request("GET", "/k", "", "host:h\\n", "host")``."""
    return (
        f"{method}\n{canonical_uri}\n{canonical_query}\n"
        f"{canonical_header_block}\n{signed_headers}\n{payload_hash}"
    )


def credential_scope(date_stamp: str, region: str, service: str = "s3") -> str:
    """``credential_scope("20130524", "us-east-1") == "20130524/us-east-1/s3/aws4_request"``."""
    return f"{date_stamp}/{region}/{service}/aws4_request"


def string_to_sign(amz_date: str, scope: str, canonical_request_text: str) -> str:
    """Step 2: ``string_to_sign("20130524T000000Z", scope, creq)``."""
    digest = sha256(canonical_request_text.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def signing_key(secret_access_key: str, date_stamp: str, region: str, service: str = "s3") -> bytes:
    """Step 3: ``signing_key(secret, "20130524", "us-east-1")``; cache it per day."""
    key = hmac_sha256(("AWS4" + secret_access_key).encode("utf-8"), date_stamp.encode())
    key = hmac_sha256(key, region.encode())
    key = hmac_sha256(key, service.encode())
    return hmac_sha256(key, b"aws4_request")


def signature(key: bytes, string_to_sign_text: str) -> str:
    """Step 4: hex HMAC-SHA256, ``signature(signing_key(...), sts)``."""
    return hmac_sha256(key, string_to_sign_text.encode("utf-8")).hex()


def hmac_pads(key: bytes, hash_new: Callable[[bytes], Any] = sha256) -> tuple[Any, Any]:
    """SHA-256 states after absorbing ``key XOR ipad`` and ``key XOR opad`` (RFC 2104, section 2).

    HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)). Keeping both states turns each HMAC under
    the same key into two cheap state copies instead of a full set-up (about 3x faster than
    ``hmac.digest``): ``inner, outer = hmac_pads(key); inner.update(m); outer.update(inner.digest())``.
    ``hash_new`` picks the SHA-256 implementation (the fast path passes OpenSSL's).
    """
    if len(key) > 64:  # RFC 2104: keys longer than the block are hashed first
        key = sha256(key).digest()
    block = key.ljust(64, b"\0")
    return hash_new(bytes(b ^ 0x36 for b in block)), hash_new(bytes(b ^ 0x5C for b in block))


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA256 (RFC 2104): ``hmac_sha256(b"key", b"message").hex()``."""
    inner, outer = hmac_pads(key)
    inner.update(message)
    outer.update(inner.digest())
    return outer.digest()  # type: ignore[no-any-return]


def auth_query_params(
    *,
    access_key_id: str,
    scope: str,
    amz_date: str,
    expires_in: int,
    signed_headers: str,
    session_token: str | None,
    token_param: str = "X-Amz-Security-Token",
    algorithm: str = ALGORITHM,
    region_set: str | None = None,
) -> list[tuple[str, str]]:
    """The ``X-Amz-*`` parameters of a presigned URL, X-Amz-Signature excepted, unencoded.

    ``token_param`` names the session token's parameter: S3 Express sessions use
    ``X-Amz-S3session-Token``. SigV4A passes its ``algorithm`` and ``region_set``."""
    params = [
        ("X-Amz-Algorithm", algorithm),
        ("X-Amz-Credential", f"{access_key_id}/{scope}"),
        ("X-Amz-Date", amz_date),
        ("X-Amz-Expires", str(expires_in)),
    ]
    if region_set is not None:
        params.append(("X-Amz-Region-Set", region_set))
    if session_token:
        params.append((token_param, session_token))
    params.append(("X-Amz-SignedHeaders", signed_headers))
    return params


def signed_headers(
    *,
    credentials: Credentials,
    method: str,
    path: str,
    params: Sequence[tuple[str, str]],
    headers: Sequence[tuple[str, str]],
    payload_hash: str,
    region: str,
    amz_date: str,
    service: str = "s3",
) -> list[tuple[str, str]]:
    """``headers`` plus X-Amz-Date, X-Amz-Security-Token (if any) and Authorization: the header form
    of SigV4 (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html), for a
    request whose encoded path is ``path``: ``signed_headers(credentials=c, method="POST", path="/b/k", ...)``.

    ``headers`` must include Host, and every header given is signed; ``amz_date`` is ``YYYYMMDDTHHMMSSZ``.
    """
    all_headers = [*headers, ("X-Amz-Date", amz_date)]
    if credentials.session_token:
        all_headers.append(("X-Amz-Security-Token", credentials.session_token))
    block, names = canonical_headers(all_headers)
    scope = credential_scope(amz_date[:8], region, service)
    canonical = canonical_request(method, path, canonical_query_string(params), block, names, payload_hash)
    key = signing_key(credentials.secret_access_key, amz_date[:8], region, service)
    authorization = (f"{ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
                     f"SignedHeaders={names}, Signature={signature(key, string_to_sign(amz_date, scope, canonical))}")
    return [*all_headers, ("Authorization", authorization)]
