"""Who is calling: bearer tokens (by SHA-256), HS256 JWTs (a claim names the caller), rate limits.

Theory of operation. A static bearer token is never stored: the policy holds its SHA-256, and a
request's token is hashed and looked up. A JWT (RFC 7519) is ``base64url(header).base64url(claims).
base64url(signature)``; for HS256 the signature is HMAC-SHA256 under the client's secret over the
first two parts (RFC 7515, section 5.1, and RFC 7518, section 3.2). Only ``alg: HS256`` is
accepted (never ``none``: RFC 8725, section 3.1), ``exp`` is required and may lie at most
``max_token_lifetime`` seconds ahead, so a token in a URL path is short-lived by construction.
Every part is canonical base64url, the JSON is depth-bounded without NaN, and ``exp``/``nbf``/
``iat`` are integers checked with ``[server] jwt_leeway`` seconds of skew (``iat`` not ahead).
The configured claim (``sub`` by default) is the caller's identity; qualified by the client
(``browser~alice``) it is ``{client}`` in keys, so a ``sub`` can never name another client's keys.

Rate limits are token buckets per (client, identity): ``rate_limit`` requests a second, up to
``burst`` at once. The clock is passed in (``now``, monotonic seconds).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass

from ._json import loads_bounded

from ._policy import ClientSpec, Policy, qualified_identity, valid_identity

__all__ = ["AddressLimiter", "AuthError", "Authenticator", "Caller", "RateLimiter", "authenticate", "verify_jwt"]

JWT_LEEWAY = 30  # default seconds of clock skew allowed on exp, nbf and iat (RFC 7519, section 4.1.4)
MAX_TOKEN = 8192  # bytes: a JWT in a path or header is a few hundred


class AuthError(Exception):
    """A missing or unusable credential (HTTP 401); the message is safe to show and log."""


class _WrongSecret(AuthError):
    """The JWT was not signed with this client's secret: another client's may fit."""


@dataclass(frozen=True)
class Caller:
    """Who is calling: the ``[[clients]]`` entry and the identity that goes into keys."""

    client: ClientSpec
    identity: str
    how: str  # "token", "jwt" or "hook", for the audit log

    @property
    def name(self) -> str:
        """The client's name, as rules list it."""
        return self.client.name

    @property
    def namespace(self) -> str:
        """The ``{client}`` value in keys: the identity qualified by its client (``browser~alice``)."""
        return qualified_identity(self.client.name, self.identity)


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def _b64url(text: str) -> bytes:
    """Strict base64url without padding (RFC 7515, section 2): the decoder alone skips stray
    characters, so junk after a signature would pass; only the canonical spelling is accepted."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if urlsafe_b64encode(data).rstrip(b"=").decode("ascii") != text:
        raise ValueError("not canonical base64url")
    return data


def _time_claim(claims: dict[str, object], name: str, *, required: bool = False) -> int | None:
    """``exp``, ``nbf`` and ``iat`` are NumericDate (RFC 7519, section 2): here finite whole seconds."""
    value = claims.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**53) < value < 2**53:
        if name == "exp" and value is None:
            raise AuthError("the JWT has no exp claim; tokens must expire")
        raise AuthError(f"the JWT's {name} claim must be whole seconds since 1970 (an integer)")
    return value


def verify_jwt(token: str, client: ClientSpec, *, now: float, leeway: int = JWT_LEEWAY) -> str:
    """The identity a valid HS256 JWT names for ``client``, else ``AuthError``; ``now`` is epoch seconds,
    ``leeway`` the clock skew allowed on ``exp``, ``nbf`` and ``iat``."""
    assert client.jwt_secret is not None
    parts = token.split(".")
    if len(parts) != 3 or len(token) > MAX_TOKEN:
        raise _WrongSecret("the token is not a JWT (three base64url parts)")
    try:
        header = loads_bounded(_b64url(parts[0]), max_depth=4)
        signature = _b64url(parts[2])
    except ValueError:
        raise _WrongSecret("the JWT is not base64url-encoded JSON") from None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise AuthError("the JWT must be signed with HS256")
    expected = hmac.new(client.jwt_secret, f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise _WrongSecret("the JWT's signature does not match")
    try:
        claims = loads_bounded(_b64url(parts[1]), max_depth=4)
    except ValueError:
        raise AuthError("the JWT's claims are not base64url-encoded JSON") from None
    if not isinstance(claims, dict):
        raise AuthError("the JWT's claims are not a JSON object")
    expires = _time_claim(claims, "exp", required=True)
    assert expires is not None
    if now > expires + leeway:
        raise AuthError("the JWT has expired")
    if expires - now > client.max_token_lifetime:
        raise AuthError(f"the JWT lives longer than this client's max_token_lifetime ({client.max_token_lifetime}s)")
    not_before = _time_claim(claims, "nbf")
    if not_before is not None and now + leeway < not_before:
        raise AuthError("the JWT is not valid yet (nbf)")
    issued = _time_claim(claims, "iat")
    if issued is not None and issued > now + leeway:
        raise AuthError("the JWT was issued in the future (iat)")
    if client.jwt_issuer is not None and claims.get("iss") != client.jwt_issuer:
        raise AuthError("the JWT's issuer (iss) is not the configured one")
    if client.jwt_audience is not None:
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if client.jwt_audience not in audiences:
            raise AuthError("the JWT's audience (aud) is not the configured one")
    identity = claims.get(client.jwt_claim)
    if not isinstance(identity, str) or not valid_identity(identity):
        raise AuthError(f"the JWT's {client.jwt_claim} claim is missing or not usable as an identity "
                        "(letters, digits, @+=._-, at most 128)")
    return identity


def authenticate(policy: Policy, token: str, *, now: float, in_path: bool = False) -> Caller:
    """The caller a bearer token or JWT stands for, or ``AuthError``: ``Authenticator(policy)(token, now=now)``.

    A token in the URL path must be a JWT: URLs end up in histories and proxy logs, so only
    short-lived tokens may travel there.
    """
    return Authenticator(policy)(token, now=now, in_path=in_path)


class Authenticator:
    """``authenticate`` for one policy, with the clients sorted by kind and each static-token
    client's ``Caller`` made once (the service calls it per request): ``Authenticator(policy)(token, now=t)``."""

    def __init__(self, policy: Policy) -> None:
        self.leeway = policy.server.jwt_leeway
        self._jwt = tuple(client for client in policy.clients if client.jwt_secret is not None)
        self._tokens = tuple((client.token_sha256, Caller(client, client.name, "token"))
                             for client in policy.clients if client.token_sha256 is not None)

    def __call__(self, token: str, *, now: float, in_path: bool = False) -> Caller:
        """The caller ``token`` stands for (``now`` in epoch seconds), or ``AuthError``."""
        if token.count(".") == 2:
            for client in self._jwt:
                try:
                    return Caller(client, verify_jwt(token, client, now=now, leeway=self.leeway), "jwt")
                except _WrongSecret:
                    continue
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        for token_sha256, caller in self._tokens:
            if hmac.compare_digest(token_sha256, digest):
                if in_path:
                    raise AuthError("a static token may not travel in the URL path; give the browser a short-lived JWT")
                return caller
        raise AuthError("the token is not valid")


class AddressLimiter:
    """Failed authentications per source address, as token buckets: ``rate`` a second, ``burst`` at once.

    ``blocked(address, now)`` is checked before authenticating; ``failed(address, now)`` after a
    failure. Only failures cost, so a well-behaved caller is never slowed.
    """

    def __init__(self, rate: float, burst: int, *, max_entries: int = 100_000) -> None:
        self.rate, self.burst = rate, float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._max_entries = max_entries

    def _tokens(self, address: str, now: float) -> float:
        tokens, then = self._buckets.get(address, (self.burst, now))
        return min(self.burst, tokens + (now - then) * self.rate)

    def blocked(self, address: str, *, now: float) -> float:
        """0 when ``address`` may try to authenticate, else the seconds to wait."""
        if address not in self._buckets:  # never failed (or forgiven): a full bucket
            return 0.0
        tokens = self._tokens(address, now)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def failed(self, address: str, *, now: float) -> None:
        """Count one failed authentication from ``address``."""
        if len(self._buckets) >= self._max_entries and address not in self._buckets:
            self._buckets.clear()
        self._buckets[address] = (max(0.0, self._tokens(address, now) - 1.0), now)


class RateLimiter:
    """Token buckets per (client, identity): ``limiter.allow(caller, now=time.monotonic())``."""

    def __init__(self, *, max_entries: int = 100_000) -> None:
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._max_entries = max_entries

    def allow(self, caller: Caller, *, now: float) -> float:
        """0 when the call may go ahead, else the seconds to wait (for Retry-After)."""
        rate = caller.client.rate_limit
        if rate is None:
            return 0.0
        capacity = float(caller.client.burst or max(1, int(rate * 2)))
        slot = (caller.name, caller.identity)
        tokens, then = self._buckets.get(slot, (capacity, now))
        tokens = min(capacity, tokens + (now - then) * rate)
        if tokens < 1.0:
            self._buckets[slot] = (tokens, now)
            return (1.0 - tokens) / rate
        if len(self._buckets) >= self._max_entries and slot not in self._buckets:
            self._buckets.clear()  # memory stays bounded; a reset only forgives
        self._buckets[slot] = (tokens - 1.0, now)
        return 0.0
