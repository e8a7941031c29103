"""django-storages' S3 backends with a fast ``url()``: the same URL, many times faster.

    STORAGES = {"default": {"BACKEND": "s3presign.django.S3Storage", "OPTIONS": {...}}}

``S3Storage``, ``S3StaticStorage`` and ``S3ManifestStaticStorage`` subclass django-storages'
classes of the same names and override ``url()`` only; every setting, upload, listing and
``deconstruct()`` is the parent's. ``url()`` cleans the name with django-storages' own rules
(the same ``SuspiciousOperation``), then asks the boto3 client the parent would ask, through
``s3presign.from_boto3``: byte-identical output, with anything not proven left to boto3. With
``AWS_S3_CUSTOM_DOMAIN`` the parent's URL is already a string join and is kept as is; with a
CloudFront key from the settings the canned policy is signed by ``s3presign.CloudFrontSigner``.

Needs the ``django`` extra: ``pip install 's3presign[django]'``.
"""

from __future__ import annotations

import posixpath
import re
from datetime import datetime, timedelta, timezone

try:
    from storages.backends import s3 as _s3
    from storages.utils import clean_name
except ImportError as e:  # pragma: no cover - exercised by the extra's own test
    raise ImportError("s3presign.django needs django-storages and Django: pip install 's3presign[django]'") from e

from .. import _boto3

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["S3ManifestStaticStorage", "S3StaticStorage", "S3Storage"]

# A name that clean_name and safe_join leave as it is (after the location): no backslash, no
# empty, "." or ".." segment, no leading slash. Anything else takes django-storages' own path.
_SIMPLE_NAME = re.compile(r"[^/\\]+(?:/[^/\\]+)*/?").fullmatch


class _FastUrl:
    """The ``url()`` override shared by the three backends."""

    def url(self, name: Any, parameters: Any = None, expire: Any = None, http_method: Any = None) -> str:
        """What django-storages' ``url()`` returns for the same arguments at the same second."""
        storage: Any = self
        if storage.custom_domain:
            if storage.querystring_auth and storage.cloudfront_signer:
                return _cloudfront_url(storage, name, parameters, expire, http_method)
            return super().url(name, parameters, expire, http_method)  # type: ignore[misc,no-any-return]
        name = _normalized(storage, name)
        params = parameters.copy() if parameters else {}
        if expire is None:
            expire = storage.querystring_expire
        params["Bucket"] = storage.bucket.name
        params["Key"] = name
        connection = storage.connection if storage.querystring_auth else storage.unsigned_connection
        presigner = _boto3.presigner_for(connection.meta.client)
        url: str = presigner.generate_presigned_url("get_object", Params=params, ExpiresIn=expire,
                                                    HttpMethod=http_method)
        return url


def _normalized(storage: Any, name: Any) -> str:
    """``storage._normalize_name(clean_name(name))``, without the work when there is nothing to do."""
    location = storage.location
    if type(name) is str and _SIMPLE_NAME(name) and "/." not in "/" + name and type(location) is str:
        base = location.rstrip("/")
        if not base:
            return name
        if posixpath.normpath(base) == base and not base.startswith("/"):
            return f"{base}/{name}"
    return storage._normalize_name(clean_name(name))  # type: ignore[no-any-return]


def _cloudfront_url(storage: Any, name: Any, parameters: Any, expire: Any, http_method: Any) -> str:
    """The parent's canned-policy CloudFront URL, signed by s3presign.CloudFrontSigner when the key
    comes from the settings (an injected ``cloudfront_signer`` stays the parent's)."""
    key_id, key = storage.cloudfront_key_id, storage.cloudfront_key
    parent = super(_FastUrl, storage).url
    if not key_id or not key or type(key_id) is not str:
        return parent(name, parameters, expire, http_method)  # type: ignore[no-any-return]
    signer = _cloudfront_signer(key_id, key)
    if signer is None:
        return parent(name, parameters, expire, http_method)  # type: ignore[no-any-return]
    from django.utils.encoding import filepath_to_uri
    from django.utils.http import urlencode

    cleaned = storage._normalize_name(clean_name(name))
    params = parameters.copy() if parameters else {}
    seconds = storage.querystring_expire if expire is None else expire
    url = "{}//{}/{}{}".format(storage.url_protocol, storage.custom_domain, filepath_to_uri(cleaned),
                               "?{}".format(urlencode(params)) if params else "")
    # django-storages: datetime.utcnow() + expire, read by botocore as UTC, cut to whole seconds.
    now = _boto3._time()
    moment = datetime.fromtimestamp(now, timezone.utc).replace(tzinfo=None) + timedelta(seconds=seconds)
    expires = int(moment.replace(tzinfo=timezone.utc).timestamp())
    try:
        return signer.sign_url(url, expires_at=expires, now=now)  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - a URL our signer refuses: the parent's (botocore's) answer
        return parent(name, parameters, expire, http_method)  # type: ignore[no-any-return]


_SIGNERS: dict[str, Any] = {}


def _cloudfront_signer(key_id: str, key: Any) -> Any:
    """One CloudFrontSigner per key id and key, as django-storages keeps one per ``key_id:key``;
    None when the key is not one ours signs exactly as botocore does (RSA, SHA-1)."""
    cache = f"{key_id}:{key}"
    if cache not in _SIGNERS:
        try:
            from .. import CloudFrontSigner

            signer = CloudFrontSigner(key_id, key.encode() if isinstance(key, str) else key, hash_algorithm="sha1")
            _SIGNERS[cache] = signer if signer.key_type == "rsa" else None
        except Exception:  # noqa: BLE001 - the parent raises its own error, or signs with rsa
            _SIGNERS[cache] = None
    return _SIGNERS[cache]


class S3Storage(_FastUrl, _s3.S3Storage):  # type: ignore[misc]
    """django-storages' ``S3Storage`` with the fast ``url()``: ``BACKEND: "s3presign.django.S3Storage"``."""


class S3StaticStorage(_FastUrl, _s3.S3StaticStorage):  # type: ignore[misc]
    """django-storages' ``S3StaticStorage`` (unsigned URLs) with the fast ``url()``."""


class S3ManifestStaticStorage(_s3.S3ManifestStaticStorage, S3StaticStorage):  # type: ignore[misc]
    """django-storages' ``S3ManifestStaticStorage`` with the fast ``url()``.

    The order matters: the manifest mixin's ``url()`` runs first (it maps a name to its hashed
    name) and its ``super().url()`` then reaches the fast one, as it reached the parent's:
    S3ManifestStaticStorage -> ManifestFilesMixin -> HashedFilesMixin -> our S3StaticStorage
    -> _FastUrl -> django-storages' S3StaticStorage -> S3Storage."""
