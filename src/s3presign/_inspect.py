"""Read a presigned URL back: what it grants, whether it verifies, and why S3 refused it.

Theory of operation. A SigV4 presigned URL carries everything that was signed except the method
and the values of signed headers other than ``host``: the canonical request can be rebuilt from
the URL (path as sent, query without X-Amz-Signature, host) once those are known. Verifying
means rebuilding it for a method (and header values), signing it with a local secret, and
comparing in constant time. Explaining a refusal compares that rebuilt request with what S3
says it computed (the ``CanonicalRequest`` and ``StringToSign`` of a SignatureDoesNotMatch
error), and, where S3 does not say, tries the likely variations (another method, the key
encoded twice) with the local secret. SigV2 URLs work the same way with their string to sign.
SigV4A URLs (Multi-Region Access Points, Outposts) cannot be re-signed to compare, since ECDSA
signatures are randomized: they verify under the public key derived from the local secret.
S3 Express URLs are SigV4 signed with a session key: its secret comes from the command's session
cache (``_express``), since no profile holds it.

A wing: imports the pure layers, ``_config`` (local secrets) and ``_express`` (cached sessions);
never the signer or the front door.
"""

from __future__ import annotations

import time

from . import _sigv2, _sigv4
from ._errors import InvalidRequestError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Iterable, Mapping, Sequence
    from urllib.parse import SplitResult

__all__ = ["Explanation", "PresignInfo", "Verification", "explain", "inspect", "inspect_post", "is_cloudfront", "redact", "verify",
           "verify_with"]


def is_cloudfront(text: str) -> bool:
    """Whether ``text`` is a CloudFront signed URL or Cookie header (``_cloudfront_inspect`` reads those)."""
    return "Key-Pair-Id=" in text and "Signature=" in text


def unquote(text: str) -> str:
    from urllib.parse import unquote as _unquote  # urllib.parse is kept off the import path: start-up

    return _unquote(text)


def urlsplit(url: str) -> SplitResult:
    from urllib.parse import urlsplit as _urlsplit

    return _urlsplit(url)


def redact(text: str, values: Sequence[str]) -> str:
    """``text`` with each value shown as ``***``: plain, and in every form a URL's trip can give it,
    whole or partly encoded (``redact("a%2Fb/c", ["a/b/c"]) == "***"``)."""
    for value in values:
        if value:
            text = _pattern(value).sub("***", text)
    return text


def _pattern(value: str) -> re.Pattern[str]:
    """Each character of ``value`` as it may come back, independently of its neighbours: as is,
    percent-encoded once or twice (either case), and ``+`` or space as the other (a base64 session
    token's ``+`` when a server form-decodes the query), so a token that a client or S3 encoded only
    in part is still found."""
    import re

    pieces = []
    for char in value:
        forms = {re.escape(char)}
        for c in {char, "+", " "} if char in "+ " else {char}:
            hexes = "".join(f"%{b:02X}" for b in c.encode("utf-8"))
            forms.add(re.escape(hexes).replace("%", "%(?:25)?"))
            forms.add(re.escape(c))
        pieces.append("(?:" + "|".join(sorted(forms, key=len, reverse=True)) + ")")
    return re.compile("".join(pieces), re.IGNORECASE)


def _same(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())  # constant time: no timing oracle on the signature

_METHODS = ("GET", "PUT", "HEAD", "DELETE")
_V4_AUTH = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
            "X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Region-Set", "X-Amz-S3session-Token"}
_V4A_ALGORITHM = "AWS4-ECDSA-P256-SHA256"
_V2_AUTH = {"AWSAccessKeyId", "Expires", "Signature", "x-amz-security-token"}


class PresignInfo:
    """What a presigned URL says about itself (never the session token's value)."""

    __slots__ = ("access_key_id", "addressing_style", "bucket", "endpoint", "expires_at", "extra_params", "has_token",
                 "key", "query", "region", "service", "signature", "signature_version", "signed_at", "signed_headers",
                 "url")

    def __init__(self) -> None:
        self.url = ""
        self.signature_version = ""
        self.endpoint = ""
        self.addressing_style = ""
        self.bucket: str | None = None
        self.key: str | None = None
        self.region: str | None = None
        self.service: str | None = None
        self.access_key_id = ""
        self.signed_at: int | None = None
        self.expires_at = 0
        self.signed_headers: list[str] = []
        self.extra_params: dict[str, str] = {}
        self.has_token = False
        self.signature = ""
        self.query: list[tuple[str, str]] = []

    def as_dict(self, now: int | None = None) -> dict[str, object]:
        """JSON-ready facts, with ``seconds_left`` (negative once expired)."""
        now = int(time.time()) if now is None else now
        stamp = _iso
        return {
            "signature_version": self.signature_version, "endpoint": self.endpoint,
            "addressing_style": self.addressing_style, "bucket": self.bucket, "key": self.key,
            "region": self.region, "access_key_id": self.access_key_id,
            "signed_at": stamp(self.signed_at) if self.signed_at is not None else None,
            "expires_at": stamp(self.expires_at), "seconds_left": self.expires_at - now,
            "signed_headers": self.signed_headers, "extra_params": self.extra_params,
            "session_token": self.has_token,
        }


def _iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _raw_query(query: str) -> list[tuple[str, str]]:
    pairs = []
    for part in query.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((unquote(name), unquote(value)))
    return pairs


# The latest time a URL can name: time.gmtime and ISO 8601 stop at year 9999.
_LAST_SECOND = 253402300799


def _split(url: str) -> SplitResult:
    """``urlsplit`` with its ValueErrors (a bad IPv6 literal, a port out of range) as one clear error."""
    try:
        url.encode("utf-8")
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsed lazily; raises for a port out of range
    except UnicodeEncodeError:
        raise InvalidRequestError("the URL holds bytes that are not UTF-8 text: copy it again") from None
    except ValueError as exc:
        raise InvalidRequestError(f"that is not a valid URL ({exc}): give the whole presigned URL") from None
    return parts


def _seconds(text: str, name: str) -> int:
    """A whole number of seconds from the URL, within what a clock can show."""
    if not (text.isascii() and text.isdigit()) or len(text) > 12 or int(text) > _LAST_SECOND:
        raise InvalidRequestError(f"the URL's {name} is not a whole number of seconds in range: it was cut "
                                  "short or edited")
    return int(text)


def inspect(url: str) -> PresignInfo:
    """Decode a SigV4 or SigV2 presigned URL: ``inspect(url).expires_at``."""
    parts = _split(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequestError("that is not a URL: give the whole presigned URL, starting with https://")
    info = PresignInfo()
    info.url = url.strip()
    info.query = _raw_query(parts.query)
    params = dict(info.query)
    if params.get("X-Amz-Algorithm") in (_sigv4.ALGORITHM, _V4A_ALGORITHM):
        v4a = params["X-Amz-Algorithm"] == _V4A_ALGORITHM
        info.signature_version = "v4a" if v4a else "v4"
        try:
            if v4a:  # no region in a SigV4A scope: the URL names the regions it is good for
                akid, date, service, terminator = params["X-Amz-Credential"].split("/")
                region = params["X-Amz-Region-Set"]
            else:
                akid, date, region, service, terminator = params["X-Amz-Credential"].split("/")
            signed_at = time.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
            expires_in = _seconds(params["X-Amz-Expires"], "X-Amz-Expires")
            if not (akid and date and region and service and terminator):
                raise ValueError("an empty part of the credential scope")
        except (KeyError, ValueError):
            raise InvalidRequestError("the URL's X-Amz-Credential, X-Amz-Date or X-Amz-Expires is missing or "
                                      "malformed: it was cut short or edited") from None
        import calendar

        info.access_key_id, info.region, info.service = akid, region, service
        info.signed_at = calendar.timegm(signed_at)
        info.expires_at = min(info.signed_at + expires_in, _LAST_SECOND)
        info.signed_headers = params.get("X-Amz-SignedHeaders", "").split(";")
        info.signature = params.get("X-Amz-Signature", "")
        info.has_token = "X-Amz-Security-Token" in params or "X-Amz-S3session-Token" in params
        auth = _V4_AUTH
    elif "AWSAccessKeyId" in params and "Signature" in params:
        info.signature_version = "v2"
        info.access_key_id = params["AWSAccessKeyId"]
        if "Expires" not in params:
            raise InvalidRequestError("the URL's Expires is missing: it was cut short or edited")
        info.expires_at = _seconds(params["Expires"], "Expires")
        info.signature = params["Signature"]
        info.has_token = "x-amz-security-token" in params
        auth = _V2_AUTH
    elif is_cloudfront(url):
        raise InvalidRequestError("that is a CloudFront signed URL, not an S3 one: s3presign inspect reads it, "
                                  "in Python s3presign._cloudfront_inspect.inspect_url")
    else:
        raise InvalidRequestError("that URL is not presigned: it has neither X-Amz-Signature (SigV4) nor "
                                  "AWSAccessKeyId and Signature (SigV2)")
    info.extra_params = {k: v for k, v in info.query if k not in auth}
    _locate(info, parts.scheme, parts.netloc, parts.path)
    return info


def _locate(info: PresignInfo, scheme: str, netloc: str, path: str) -> None:
    """Bucket, key and addressing style from the host and path (AWS hosts exactly, others as path style)."""
    host = netloc.rsplit("@", 1)[-1]
    hostname = host.split(":")[0] if not host.startswith("[") else host
    labels = hostname.split(".")
    is_aws = hostname.endswith((".amazonaws.com", ".amazonaws.com.cn", ".amazonaws.eu"))
    s3_label = next((i for i, label in enumerate(labels)
                     if label == "s3" or label.startswith(("s3-", "s3.", "s3express-"))), None)
    if is_aws and s3_label is not None and s3_label > 0:
        info.addressing_style = "virtual"
        info.bucket = ".".join(labels[:s3_label])
        info.endpoint = f"{scheme}://{'.'.join(labels[s3_label:])}"
        key = path[1:]
    else:
        info.addressing_style = "path"
        info.endpoint = f"{scheme}://{host}"
        segments = path.split("/", 2)
        info.bucket = unquote(segments[1]) if len(segments) > 1 and segments[1] else None
        key = segments[2] if len(segments) > 2 else ""
    info.key = unquote(key) if key else None


# -- verification -----------------------------------------------------------------------------------


class Verification:
    """The verdict on a URL: ``status`` is "valid", "invalid" or "expired", with a reason."""

    __slots__ = ("method", "reason", "status")

    def __init__(self, status: str, reason: str, method: str) -> None:
        self.status = status
        self.reason = reason
        self.method = method

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    def __repr__(self) -> str:
        return f"Verification({self.status!r}, {self.reason!r})"


def expected_signature(info: PresignInfo, secret: str, method: str, headers: Mapping[str, str],
                       path: str | None = None) -> str | None:
    """The signature the URL should carry for ``method`` and header values (None: a header is missing).

    SigV4A signatures are randomized (ECDSA) and cannot be recomputed: for them this is the URL's
    own signature when it verifies under the key derived from ``secret``, else "" (no match).
    """
    parts = _split(info.url)
    raw_path = parts.path if path is None else path
    lowered = {k.lower(): v for k, v in headers.items()}
    if info.signature_version in ("v4", "v4a"):
        host = parts.netloc
        if parts.port in ((443,) if parts.scheme == "https" else (80,)):
            host = host.rsplit(":", 1)[0]
        values = []
        for name in info.signed_headers:
            if name == "host":
                values.append((name, host))
            elif name in lowered:
                values.append((name, lowered[name]))
            else:
                return None
        block, signed = _sigv4.canonical_headers(values)
        query = _sigv4.canonical_query_string([(k, v) for k, v in info.query if k != "X-Amz-Signature"])
        canonical = _sigv4.canonical_request(method, raw_path or "/", query, block, signed)
        if info.signed_at is None or not info.region or not info.service:  # inspect() guarantees them
            raise InvalidRequestError("the URL's X-Amz-Credential or X-Amz-Date is malformed")
        date = _iso(info.signed_at).replace("-", "").replace(":", "")
        if info.signature_version == "v4a":
            from . import _sigv4a

            scope = _sigv4a.credential_scope(date[:8], info.service)
            to_sign = _sigv4a.string_to_sign(date, scope, canonical)
            public = _sigv4a.private_key(info.access_key_id, secret).public_key()
            return info.signature if _sigv4a.verify(public, to_sign, info.signature) else ""
        scope = _sigv4.credential_scope(date[:8], info.region, info.service)
        key = _sigv4.signing_key(secret, date[:8], info.region, info.service)
        return _sigv4.signature(key, _sigv4.string_to_sign(date, scope, canonical))
    # SigV2: the resource is /bucket/key whatever the host.
    bucket = info.bucket or ""
    encoded_key = raw_path.split("/", 2)[2] if info.addressing_style == "path" and raw_path.count("/") >= 2 else (
        raw_path[1:] if info.addressing_style == "virtual" else "")
    subs = [(k, v) for k, v in info.query if k in _sigv2.SUB_RESOURCES]
    amz = [(k, v) for k, v in lowered.items() if k.startswith("x-amz-")]
    token = dict(info.query).get("x-amz-security-token")
    if token:
        amz.append(("x-amz-security-token", token))
    sts = _sigv2.string_to_sign(method, info.expires_at, _sigv2.canonical_resource(bucket, encoded_key, subs),
                                content_md5=lowered.get("content-md5", ""),
                                content_type=lowered.get("content-type", ""), amz_headers=amz)
    return _sigv2.signature(secret, sts)


def verify_with(url: str, secret: str, *, method: str = "GET", headers: Mapping[str, str] | None = None,
                now: int | None = None) -> Verification:
    """Check a URL against a secret: ``verify_with(url, secret, method="PUT").valid``."""
    info = inspect(url)
    method = method.upper()
    expected = expected_signature(info, secret, method, headers or {})
    if expected is None:
        missing = [h for h in info.signed_headers if h != "host" and h not in {k.lower() for k in (headers or {})}]
        return Verification("invalid", f"the URL signs header(s) {', '.join(missing)}: give their values "
                                       "with --header 'Name: value' to verify it", method)
    if not _same(expected, info.signature):
        for other in _METHODS:
            candidate = expected_signature(info, secret, other, headers or {}) if other != method else None
            if candidate is not None and _same(candidate, info.signature):
                return Verification("invalid", f"the URL is for a {other}, not a {method}: a presigned URL is "
                                               "valid for one method only", method)
        return Verification("invalid", f"the signature does not match a {method} with this secret: the URL was "
                                       "changed after signing, is for another method or header values, or was "
                                       "signed with another secret", method)
    now = int(time.time()) if now is None else now
    if now >= info.expires_at:
        return Verification("expired", f"the signature is right, but the URL expired at {_iso(info.expires_at)} "
                                       f"({_ago(now - info.expires_at)} ago)", method)
    if info.signed_at is not None and info.signed_at > now + 900:
        return Verification("invalid", f"the URL was signed for {_iso(info.signed_at)}, in the future: the "
                                       "signing machine's clock is ahead", method)
    return Verification("valid", f"the signature matches a {method}; the URL works until {_iso(info.expires_at)} "
                                 f"({_ago(info.expires_at - now)} left)", method)


def verify(url: str, *, method: str = "GET", headers: Mapping[str, str] | None = None, profile: str | None = None,
           now: int | None = None) -> Verification:
    """Verify a URL with the local secret for its access key id: ``s3presign.verify(url, method="PUT")``.

    The secret is looked up in the environment, the resolved profile (``profile``) and every profile
    with static keys; with none, the verdict is "unknown" and the reason says so.
    """
    from ._config import secrets_for

    info = inspect(url)
    candidates = secrets_for(info.access_key_id, profile=profile)
    if "X-Amz-S3session-Token" in dict(info.query):
        from ._express import cached_session_secret

        secret = cached_session_secret(info.access_key_id)
        candidates = [("the S3 Express session cache", secret)] if secret else []
        if not candidates:
            return Verification("unknown", f"{info.access_key_id} is an S3 Express session key: its secret is only "
                                           "in the session cache of the machine that signed the URL, and that "
                                           "session (about 5 minutes) may be over", method.upper())
    if not candidates:
        return Verification("unknown", f"no local profile holds the secret for {info.access_key_id}: it cannot be "
                                       "checked here", method.upper())
    verdict = Verification("invalid", "", method.upper())
    for where, secret in candidates:
        verdict = verify_with(url, secret, method=method, headers=headers, now=now)
        if verdict.status != "invalid":
            verdict.reason += f" (secret from {where})"
            return verdict
    return verdict


def _ago(seconds: int) -> str:
    seconds = abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


# -- explanation -----------------------------------------------------------------------------------


class Explanation:
    """Why a URL was (or would be) refused: ``causes`` in plain words, ``details`` as evidence."""

    __slots__ = ("causes", "code", "details")

    def __init__(self, code: str | None) -> None:
        self.code = code
        self.causes: list[str] = []
        self.details: list[str] = []


def parse_error(body: str) -> dict[str, str]:
    """S3's XML error (``<Error><Code>...``) as a dict of its elements."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(body.strip())
    except ET.ParseError:
        raise InvalidRequestError("the error response is not S3's XML error document (<Error><Code>...)") from None
    if root.tag != "Error":
        raise InvalidRequestError("the error response is not S3's XML error document (<Error><Code>...)")
    return {child.tag: (child.text or "") for child in root}


def explain(url: str, error_body: str | None = None, *,
            secrets: Mapping[str, str] | Iterable[tuple[str, str]] | None = None, method: str | None = None,
            headers: Mapping[str, str] | None = None, profile: str | None = None,
            now: int | None = None) -> Explanation:
    """Name the likely causes of a refusal: ``explain(url, s3_error_xml, method="PUT")``.

    ``secrets``: the secrets to try, as ``{where: secret}`` or ``[(where, secret), ...]``; by default
    the local ones for the URL's access key id, found as ``verify`` finds them (``profile`` to choose);
    ``()`` tries none.
    """
    info = inspect(url)
    if secrets is None:
        from ._config import secrets_for

        secrets = secrets_for(info.access_key_id, profile=profile)
    secrets = _secret_pairs(secrets)
    now = int(time.time()) if now is None else now
    error = parse_error(error_body) if error_body else {}
    result = Explanation(error.get("Code"))
    causes, details = result.causes, result.details
    parts = urlsplit(info.url)

    server_time = _parse_time(error.get("ServerTime"))
    reference = server_time or now
    if error.get("Code") == "AccessDenied" and "expired" in error.get("Message", "").lower() or (
            not error and reference >= info.expires_at):
        causes.append(f"the URL expired at {_iso(info.expires_at)}, {_ago(reference - info.expires_at)} before "
                      f"{'S3 checked it' if server_time else 'now'}: presign a new one (up to 7 days with "
                      "--expires-in 604800; temporary credentials end it sooner)")
    if info.signed_at is not None and info.signed_at > reference + 900:
        causes.append(f"clock skew: the URL says it was signed at {_iso(info.signed_at)}, "
                      f"{_ago(info.signed_at - reference)} ahead of {'S3' if server_time else 'this machine'}: "
                      "fix the signing machine's clock (NTP)")
    if "X-Amz-S3session-Token" in dict(info.query) and error.get("Code") in (
            "ExpiredToken", "AccessDenied", "InvalidToken", "InvalidAccessKeyId"):
        causes.append("the URL is signed with an S3 Express One Zone session, which lasts about 5 minutes: it "
                      "stops working when the session ends, whatever X-Amz-Expires says; presign again")
    if error.get("Code") in ("ExpiredToken", "TokenRefreshRequired"):
        causes.append("the temporary credentials (session token) that signed the URL have expired: a URL dies "
                      "with its credentials whatever --expires-in says; sign with fresh or long-lived credentials")
    if error.get("Code") == "InvalidToken":
        causes.append("the session token in the URL is malformed or from another partition or endpoint")
    if error.get("Code") == "InvalidAccessKeyId":
        if info.has_token:
            causes.append(f"access key {info.access_key_id} belongs to temporary credentials (the URL carries a "
                          "session token): they have most likely expired, and the URL with them; presign again "
                          "with fresh credentials")
        else:
            causes.append(f"the endpoint does not know access key {info.access_key_id}: wrong account, partition "
                          "or endpoint, or the key was deleted")
    expected_region = error.get("Region") or _region_from_message(error.get("Message", ""))
    if expected_region and info.region and expected_region != info.region:
        causes.append(f"another region: the URL is signed for {info.region} but the bucket is in "
                      f"{expected_region}: presign with --region {expected_region}")
    if error.get("Code") in ("PermanentRedirect", "TemporaryRedirect") and error.get("Endpoint"):
        causes.append(f"the bucket must be reached through {error['Endpoint']}: presign with the bucket's "
                      "region (--region) so the URL uses its regional host")
    if "X-Amz-Expires" in error.get("Message", "") and "week" in error.get("Message", ""):
        causes.append("the expiry is longer than S3 allows (7 days, 604800 seconds)")

    if error.get("CanonicalRequest") and info.signature_version == "v4":
        _compare_canonical(info, error["CanonicalRequest"], parts.netloc, causes, details)
        lines = error["CanonicalRequest"].split("\n")
        method = method or lines[0]
        received = dict(h.split(":", 1) for h in lines[3:-3] if ":" in h and not h.startswith("host:"))
        headers = {**received, **(headers or {})}
    if error.get("StringToSign") and info.signature_version == "v4":
        lines = error["StringToSign"].split("\n")
        if len(lines) >= 3 and info.region and f"/{info.region}/" not in lines[2]:
            causes.append(f"another region: S3 computed the scope {lines[2]}, the URL says {info.region}")

    if secrets and (error.get("Code") == "SignatureDoesNotMatch" or not error):
        _try_variations(info, secrets, method, headers or {}, causes, details)
    elif error.get("Code") == "SignatureDoesNotMatch" and not error.get("CanonicalRequest"):
        details.append("no local credentials for this key and no CanonicalRequest in the error: only the "
                       "common causes can be named")
        if len(info.signed_headers) > 1:
            causes.append(f"the URL signs {', '.join(h for h in info.signed_headers if h != 'host')}: the client "
                          "must send exactly those header values (browsers add or change Content-Type)")
        causes.append("the method, host or key of the request differs from what was signed, or the URL was "
                      "edited (a parameter changed, the key encoded twice)")
    if not causes:
        if error:
            causes.append(f"S3 said {error.get('Code')}: {error.get('Message', '')}".strip())
        else:
            causes.append("nothing in the URL explains a refusal: it is well formed and not expired; give S3's "
                          "error response to compare")
    query = dict(info.query)
    token = (query.get("X-Amz-Security-Token") or query.get("x-amz-security-token")
             or query.get("X-Amz-S3session-Token"))
    if token:  # S3's CanonicalRequest and the query comparison quote it; the output need not
        result.causes[:] = [redact(c, [token]) for c in causes]
        result.details[:] = [redact(d, [token]) for d in details]
    return result


def _secret_pairs(secrets: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    from collections.abc import Mapping as _Mapping

    if isinstance(secrets, str):
        raise InvalidRequestError("explain(secrets=...) takes {where: secret} or [(where, secret), ...], not a "
                                  "bare string")
    pairs = list(secrets.items()) if isinstance(secrets, _Mapping) else list(secrets)
    if not all(isinstance(pair, (tuple, list)) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
               for pair in pairs):
        raise InvalidRequestError("explain(secrets=...) takes {where: secret} or [(where, secret), ...] "
                                  "with text for both")
    return [(where, secret) for where, secret in pairs]


def _parse_time(text: str | None) -> int | None:
    if not text:
        return None
    import calendar

    for layout in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return calendar.timegm(time.strptime(text, layout))
        except ValueError:
            continue
    return None


def _region_from_message(message: str) -> str | None:
    marker = "expecting '"
    if marker in message:
        return message.split(marker, 1)[1].split("'", 1)[0]
    return None


def _compare_canonical(info: PresignInfo, theirs: str, netloc: str, causes: list[str], details: list[str]) -> None:
    lines = theirs.split("\n")
    if len(lines) < 6:
        return
    method, path, query = lines[0], lines[1], lines[2]
    signed_list = lines[-2]
    header_lines = lines[3:-3]
    url = urlsplit(info.url)
    details.append("S3 computed this canonical request:\n" + theirs)
    if path != (url.path or "/"):
        if unquote(path) == unquote(url.path):
            causes.append(f"the key was encoded differently: the URL has {url.path!r}, S3 received {path!r} "
                          "(an HTTP client or proxy re-encoded it; send the URL exactly as printed)")
        elif unquote(unquote(path)) == unquote(url.path) or unquote(path) == url.path:
            causes.append(f"the key was encoded twice: the URL has {url.path!r}, S3 received {path!r}")
        else:
            causes.append(f"another path: the URL signs {url.path!r}, S3 received {path!r} (a proxy or rewrite)")
    ours_query = _sigv4.canonical_query_string([(k, v) for k, v in info.query if k != "X-Amz-Signature"])
    if query != ours_query:
        mine, seen = set(ours_query.split("&")), set(query.split("&"))
        details.append(f"query parameters only in the URL: {sorted(mine - seen)}; only in the request: "
                       f"{sorted(seen - mine)}")
        causes.append("the query string was changed after signing (a parameter added, removed or re-encoded)")
    host = next((h.split(":", 1)[1] for h in header_lines if h.startswith("host:")), None)
    if host is not None and host not in (netloc, netloc.rsplit(":", 1)[0]):
        causes.append(f"another host: the URL was signed for {netloc}, the request reached S3 as {host} "
                      "(a proxy, CDN or rewritten URL)")
    if signed_list != ";".join(info.signed_headers):
        causes.append(f"the signed header list differs: URL {';'.join(info.signed_headers)}, S3 {signed_list}")
    others = [h for h in header_lines if not h.startswith("host:")]
    if others:
        details.append("signed header values S3 received: " + "; ".join(others))
    details.append(f"the request was a {method}")


def _try_variations(info: PresignInfo, secrets: Sequence[tuple[str, str]], method: str | None,
                    headers: Mapping[str, str], causes: list[str], details: list[str]) -> None:
    """With local secrets: find the method (and encoding) the URL was signed for."""
    for where, secret in secrets:
        for candidate in _METHODS:
            expected = expected_signature(info, secret, candidate, headers)
            if expected is not None and _same(expected, info.signature):
                if method and candidate != method.upper():
                    causes.append(f"another method: the URL was signed for {candidate}, the request was a "
                                  f"{method.upper()}")
                else:
                    details.append(f"the signature verifies as a {candidate} with the secret of {where}")
                    if len(info.signed_headers) > 1:
                        causes.append(f"the URL signs {', '.join(h for h in info.signed_headers if h != 'host')}:"
                                      " if S3 refuses it, the client sent other values for those headers")
                return
        path = urlsplit(info.url).path
        if "%25" in path:
            for candidate in _METHODS:
                expected = expected_signature(info, secret, candidate, headers, path=path.replace("%25", "%"))
                if expected is not None and _same(expected, info.signature):
                    causes.append("the key was encoded twice: the URL verifies once the extra encoding (%25) "
                                  "is removed; send the URL exactly as it was printed")
                    return
        signed = [h for h in info.signed_headers if h != "host"]
        if any(h not in {k.lower() for k in headers} for h in signed):
            causes.append(f"the URL signs {', '.join(signed)}; give the values the client sent (--header) to "
                          "check them")
            return
        if signed:
            sent = "; ".join(f"{k.lower()}: {v}" for k, v in headers.items() if k.lower() in signed)
            causes.append(f"a signed header differs: the request carried {sent}, which is not what was signed "
                          "(browsers and HTTP libraries add or change Content-Type); send exactly the values "
                          "given when presigning")
            return
    causes.append(f"the signature matches no method with the local secret for {info.access_key_id}: the URL "
                  "was changed after signing (a parameter, the key or the signature itself), or it was signed "
                  "with another secret")

def inspect_post(text: str) -> dict[str, object]:
    """What a presigned POST allows, from its JSON (``{"url": ..., "fields": {...}}`` or the fields)
    or its base64 policy: ``inspect_post(post_json)["expiration"]``; ``InvalidRequestError`` when
    it is neither. The one decoder of POST policies (the command's ``inspect`` uses it)."""
    import json
    from binascii import a2b_base64

    policy_b64 = text.strip()
    fields: dict[str, object] = {}
    if policy_b64.startswith("{"):
        try:
            data = json.loads(policy_b64)
        except (ValueError, RecursionError):
            raise InvalidRequestError("that is neither a presigned URL nor presigned POST JSON") from None
        fields = data.get("fields", data) if isinstance(data, dict) else {}
        fields = fields if isinstance(fields, dict) else {}
        policy_b64 = str(fields.get("policy", ""))
    try:
        policy = json.loads(a2b_base64(policy_b64))
    except (ValueError, TypeError, RecursionError):
        raise InvalidRequestError("give a presigned URL, presigned POST JSON, or its base64 policy") from None
    if not isinstance(policy, dict) or not isinstance(policy.get("conditions"), list):
        raise InvalidRequestError("that base64 text is not a POST policy (no list of conditions)")
    facts: dict[str, object] = {"expiration": policy.get("expiration")}
    for condition in policy["conditions"]:
        if isinstance(condition, dict):
            for name, value in condition.items():
                if name == "x-amz-security-token":
                    facts["session_token"] = True
                else:
                    facts[name] = value
        elif isinstance(condition, list) and len(condition) == 3:
            if condition[0] == "content-length-range":
                facts["content-length-range"] = f"{condition[1]}..{condition[2]} bytes"
            else:
                facts[f"{condition[1]} {condition[0]}"] = condition[2]
    if fields.get("x-amz-security-token"):
        facts["session_token"] = True
    return facts
