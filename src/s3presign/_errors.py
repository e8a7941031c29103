"""Errors raised by s3presign.

Every error is an ``s3presign.Error``; its message is one sentence that says what is wrong
and what to do about it, and never contains a secret.

    Error
    ├── InvalidRequestError (ValueError)   a bucket, key, method, expiry or time the request can't use
    ├── ConfigurationError (ValueError)    a region, endpoint, style or combination of settings
    │   ├── ConfigFileError                a config or credentials file that can't be read or parsed
    │   └── CloudFrontKeyError             a CloudFront key that can't be used: unreadable, wrong kind or size
    ├── CredentialsError                   no usable credentials: missing, partial, expired, or a failed source
    └── ServiceError                       the S3 service answered with an error (listing a prefix)
"""

from __future__ import annotations

__all__ = [
    "CloudFrontKeyError",
    "ConfigFileError",
    "ConfigurationError",
    "CredentialsError",
    "Error",
    "InvalidRequestError",
    "ServiceError",
]


class Error(Exception):
    """Base class of every error s3presign raises, e.g. ``except s3presign.Error as e: print(e)``."""


class InvalidRequestError(Error, ValueError):
    """The request itself is wrong, e.g. an empty key or ``expires_in=0``."""


class ConfigurationError(Error, ValueError):
    """A setting is wrong or two settings conflict, e.g. ``use_fips=True`` with ``use_accelerate=True``."""


class ConfigFileError(ConfigurationError):
    """A config or credentials file can't be read or parsed, e.g. a line outside any section."""


class CloudFrontKeyError(ConfigurationError):
    """A CloudFront key can't be used, e.g. an RSA 4096 key (CloudFront takes RSA 2048 or ECDSA P-256)."""


class CredentialsError(Error):
    """No usable credentials, e.g. a profile with an access key id but no secret."""


class ServiceError(Error):
    """The S3 service answered with an error, e.g. ``NoSuchBucket`` when listing a prefix."""
