"""CloudFront signed URLs and signed cookies (RSA 2048 or ECDSA P-256; SHA-1 or SHA-256).

Theory of operation. CloudFront checks a request for private content against a *policy*, a
small JSON document naming the resource (a URL, possibly with ``*`` and ``?`` wildcards) and
conditions (``DateLessThan``, optional ``DateGreaterThan`` and ``IpAddress``), signed with a
private key whose public half is in one of the distribution's trusted key groups:

    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-creating-signed-url-canned-policy.html
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-creating-signed-url-custom-policy.html

1. ``canned_policy`` / ``custom_policy``: the policy text. A *canned* policy (the URL itself and
   an expiry) is never sent: CloudFront rebuilds it from the URL and ``Expires``. A *custom*
   policy travels base64-encoded in ``Policy``. The text is byte for byte what botocore's
   ``CloudFrontSigner.build_policy`` makes (``json.dumps`` with compact separators, keys in the
   order DateLessThan, IpAddress, DateGreaterThan, non-ASCII escaped as ``\\uXXXX``), because
   CloudFront checks the signature over these exact bytes.
2. ``CloudFrontSigner.sign``: the signature over the policy bytes, RSA PKCS#1 v1.5 or ECDSA
   (DER, as ``openssl dgst -sign`` writes it), with SHA-1 (CloudFront's default) or SHA-256
   (then the URL says ``Hash-Algorithm=SHA256``, a cookie ``CloudFront-Hash-Algorithm``).
3. ``b64cf``: base64 with ``+ = /`` replaced by ``- _ ~`` (the URL-safe form CloudFront reads).
4. The URL: the caller's URL, its query kept, then ``Expires`` or ``Policy``, ``Signature``,
   ``Key-Pair-Id`` and, for SHA-256, ``Hash-Algorithm``. Cookies carry the same values under
   ``CloudFront-`` names.

The cost is the private-key operation (RSA 2048: about 280 µs with OpenSSL, ECDSA P-256: about
23 µs); building the policy and the URL around it costs a few µs. ``sign_many`` spreads the
signing over worker processes. ``cryptography`` is imported when a signer is made, never at
``import s3presign``.

A bare IPv6 address becomes ``/128``: botocore and AWS CLI v2 append ``/32`` to any address
without a prefix, which for IPv6 allows a range of 2**96 addresses.
"""

from __future__ import annotations

import time

from ._errors import CloudFrontKeyError, InvalidRequestError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import datetime
    import os
    from collections.abc import Iterable, Iterator
    from typing import Any

    Moment = datetime.datetime | int | float
    Duration = datetime.timedelta | int | float

__all__ = [
    "CloudFrontSigner",
    "b64cf",
    "b64cf_decode",
    "canned_policy",
    "check_url",
    "custom_policy",
    "epoch",
    "load_private_key",
    "load_public_key",
    "normalize_ip",
    "parse_date",
    "parse_duration",
    "verify_signature",
]

HASH_ALGORITHMS = ("sha1", "sha256")
_MISSING = ("CloudFront signing needs the cryptography package: pip install 's3presign[cloudfront]'")
_AUTH_PARAMS = ("Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm")
_DEFAULT_EXPIRES_IN = 3600
_CHUNK = 64  # URLs a worker signs per task: ~18 ms of RSA, so the round trip is noise
_B64CF = bytes.maketrans(b"+=/", b"-_~")
_B64CF_BACK = bytes.maketrans(b"-_~", b"+=/")


# -- steps of the spec ---------------------------------------------------------------------------


def b64cf(data: bytes) -> str:
    """CloudFront's URL-safe base64: ``b64cf(b"\\xfb\\xff") == "-~8_"``."""
    import binascii

    return binascii.b2a_base64(data, newline=False).translate(_B64CF).decode("ascii")


def b64cf_decode(text: str) -> bytes:
    """The bytes under CloudFront's base64 (``ValueError`` when it is not): ``b64cf_decode("-~8_")``."""
    import binascii

    try:
        return binascii.a2b_base64(text.encode("ascii").translate(_B64CF_BACK), strict_mode=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise ValueError(f"not CloudFront base64: {exc}") from None


def _json_string(text: str) -> str:
    import json

    return json.dumps(text)  # ensure_ascii: "ü" as \u00fc, as botocore signs it


def canned_policy(resource: str, date_less_than: int) -> str:
    """The canned policy CloudFront rebuilds from a URL and its ``Expires``.

    ``canned_policy("https://d1.cloudfront.net/a.jpg", 1893456000)`` ->
    ``{"Statement":[{"Resource":"https://d1.cloudfront.net/a.jpg","Condition":{"DateLessThan":{"AWS:EpochTime":1893456000}}}]}``
    """
    return ('{"Statement":[{"Resource":' + _json_string(resource)
            + ',"Condition":{"DateLessThan":{"AWS:EpochTime":' + str(int(date_less_than)) + "}}}]}")


def custom_policy(resource: str, date_less_than: int, *, date_greater_than: int | None = None,
                  ip_address: str | None = None) -> str:
    """A custom policy, key order as botocore's ``build_policy``:
    ``custom_policy("https://d1.cloudfront.net/videos/*", 1893456000, ip_address="192.0.2.0/24")``."""
    condition = '{"DateLessThan":{"AWS:EpochTime":' + str(int(date_less_than)) + "}"
    if ip_address:
        condition += ',"IpAddress":{"AWS:SourceIp":' + _json_string(ip_address) + "}"
    if date_greater_than is not None:
        condition += ',"DateGreaterThan":{"AWS:EpochTime":' + str(int(date_greater_than)) + "}"
    return '{"Statement":[{"Resource":' + _json_string(resource) + ',"Condition":' + condition + "}}]}"


def normalize_ip(text: str) -> str:
    """An address or CIDR block as the policy's ``AWS:SourceIp``: ``normalize_ip("192.0.2.1") == "192.0.2.1/32"``.

    A bare IPv6 address gets ``/128`` (botocore and AWS CLI v2 give ``/32``: 2**96 addresses); a
    prefix is kept as given (host bits included, as botocore keeps it)."""
    import ipaddress

    if not isinstance(text, str) or not text.strip():
        raise InvalidRequestError("the IP address is empty: give an address (192.0.2.1) or a CIDR block (192.0.2.0/24)")
    value = text.strip()
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise InvalidRequestError(f"{value!r} is not an IP address or CIDR block: give e.g. 192.0.2.1, "
                                  "192.0.2.0/24 or 2001:db8::/32") from None
    if "/" in value:
        return value
    return f"{value}/{network.max_prefixlen}"


def epoch(moment: Moment, what: str) -> int:
    """Whole seconds since 1970 from a datetime (naive means UTC, as botocore reads it) or a number."""
    import datetime as _datetime

    if isinstance(moment, bool):
        raise InvalidRequestError(f"{what} must be a datetime or seconds since 1970, not {moment!r}")
    if isinstance(moment, _datetime.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_datetime.timezone.utc)
        return int(moment.timestamp())
    if isinstance(moment, (int, float)) and moment == moment and abs(moment) < 1e12:
        return int(moment)
    raise InvalidRequestError(f"{what} must be a datetime or seconds since 1970, not {moment!r}")


def _seconds(duration: Duration) -> float:
    import datetime as _datetime

    if isinstance(duration, _datetime.timedelta):
        value = duration.total_seconds()
    elif isinstance(duration, (int, float)) and not isinstance(duration, bool):
        value = float(duration)
    else:
        raise InvalidRequestError(f"expires_in must be seconds or a timedelta, not {duration!r}")
    if not value > 0 or value > 1e11:
        raise InvalidRequestError(f"expires_in must be a positive number of seconds, not {duration!r}")
    return value


# -- keys ----------------------------------------------------------------------------------------


def _pem_bytes(private_key: str | bytes | os.PathLike[str], what: str) -> tuple[bytes, str]:
    """The PEM bytes and where they came from (a path, or "the PEM given")."""
    import os

    if isinstance(private_key, bytes):
        return private_key, "the PEM given"
    if isinstance(private_key, str) and "-----BEGIN" in private_key:
        return private_key.encode("utf-8", "replace"), "the PEM given"
    if isinstance(private_key, (str, os.PathLike)):
        from ._files import read_text

        path = os.fspath(private_key)
        try:
            return read_text(os.path.expanduser(path), max_bytes=1 << 20).encode(), path
        except UnicodeDecodeError:
            raise CloudFrontKeyError(f"cannot read the {what} {path}: it is not PEM text (DER? convert it with "
                                     "openssl pkey -in FILE -out key.pem)") from None
        except OSError as exc:
            raise CloudFrontKeyError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None
    raise CloudFrontKeyError(f"the {what} must be PEM text, PEM bytes or a file path, not {type(private_key).__name__}")


def _check_kind(key: Any, where: str, what: str) -> str:
    """"rsa" or "ec" for a key CloudFront accepts (RSA 2048, ECDSA P-256); a clear error otherwise."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        if key.key_size != 2048:
            raise CloudFrontKeyError(f"{where} is an RSA {key.key_size} key: CloudFront accepts RSA 2048 or "
                                     "ECDSA P-256 (openssl genrsa -out key.pem 2048)")
        return "rsa"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        if key.curve.name != "secp256r1":
            raise CloudFrontKeyError(f"{where} is an EC key on {key.curve.name}: CloudFront accepts ECDSA P-256 "
                                     "(prime256v1) or RSA 2048")
        return "ec"
    raise CloudFrontKeyError(f"{where} is a {type(key).__name__.lstrip('_')} {what}: CloudFront accepts RSA 2048 "
                             "or ECDSA P-256")


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        raise CloudFrontKeyError(_MISSING) from None
    return serialization


def load_private_key(private_key: str | bytes | os.PathLike[str]) -> tuple[Any, str]:
    """``(key, "rsa" | "ec")`` from PEM text, bytes or a path; ``CloudFrontKeyError`` otherwise."""
    serialization = _crypto()
    data, where = _pem_bytes(private_key, "private key")
    where = "the private key" if where == "the PEM given" else f"the private key {where}"
    if b"-----BEGIN" not in data:
        raise CloudFrontKeyError(f"{where} is not a PEM private key (no -----BEGIN line)")
    if b"PUBLIC KEY-----" in data and b"PRIVATE KEY-----" not in data:
        raise CloudFrontKeyError(f"{where} is a public key: signing needs the private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:  # "Password was not given but private key is encrypted"
        raise CloudFrontKeyError(f"{where} is encrypted: decrypt it first (openssl pkey -in FILE -out plain.pem)") from None
    except (ValueError, Exception) as exc:  # noqa: BLE001 - cryptography's errors name no key material
        raise CloudFrontKeyError(f"{where} cannot be read as a PEM private key ({type(exc).__name__}): "
                                 "give an RSA 2048 or EC P-256 key in PEM (PKCS#1, SEC1 or PKCS#8)") from None
    return key, _check_kind(key, where, "private key")


def load_public_key(key: str | bytes | os.PathLike[str]) -> tuple[Any, str]:
    """``(public key, "rsa" | "ec")`` from a PEM public key, or a private key's public half."""
    serialization = _crypto()
    data, where = _pem_bytes(key, "public key")
    where = "the key" if where == "the PEM given" else f"the key {where}"
    if b"PRIVATE KEY-----" in data:
        private, kind = load_private_key(data)
        return private.public_key(), kind
    try:
        public = serialization.load_pem_public_key(data)
    except (ValueError, Exception) as exc:  # noqa: BLE001
        raise CloudFrontKeyError(f"{where} cannot be read as a PEM public key ({type(exc).__name__})") from None
    return public, _check_kind(public, where, "public key")


def _hash(name: str) -> Any:
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256() if name == "sha256" else hashes.SHA1()


def hash_name(value: str | None, kind: str) -> str:
    """``"sha1"`` or ``"sha256"`` from what a caller wrote (``SHA-256``, ``SHA256``...); None: the key's default."""
    if value is None:
        return "sha1" if kind == "rsa" else "sha256"  # RSA: CloudFront's default; ECDSA: SHA-256, as AWS documents
    name = str(value).lower().replace("-", "")
    if name not in HASH_ALGORITHMS:
        raise InvalidRequestError(f"the hash algorithm must be sha1 or sha256, not {value!r}")
    return name


def verify_signature(public_key: Any, kind: str, policy: bytes, signature: bytes, algorithm: str) -> bool:
    """Whether ``signature`` signs ``policy`` under ``public_key`` with ``algorithm`` ("sha1"/"sha256")."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    try:
        if kind == "rsa":
            public_key.verify(signature, policy, padding.PKCS1v15(), _hash(algorithm))
        else:
            public_key.verify(signature, policy, ec.ECDSA(_hash(algorithm)))
    except (InvalidSignature, ValueError):
        return False
    return True


# -- the signer ----------------------------------------------------------------------------------


class CloudFrontSigner:
    """Signs CloudFront URLs and cookies with one key of a trusted key group.

        >>> signer = CloudFrontSigner("K2JCJMDEHXQW5F", "cloudfront-key.pem")
        >>> url = signer.sign_url("https://d111111abcdef8.cloudfront.net/a.jpg", expires_in=3600)

    ``private_key``: PEM text or bytes, or a path to a PEM file (RSA 2048 as PKCS#1 or PKCS#8, or
    EC P-256). ``hash_algorithm``: "sha1" (the default for RSA, as CloudFront's) or "sha256" (the
    default for ECDSA). The key itself never shows in a repr, an error or a log line.
    """

    __slots__ = ("_hash", "_key", "_padding", "hash_algorithm", "key_pair_id", "key_type")

    def __init__(self, key_pair_id: str, private_key: str | bytes | os.PathLike[str], *,
                 hash_algorithm: str | None = None) -> None:
        if not isinstance(key_pair_id, str) or not key_pair_id or not key_pair_id.isascii() or any(
                c in key_pair_id for c in " \t\r\n&=?#;,\"'\\%") or not key_pair_id.isprintable():
            raise CloudFrontKeyError(f"the key pair id must be the public key's ID from CloudFront (e.g. "
                                     f"K2JCJMDEHXQW5F), not {key_pair_id!r}")
        key, kind = load_private_key(private_key)
        self.key_pair_id = key_pair_id
        self.key_type = kind
        self.hash_algorithm = hash_name(hash_algorithm, kind)
        self._key = key
        from cryptography.hazmat.primitives.asymmetric import ec, padding

        self._hash = _hash(self.hash_algorithm)
        self._padding = padding.PKCS1v15() if kind == "rsa" else ec.ECDSA(self._hash)

    def __repr__(self) -> str:
        kind = "RSA 2048" if self.key_type == "rsa" else "ECDSA P-256"
        return f"CloudFrontSigner(key_pair_id={self.key_pair_id!r}, key={kind!r}, hash_algorithm={self.hash_algorithm!r})"

    def __reduce__(self) -> Any:
        raise TypeError("a CloudFrontSigner does not pickle (it holds a private key): make one in each process")

    # -- steps ---------------------------------------------------------------------------------

    def sign(self, policy: bytes) -> bytes:
        """The raw signature over the policy bytes: ``signer.sign(policy.encode())``."""
        if self.key_type == "rsa":
            return self._key.sign(policy, self._padding, self._hash)  # type: ignore[no-any-return]
        return self._key.sign(policy, self._padding)  # type: ignore[no-any-return]

    def policy(self, resource: str, *, expires_in: Duration | None = None, expires_at: Moment | None = None,
               starts_at: Moment | None = None, ip_address: str | None = None, kind: str = "pattern",
               now: float | None = None) -> tuple[str, int, bool]:
        """``(policy text, expiry epoch, canned?)`` after checking the times and the address.

        ``kind``: "url" (canned when only an expiry is given, as for ``sign_url``), "pattern"
        (the same, but a ``*`` makes it custom, as for ``sign_cookies``) or "custom"."""
        return _policy(resource, expires_in, expires_at, starts_at, ip_address, kind,
                       time.time() if now is None else now)

    # -- public forms --------------------------------------------------------------------------

    def sign_url(self, url: str, *, expires_in: Duration | None = None, expires_at: Moment | None = None,
                 starts_at: Moment | None = None, ip_address: str | None = None, resource: str | None = None,
                 now: float | None = None) -> str:
        """A signed URL: ``signer.sign_url("https://d1.cloudfront.net/a.jpg", expires_in=600)``.

        Only an expiry (``expires_in`` seconds, default 3600, or ``expires_at``): a canned policy
        (a ``*`` in the URL is literal, as botocore signs it). ``starts_at``, ``ip_address`` or a
        ``resource`` other than the URL (``*`` and ``?`` wildcards allowed): a custom policy. The
        URL's own query stays before the signature.
        """
        check_url(url)
        target = url if resource is None else _check_resource(resource)
        kind = "url" if resource is None or resource == url else "custom"  # "url": a * is literal, as botocore
        policy, expires, canned = _policy(target, expires_in, expires_at, starts_at, ip_address, kind,
                                          time.time() if now is None else now)
        return url + ("&" if "?" in url else "?") + self._query(policy, expires, canned)

    def _query(self, policy: str, expires: int, canned: bool) -> str:
        data = policy.encode()
        signature = b64cf(self.sign(data))
        head = f"Expires={expires}" if canned else f"Policy={b64cf(data)}"
        tail = "&Hash-Algorithm=SHA256" if self.hash_algorithm == "sha256" else ""
        return f"{head}&Signature={signature}&Key-Pair-Id={self.key_pair_id}{tail}"

    def sign_cookies(self, resource: str, *, expires_in: Duration | None = None, expires_at: Moment | None = None,
                     starts_at: Moment | None = None, ip_address: str | None = None,
                     now: float | None = None) -> dict[str, str]:
        """Signed cookies, name to value: ``signer.sign_cookies("https://d1.cloudfront.net/videos/*", expires_in=3600)``.

        A canned policy (``CloudFront-Expires``) for one exact URL with only an expiry; otherwise
        (a ``*`` in ``resource`` is a wildcard here) a custom one (``CloudFront-Policy``). The same policy and signature as ``sign_url``'s."""
        resource = _check_resource(resource)
        policy, expires, canned = _policy(resource, expires_in, expires_at, starts_at, ip_address, "pattern",
                                          time.time() if now is None else now)
        data = policy.encode()
        cookies = {"CloudFront-Expires": str(expires)} if canned else {"CloudFront-Policy": b64cf(data)}
        cookies["CloudFront-Signature"] = b64cf(self.sign(data))
        cookies["CloudFront-Key-Pair-Id"] = self.key_pair_id
        if self.hash_algorithm == "sha256":
            cookies["CloudFront-Hash-Algorithm"] = "SHA256"
        return cookies

    def set_cookie_headers(self, resource: str, *, expires_in: Duration | None = None,
                           expires_at: Moment | None = None, starts_at: Moment | None = None,
                           ip_address: str | None = None, domain: str | None = None, path: str = "/",
                           secure: bool = True, http_only: bool = True, now: float | None = None) -> list[str]:
        """``Set-Cookie`` values, one per cookie:
        ``signer.set_cookie_headers("https://d1.cloudfront.net/*", domain="d1.cloudfront.net")``.

        No ``Expires``/``Max-Age``: the policy ends access, and AWS suggests session cookies."""
        for name, value in (("domain", domain), ("path", path)):
            if value is not None and (not isinstance(value, str) or any(c in value for c in ";,\r\n\0")):
                raise InvalidRequestError(f"the cookie {name} {value!r} holds a character a cookie attribute cannot")
        attributes = (f"; Domain={domain}" if domain else "") + (f"; Path={path}" if path else "")
        attributes += ("; Secure" if secure else "") + ("; HttpOnly" if http_only else "")
        cookies = self.sign_cookies(resource, expires_in=expires_in, expires_at=expires_at, starts_at=starts_at,
                                    ip_address=ip_address, now=now)
        return [f"{name}={value}{attributes}" for name, value in cookies.items()]

    def sign_many(self, urls: Iterable[str], *, expires_in: Duration | None = None, expires_at: Moment | None = None,
                  starts_at: Moment | None = None, ip_address: str | None = None, jobs: int | None = None,
                  now: float | None = None) -> Iterator[str]:
        """Yield one signed URL per URL, lazily and in input order, on ``jobs`` processes (default: every core).

        The times are fixed once (all URLs expire together) and checked before the first URL.
        Each URL's policy is its own (canned unless ``starts_at``/``ip_address``). A bad URL
        raises after the URLs before it were yielded."""
        now = time.time() if now is None else now
        # Check the shared conditions once, up front, so a bad expiry fails before any work.
        _, expires, _ = _policy("x", expires_in, expires_at, starts_at, ip_address, "url", now)
        starts = None if starts_at is None else epoch(starts_at, "starts_at")
        ip = None if ip_address is None else normalize_ip(ip_address)
        args = (expires, starts, ip)
        return _sign_many(self, iter(urls), args, _jobs(jobs))

    def _sign_chunk(self, urls: list[str], expires: int, starts: int | None, ip: str | None) -> list[str]:
        out = []
        query = self._query
        canned = starts is None and ip is None
        for url in urls:
            check_url(url)
            policy = (canned_policy(url, expires) if canned
                      else custom_policy(url, expires, date_greater_than=starts, ip_address=ip))
            out.append(url + ("&" if "?" in url else "?") + query(policy, expires, canned))
        return out


def check_url(url: object) -> None:
    if not isinstance(url, str) or not url.strip():
        raise InvalidRequestError(f"the URL to sign must be non-empty text, not {url!r}")
    if "#" in url:
        raise InvalidRequestError(f"the URL {url!r} has a fragment (#...): browsers never send it, so CloudFront "
                                  "would check another URL; sign the URL without it")


def _check_resource(resource: object) -> str:
    if not isinstance(resource, str) or not resource.strip():
        raise InvalidRequestError(f"the policy resource must be a URL or pattern (https://d1.cloudfront.net/*), "
                                  f"not {resource!r}")
    return resource


def _policy(resource: str, expires_in: Duration | None, expires_at: Moment | None, starts_at: Moment | None,
            ip_address: str | None, kind: str, now: float) -> tuple[str, int, bool]:
    if expires_in is not None and expires_at is not None:
        raise InvalidRequestError("give expires_in or expires_at, not both")
    if expires_at is not None:
        expires = epoch(expires_at, "expires_at")
    else:
        expires = int(now + _seconds(_DEFAULT_EXPIRES_IN if expires_in is None else expires_in))
    if expires <= now:
        raise InvalidRequestError(f"the expiry {_iso(expires)} is in the past (now {_iso(int(now))}): give a later "
                                  "time or expires_in")
    starts = None
    if starts_at is not None:
        starts = epoch(starts_at, "starts_at")
        if starts >= expires:
            raise InvalidRequestError(f"the start {_iso(starts)} is not before the expiry {_iso(expires)}: the URL "
                                      "would never work")
    ip = None if ip_address is None else normalize_ip(ip_address)
    canned = kind != "custom" and starts is None and ip is None and not (kind == "pattern" and "*" in resource)
    if canned:
        return canned_policy(resource, expires), expires, True
    return custom_policy(resource, expires, date_greater_than=starts, ip_address=ip), expires, False


def _iso(moment: int) -> str:
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
    except (OverflowError, OSError, ValueError):
        return str(moment)


# -- many URLs in worker processes ----------------------------------------------------------------


def _jobs(jobs: int | None) -> int:
    import os

    if jobs is None:
        return os.cpu_count() or 1
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InvalidRequestError(f"jobs must be a whole number of processes, at least 1, not {jobs!r}")
    return jobs


_WORKER_SIGNER: CloudFrontSigner | None = None


def _worker_init(signer: CloudFrontSigner) -> None:
    import signal

    global _WORKER_SIGNER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _WORKER_SIGNER = signer  # inherited through fork: the key is never pickled


def _worker_chunk(urls: list[str], args: tuple[int, int | None, str | None]) -> tuple[list[str], str | None]:
    """A chunk's URLs up to the first bad one, and that one's error (None: all good)."""
    assert _WORKER_SIGNER is not None
    return _chunk_until_error(_WORKER_SIGNER, urls, args)


def _chunk_until_error(signer: CloudFrontSigner, urls: list[str],
                       args: tuple[int, int | None, str | None]) -> tuple[list[str], str | None]:
    try:
        return signer._sign_chunk(urls, *args), None
    except InvalidRequestError:
        pass
    out: list[str] = []
    for url in urls:  # the slow way, only for a chunk that holds a bad URL
        try:
            out += signer._sign_chunk([url], *args)
        except InvalidRequestError as exc:
            return out, str(exc)
    return out, None


def _sign_many(signer: CloudFrontSigner, urls: Iterator[str], args: tuple[int, int | None, str | None],
               jobs: int) -> Iterator[str]:
    """Chunks of ``_CHUNK`` URLs go to ``jobs`` forked processes, at most ``2 * jobs`` chunks ahead
    of the output: memory holds a few hundred URLs whatever the input. A first chunk smaller than
    ``_CHUNK`` (a short input) is signed here: forking would cost more than it saves."""
    import os
    from itertools import islice

    first = list(islice(urls, _CHUNK))
    if jobs == 1 or len(first) < _CHUNK or not hasattr(os, "fork"):
        chunk = first
        while chunk:
            done, error = _chunk_until_error(signer, chunk, args)
            yield from done
            if error is not None:
                raise InvalidRequestError(error)
            chunk = list(islice(urls, _CHUNK))
        return
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"), initializer=_worker_init,
                               initargs=(signer,))
    pending: deque[Any] = deque()
    try:
        pending.append(pool.submit(_worker_chunk, first, args))
        more = True
        while pending:
            while more and len(pending) < 2 * jobs:
                chunk = list(islice(urls, _CHUNK))
                if not chunk:
                    more = False
                    break
                pending.append(pool.submit(_worker_chunk, chunk, args))
            done, error = pending.popleft().result()
            yield from done
            if error is not None:
                raise InvalidRequestError(error)
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


# -- the command's text forms --------------------------------------------------------------------


def parse_date(text: str, what: str = "the date") -> int:
    """Seconds since 1970 from AWS CLI v2's date forms: ``parse_date("2030-01-01") == 1893456000``.

    ``YYYY-MM-DD`` (midnight UTC), ``YYYY-MM-DDThh:mm:ss`` (UTC), with ``Z`` or ``±hh:mm``, or
    epoch seconds (``YYYYMMDD`` is read as epoch seconds, as AWS CLI v2 reads it)."""
    import datetime as _datetime

    value = text.strip()
    try:
        if value.replace(".", "", 1).isdigit():
            return int(float(value))
        moment = _datetime.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise InvalidRequestError(f"{what} {text!r} is not a date: give YYYY-MM-DD, YYYY-MM-DDThh:mm:ss[+hh:mm] "
                                  "or seconds since 1970") from None
    return epoch(moment, what)


def parse_duration(text: str) -> int:
    """Seconds from ``3600``, ``90s``, ``15m``, ``12h`` or ``7d``: ``parse_duration("15m") == 900``."""
    value = text.strip().lower()
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(value[-1:], 0)
    number = value[:-1] if unit else value
    if not (number.isascii() and number.isdigit()) or len(number) > 10 or int(number) * (unit or 1) < 1:
        raise InvalidRequestError(f"the duration {text!r} is not a positive whole number of seconds (or 15m, 12h, 7d)")
    return int(number) * (unit or 1)
