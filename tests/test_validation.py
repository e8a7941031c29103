"""Bad requests raise InvalidRequestError with a message that says what to do."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import s3presign
from s3presign import Credentials, InvalidRequestError, Presigner

SIGNER = Presigner(Credentials("AKIDEXAMPLE", "secret"), region="us-west-2")
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("version", ["v4", "v2"])
@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "key is empty"),
        ("k" * 1025, "1025 bytes"),
        ("é" * 513, "1026 bytes"),
        ("\udcff", "lone surrogate"),
    ],
)
def test_bad_keys(version: str, key: str, message: str) -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", "secret"), region="us-west-2", signature_version=version)
    with pytest.raises(InvalidRequestError, match=message):
        signer.presign("my-bucket", key, now=NOW)


def test_longest_key_is_accepted() -> None:
    assert SIGNER.presign("my-bucket", "k" * 1024, now=NOW)
    assert SIGNER.presign("my-bucket", "é" * 512, now=NOW)


@pytest.mark.parametrize("method", ["POST", "gett", "PATCH", "", None])
def test_bad_methods(method: object) -> None:
    with pytest.raises(InvalidRequestError, match="GET, PUT, DELETE, HEAD"):
        SIGNER.presign("my-bucket", "k", method=method, now=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize("expires_in", [0, -1, 604801, 3600.5, "3600", True, None])
def test_bad_expiry(expires_in: object) -> None:
    with pytest.raises(InvalidRequestError, match="1 to 604800 seconds"):
        SIGNER.presign("my-bucket", "k", expires_in=expires_in, now=NOW)  # type: ignore[arg-type]


def test_expiry_bounds_are_accepted() -> None:
    assert "X-Amz-Expires=1&" in SIGNER.presign("my-bucket", "k", expires_in=1, now=NOW)
    assert "X-Amz-Expires=604800&" in SIGNER.presign("my-bucket", "k", expires_in=604800, now=NOW)


def test_bad_expiry_after_a_good_one_in_the_same_second() -> None:
    SIGNER.presign("my-bucket", "k", expires_in=3600, now=NOW)
    with pytest.raises(InvalidRequestError):
        SIGNER.presign("my-bucket", "k", expires_in=0, now=NOW)


def test_sigv2_allows_long_expiry_but_not_zero() -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", "secret"), signature_version="v2")
    assert "Expires=" in signer.presign("my-bucket", "k", expires_in=10 * 365 * 86400, now=NOW)
    with pytest.raises(InvalidRequestError, match="at least 1"):
        signer.presign("my-bucket", "k", expires_in=0, now=NOW)


def test_naive_now_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="aware datetime"):
        SIGNER.presign("my-bucket", "k", now=datetime(2026, 1, 1))


def test_now_in_another_zone_is_converted_to_utc() -> None:
    from datetime import timedelta

    plus_two = datetime(2026, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    assert SIGNER.presign("my-bucket", "k", now=plus_two) == SIGNER.presign("my-bucket", "k", now=NOW)


def test_errors_are_one_tree_and_value_errors() -> None:
    assert issubclass(s3presign.InvalidRequestError, s3presign.Error)
    assert issubclass(s3presign.InvalidRequestError, ValueError)
    assert issubclass(s3presign.ConfigurationError, ValueError)
    assert issubclass(s3presign.ConfigFileError, s3presign.ConfigurationError)
    assert issubclass(s3presign.CredentialsError, s3presign.Error)
