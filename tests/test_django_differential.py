"""s3presign.django's backends against django-storages' own, url() byte for byte.

Generated settings (querystring auth and expiry, signature version, addressing style, endpoint,
region, location, custom domain and URL protocol, session token, CloudFront keys) x names (the
ones clean_name and safe_join rewrite or refuse included) x parameters x expire x http_method,
every clock pinned to the same second. Errors (SuspiciousOperation, ParamValidationError, ...)
must match in type and message. S3PRESIGN_DJANGO_CASES sets the number of cases (default 4000).
"""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Iterator
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from unittest import mock

import pytest

from django.conf import settings

if not settings.configured:
    settings.configure(USE_TZ=True)

from storages.backends import s3 as parent  # noqa: E402

from s3presign import _boto3  # noqa: E402
from s3presign import django as ours  # noqa: E402

from . import boto3_cases as cases  # noqa: E402



CASES = int(os.environ.get("S3PRESIGN_DJANGO_CASES", "4000"))
SEED = int(os.environ.get("S3PRESIGN_DJANGO_SEED", "20250102"))
PER_SETTINGS = 100
NAME_PARTS = ["a", "b.txt", "dir/", "/", "//", "..", "../", "./", ".", "\\", "é", " ", "ü?#&+.txt", ".hidden",
              "media", "x y", "~", "%20", "a/../b", "part-0000001.parquet", "日本"]


def _rsa_keys() -> list[str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return [key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()
            for fmt in (serialization.PrivateFormat.TraditionalOpenSSL, serialization.PrivateFormat.PKCS8)]


def storage_settings(rng: random.Random, pems: list[str]) -> tuple[str, dict[str, Any]]:
    options: dict[str, Any] = {
        "bucket_name": rng.choice(["bkt", "my-bucket", "my.dotted.bucket", "MyBucket", "media-files"]),
        "access_key": cases.ACCESS_KEY, "secret_key": cases.SECRET,
        "security_token": rng.choice([None, cases.TOKEN]),
        "querystring_auth": rng.random() < 0.75,
        "querystring_expire": rng.choice([3600, 60, 604800]),
        "signature_version": rng.choice([None, None, "s3v4", "s3v4", "s3"]),
        "addressing_style": rng.choice([None, "virtual", "path"]),
        "endpoint_url": rng.choice([None] * 4 + ["http://localhost:9000", "https://minio.example.com"]),
        "region_name": rng.choice([None, "us-east-1", "eu-west-1", "eu-central-1", "us-west-2"]),
        "location": rng.choice(["", "", "media", "media/sub", "static/", "a//b"]),
    }
    if rng.random() < 0.2:
        options["custom_domain"] = rng.choice(["cdn.example.com", "d111111abcdef8.cloudfront.net/base"])
        options["url_protocol"] = rng.choice(["https:", "http:", "http"])
        if rng.random() < 0.5:
            options["cloudfront_key_id"] = "K2JCJMDEHXQW5F"
            options["cloudfront_key"] = rng.choice(pems)
    kind = "S3StaticStorage" if rng.random() < 0.2 else "S3Storage"
    if kind == "S3StaticStorage" and rng.random() < 0.5:
        del options["querystring_auth"]  # the class's own False
    return kind, options


def name(rng: random.Random) -> Any:
    text = "".join(rng.choice(NAME_PARTS) for _ in range(rng.randint(0, 4)))
    if rng.random() < 0.05:
        return PurePosixPath(text or "p/q.txt")
    return text if rng.random() > 0.03 else ""


def parameters(rng: random.Random) -> Any:
    return rng.choice([None] * 8 + [{}, {"ResponseContentDisposition": 'attachment; filename="a b.txt"'},
                       {"VersionId": "v1"}, {"ResponseContentType": "text/plain", "ResponseCacheControl": "no-cache"},
                       {"ResponseContentType": "text/plain", "x": "a b"}, {"Foo": 1}])


@contextlib.contextmanager
def pinned() -> Iterator[None]:
    """botocore's, s3presign's and django-storages' (datetime.utcnow for CloudFront) clocks."""
    naive = cases.NOW.replace(tzinfo=None)

    class Frozen(datetime):
        @classmethod
        def utcnow(cls) -> datetime:  # type: ignore[override]
            return naive

    with cases.pinned(), mock.patch.object(parent, "datetime", Frozen):
        yield


def test_generated_settings_and_names_equal_django_storages(home: object) -> None:
    rng = random.Random(SEED)
    pems = _rsa_keys()
    learned = calls = fast = 0
    real_learn = _boto3.Boto3Presigner._learn

    def counting_learn(self: Any, *args: Any) -> Any:
        nonlocal learned
        learned += 1
        return real_learn(self, *args)

    done = 0
    with pinned(), mock.patch.object(_boto3.Boto3Presigner, "_learn", counting_learn):
        while done < CASES:
            kind, options = storage_settings(rng, pems)
            expected_storage = getattr(parent, kind)(**options)
            our_storage = getattr(ours, kind)(**options)
            for _ in range(min(PER_SETTINGS, CASES - done)):
                done += 1
                args = (name(rng), parameters(rng), rng.choice([None, None, 10, 3600, 0]),
                        rng.choice([None] * 6 + ["PUT", "HEAD"]))
                expected = cases.outcome(lambda: expected_storage.url(*args))
                before = learned
                got = cases.outcome(lambda: our_storage.url(*args))
                assert got == expected, (kind, options, args)
                if expected[0] == "ok" and not options.get("custom_domain"):
                    calls += 1
                    fast += learned == before
    # Each storage learns each (Params names, HttpMethod) once; the other url() calls must be the
    # fast path's, or the comparison above would hold by delegation alone.
    assert fast >= 0.75 * calls, (fast, calls)


def test_suspicious_names_and_deconstruct(home: object) -> None:
    from django.core.exceptions import SuspiciousOperation

    storage = ours.S3Storage(bucket_name="bkt", location="media", access_key=cases.ACCESS_KEY,
                             secret_key=cases.SECRET)
    for bad in ("/a/b.txt", "../b.txt", "//a//b.txt", "a/../../x"):
        with pytest.raises(SuspiciousOperation, match="Attempted access to"):
            storage.url(bad)
    assert storage.deconstruct() == ("s3presign.django.S3Storage", (), {
        "bucket_name": "bkt", "location": "media", "access_key": cases.ACCESS_KEY, "secret_key": cases.SECRET})
    assert issubclass(ours.S3ManifestStaticStorage, parent.S3ManifestStaticStorage)
    assert issubclass(ours.S3ManifestStaticStorage, ours.S3StaticStorage)


def test_manifest_storage_hashes_then_signs_fast(home: object, tmp_path: Any) -> None:
    import json

    manifest = {"paths": {"css/site.css": "css/site.0123abcd.css"}, "version": "1.1", "hash": "x"}
    options = {"bucket_name": "bkt", "access_key": cases.ACCESS_KEY, "secret_key": cases.SECRET,
               "querystring_auth": True, "signature_version": "s3v4", "region_name": "eu-central-1"}
    # The manifest as if read from the bucket (offline: no S3 read in this test).
    with mock.patch.object(parent.S3ManifestStaticStorage, "read_manifest", lambda self: json.dumps(manifest)):
        expected_storage = parent.S3ManifestStaticStorage(**options)
        our_storage = ours.S3ManifestStaticStorage(**options)
    with pinned():
        expected = expected_storage.url("css/site.css")
        assert "site.0123abcd.css" in expected
        for _ in range(3):
            assert our_storage.url("css/site.css") == expected


def test_cloudfront_urls_equal_django_storages_and_are_ours(home: object) -> None:
    """A custom domain with a CloudFront key from the settings: s3presign.CloudFrontSigner signs
    the same canned-policy URL as django-storages' botocore signer (RSA PKCS#1 v1.5 is deterministic)."""
    rng = random.Random(SEED + 2)
    delegated = 0
    real_url = parent.S3Storage.url

    def counting_url(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal delegated
        delegated += isinstance(self, ours.S3Storage)
        return real_url(self, *args, **kwargs)

    with pinned(), mock.patch.object(parent.S3Storage, "url", counting_url):
        for pem in _rsa_keys():
            for protocol, domain, location in (("https:", "cdn.example.com", ""), ("http", "d1.cloudfront.net", "m")):
                options = {"bucket_name": "bkt", "access_key": cases.ACCESS_KEY, "secret_key": cases.SECRET,
                           "custom_domain": domain, "url_protocol": protocol, "location": location,
                           "cloudfront_key_id": "K2JCJMDEHXQW5F", "cloudfront_key": pem}
                expected_storage, our_storage = parent.S3Storage(**options), ours.S3Storage(**options)
                for _ in range(25):
                    args = (name(rng) or "k", parameters(rng), rng.choice([None, 10, 3600]), None)
                    expected = cases.outcome(lambda: expected_storage.url(*args))
                    assert cases.outcome(lambda: our_storage.url(*args)) == expected, (options, args)
    assert delegated <= 10, delegated  # only names django-storages refuses reach the parent
