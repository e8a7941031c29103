"""Errors raised by s3presign.

Every error is an ``s3presign.Error``; its message is one sentence that says what is wrong
and what to do about it, and never contains a secret.

    Error
    ├── InvalidRequestError (ValueError)   a bucket, key, method, expiry or time the request can't use
    ├── ConfigurationError (ValueError)    a region, endpoint, style or combination of settings
    │   ├── ConfigFileError                a config or credentials file that can't be read or parsed
    │   ├── CloudFrontKeyError             a CloudFront key that can't be used: unreadable, wrong kind or size
    │   └── StoreSettingError              a setting a store preset cannot use (its ``setting``, ``from_flag``)
    ├── CredentialsError                   no usable credentials: missing, partial, expired, or a failed source
    ├── ServiceError                       the S3 service answered with an error (listing a prefix)
    ├── HTTPError                          a call that could not complete: unreachable, too slow, too large
    └── UsageError                         a bad command line (the command's exit 252)

    OSError (internal: the file reader's, turned into ConfigFileError and the like by its callers)
    ├── NotRegularFileError                a directory, device, FIFO or socket where a file was expected
    └── FileTooLargeError                  a file over the reader's size cap

This is the ground layer: it imports nothing of the package. The facts an error carries are
arguments of its constructor.
"""

from __future__ import annotations

__all__ = [
    "CloudFrontKeyError",
    "ConfigFileError",
    "ConfigurationError",
    "CredentialsError",
    "Error",
    "FileTooLargeError",
    "HTTPError",
    "InvalidRequestError",
    "NotRegularFileError",
    "ServiceError",
    "StoreSettingError",
    "UsageError",
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


class StoreSettingError(ConfigurationError):
    """A setting the store preset cannot use, e.g. ``region="eu-west-1"`` for R2 (which signs for auto).

    ``setting`` names it (region, endpoint_url, addressing_style ...); ``from_flag`` says whether
    the command line gave it (the command exits 252) rather than the configuration (253).
    """

    def __init__(self, message: str, *, setting: str, from_flag: bool = False) -> None:
        super().__init__(message)
        self.setting = setting
        self.from_flag = from_flag


class HTTPError(Error):
    """A call that could not complete: unreachable, too slow, too large or not an http(s) URL,
    e.g. ``cannot reach instance metadata at http://169.254.169.254/...: timed out``."""


class UsageError(Error):
    """A bad command line, e.g. an unknown option (the command exits 252)."""


class NotRegularFileError(OSError):
    """The path is a directory, device, FIFO or socket, not a regular file."""


class FileTooLargeError(OSError):
    """The file is larger than the cap."""
