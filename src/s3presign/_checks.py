"""The rules every signature obeys, in one place: methods, expiry limits, signature versions,
key length, the signing time, and the query parameters and headers a caller may add.

The signer, POST policies, the command and the service all check with these, so a rule and
its message are written once. Imports only ``_errors`` (the ground).
"""

from __future__ import annotations

from ._errors import ConfigurationError, InvalidRequestError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime
    from typing import Any

__all__ = ["MAX_EXPIRES_IN", "MAX_KEY_BYTES", "MAX_V2_EXPIRES_IN", "METHODS", "METHOD_NAMES", "SIGNATURE_VERSIONS",
           "bad_method", "check_expires_in", "check_method", "check_signature_version", "checked_key", "epoch_second",
           "normal_method", "pairs", "request_headers", "request_params", "whole_seconds"]

METHOD_NAMES = ("GET", "PUT", "DELETE", "HEAD")  # in the order messages list them
METHODS = frozenset(METHOD_NAMES)
MAX_EXPIRES_IN = 604800  # seven days, the longest S3 accepts for SigV4
MAX_V2_EXPIRES_IN = 100 * 365 * 86400  # SigV2 has no limit; a century keeps the time printable
MAX_KEY_BYTES = 1024
SIGNATURE_VERSIONS = ("v4", "v2")


def check_signature_version(signature_version: object) -> None:
    """Raise ``ConfigurationError`` unless ``signature_version`` is ``"v4"`` or ``"v2"``."""
    if signature_version not in SIGNATURE_VERSIONS:
        raise ConfigurationError(f"invalid signature version {signature_version!r}: use v4 (or v2 for old stores)")


def bad_method(method: object) -> InvalidRequestError:
    """The error for a method a presigned URL cannot have: ``raise bad_method("POST")``."""
    return InvalidRequestError(f"invalid HTTP method {method!r}: use one of GET, PUT, DELETE, HEAD")


def normal_method(method: object) -> str:
    """A method in any case as S3 spells it: ``normal_method("get") == "GET"``; else the error."""
    upper = method.upper() if isinstance(method, str) else method
    if upper not in METHODS:
        raise bad_method(method)
    return upper


def whole_seconds(expires_in: Any) -> Any:
    """An expiry as an ``int`` when it is a whole number of seconds in another form
    (``timedelta(hours=1)``, ``3600.0``); anything else as given, for ``check_expires_in`` to
    refuse (``10.7``, ``True``, ``"60"``): ``whole_seconds(timedelta(minutes=10)) == 600``."""
    if type(expires_in) is int:
        return expires_in
    total = expires_in.total_seconds() if hasattr(expires_in, "total_seconds") else expires_in
    if type(total) is float and total.is_integer():
        return int(total)
    return expires_in


def check_method(method: object) -> None:
    """Raise ``InvalidRequestError`` unless ``method`` is one of ``METHODS``."""
    if method not in METHODS:
        raise bad_method(method)


def check_expires_in(expires_in: Any, signature_version: str = "v4") -> None:
    """Raise ``InvalidRequestError`` unless ``expires_in`` is a whole number of seconds the
    signature version takes: 1 to 604800 for SigV4, 1 to a century for SigV2."""
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


def checked_key(key: str) -> str:
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


def epoch_second(now: datetime) -> int:
    """The epoch second of an aware datetime, or ``InvalidRequestError`` for a naive one."""
    try:
        offset = now.utcoffset()
    except AttributeError:
        raise InvalidRequestError(f"now must be a datetime, not {type(now).__name__}") from None
    if offset is None:
        raise InvalidRequestError(
            "now must be an aware datetime, e.g. datetime.now(timezone.utc), so the signing time is unambiguous"
        )
    return int(now.timestamp())  # an aware datetime's timestamp is the UTC epoch time


# Query parameters that carry the signature itself: a caller may not set them.
_AUTH_PARAMS = frozenset({
    "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires", "x-amz-signedheaders",
    "x-amz-signature", "x-amz-security-token", "awsaccesskeyid", "signature", "expires",
    "x-amz-region-set", "x-amz-s3session-token",
})
_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def pairs(items: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> list[tuple[str, str]]:
    """A mapping or pairs (or None) as a list of pairs: ``pairs({"a": "1"}) == [("a", "1")]``."""
    # Duck-typed: importing collections.abc for an isinstance check costs 3 ms of start-up.
    if items is None:
        return []
    if hasattr(items, "items"):
        return list(items.items())
    return list(items)


def request_params(params: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> list[tuple[str, str]]:
    """Extra query parameters as pairs, or ``InvalidRequestError`` for one the signature sets."""
    found = pairs(params)
    for name, value in found:
        if not isinstance(name, str) or not isinstance(value, str) or not name:
            raise InvalidRequestError(f"query parameter {name!r}={value!r}: names and values must be strings")
        if name.lower() in _AUTH_PARAMS:
            raise InvalidRequestError(f"query parameter {name!r} is part of the signature; it cannot be set")
    return found


def request_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> list[tuple[str, str]]:
    """Headers to sign as pairs, or ``InvalidRequestError`` for a bad name or value or one the signature sets."""
    found = pairs(headers)
    for name, value in found:
        if not isinstance(name, str) or not name or not _TOKEN_CHARS.issuperset(name):
            raise InvalidRequestError(f"invalid header name {name!r}: use letters, digits and '-'")
        if not isinstance(value, str) or "\r" in value or "\n" in value:
            raise InvalidRequestError(f"invalid value for header {name}: it must be one line of text")
        if name.lower() in ("host", "authorization"):
            raise InvalidRequestError(f"header {name} is set by the signature; it cannot be given")
    return found
