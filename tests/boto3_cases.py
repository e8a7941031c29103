"""Generated cases for the boto3 front door: client configurations, operations and their Params,
and a pinned clock shared by botocore and s3presign. The expected values always come from the
boto3 client itself; nothing here computes a URL."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from unittest import mock

import boto3
import botocore
import botocore.auth
from botocore.config import Config

from . import botocore_reference

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
ACCESS_KEY = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEOr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+abc/def=="

REGIONS = ["us-east-1", "eu-west-1", "us-west-2", "eu-central-1", "ap-south-2", "cn-north-1", "us-gov-west-1",
           "sa-east-1", "xx-test-9"]
BUCKETS = ["bkt", "my-bucket", "my.dotted.bucket", "MyBucket", "my_bucket", "a" * 63, "ab",
           "arn:aws:s3:us-west-2:123456789012:accesspoint/myap"]
KEY_PARTS = ["a", "dir/", "my key", "+", "é", "日本", "😀", "~", "!*'()", "=&?#%;:@$,", "//", "../", "./", "%20",
             " ", "a.b", "-_.", "part-0000001.parquet", "x" * 40, "\t", "[]{}|^`\\<>\""]


def key(rng: random.Random) -> str:
    text = "".join(rng.choice(KEY_PARTS) for _ in range(rng.randint(1, 5)))
    return "/" + text if rng.random() < 0.05 else text


def _text(rng: random.Random) -> str:
    return rng.choice(["text/plain", "a b", "x+y/z", "é", "attachment; filename=\"a b.txt\"",
                       "attachment; filename*=UTF-8''%C3%A9t%C3%A9.txt", "  padded  ", "v1", "~tilde", "a=b&c=d"])


def _header_text(rng: random.Random) -> str:
    return rng.choice(["text/plain", "a b", "x+y/z", "attachment; filename=\"a b.txt\"", "  padded  ", "v1",
                       "max-age=60,  public", "gzip", "en-US", application_form])


application_form = "application/x-www-form-urlencoded; charset=utf-8"


def _when(rng: random.Random) -> datetime:
    moment = datetime(2030, 1, 1, 12, 30, 15) + timedelta(seconds=rng.randint(0, 10**7))
    choice = rng.random()
    if choice < 0.4:
        return moment
    if choice < 0.7:
        return moment.replace(tzinfo=timezone.utc)
    return moment.replace(tzinfo=timezone(timedelta(hours=rng.choice([-8, 2, 5]))))


def _metadata(rng: random.Random) -> dict[str, str]:
    names = ["Foo", "owner", "X-Trace", "a", "Camel-Case", "n1"]
    return {name: rng.choice(["Bar Baz", "u1", "v", "  spaced ", "a,b"]) for name in rng.sample(names, rng.randint(1, 3))}


def _choice(*values: Any) -> Callable[[random.Random], Any]:
    return lambda rng: rng.choice(values)


_SSE_KEY = _choice("0123456789abcdef0123456789abcdef", b"\x00" * 32, "k" * 32)
_CHECKSUM = _choice("SHA256", "CRC32", "CRC32C", "SHA1")
_COPY = _choice("src/a b.txt", "src/dir/é?versionId=abc", "src/k", "src/a+b?versionId=v 1", "src/100%")

GENERATORS: dict[str, Callable[[random.Random], Any]] = {
    "ResponseContentType": _text, "ResponseContentDisposition": _text, "ResponseCacheControl": _text,
    "ResponseContentEncoding": _text, "ResponseContentLanguage": _text, "ResponseExpires": _when,
    "VersionId": _choice("v1", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", "null", "a b"),
    "PartNumber": _choice(1, 3, 10000), "Range": _choice("bytes=0-99", "bytes=-5"),
    "IfMatch": _choice('"abc"', "*"), "IfNoneMatch": _choice("*", '"etag"'), "IfModifiedSince": _when,
    "IfUnmodifiedSince": _when, "RequestPayer": _choice("requester"), "ExpectedBucketOwner": _choice("123456789012"),
    "ChecksumMode": _choice("ENABLED"), "SSECustomerAlgorithm": _choice("AES256"), "SSECustomerKey": _SSE_KEY,
    "SSECustomerKeyMD5": _choice("zZ5FnqcIqUjVwvWmyog4zw=="),
    "ContentType": _header_text, "ContentMD5": _choice("1B2M2Y8AsgTpgAmY7PhCfg=="),
    "ContentDisposition": _header_text, "ContentEncoding": _choice("gzip", "identity"),
    "ContentLanguage": _choice("en-US", "fr"), "CacheControl": _choice("max-age=60", "no-cache,  no-store"),
    "Expires": _when, "ContentLength": _choice(0, 5, 10**9), "Metadata": _metadata,
    "ACL": _choice("private", "public-read", "bucket-owner-full-control"),
    "StorageClass": _choice("STANDARD_IA", "GLACIER_IR"), "Tagging": _choice("a=b&c=d", "k=v v"),
    "WebsiteRedirectLocation": _choice("/other", "https://example.com/x"), "ObjectLockMode": _choice("GOVERNANCE"),
    "ServerSideEncryption": _choice("aws:kms", "AES256"), "SSEKMSKeyId": _choice("alias/my key", "1234abcd"),
    "ChecksumAlgorithm": _CHECKSUM, "ChecksumSHA256": _choice("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
    "ChecksumCRC32": _choice("AAAAAA=="), "BucketKeyEnabled": _choice(True, False),
    "GrantRead": _choice('id="abc"', 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'),
    "BypassGovernanceRetention": _choice(True, False), "UploadId": _choice("u1", "VXBsb2FkIElE+/=", "a b"),
    "MaxParts": _choice(1, 1000), "PartNumberMarker": _choice(0, 7), "Prefix": _choice("a/", "my dir/é", "", "x+y"),
    "Delimiter": _choice("/", "|"), "MaxKeys": _choice(1, 1000), "ContinuationToken": _choice("tok+/=", "t"),
    "StartAfter": _choice("a", "b c"), "FetchOwner": _choice(True, False), "EncodingType": _choice("url"),
    "Marker": _choice("m", "m é"),
    "ObjectAttributes": lambda rng: rng.sample(["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"],
                                               rng.randint(1, 3)),
    "CopySource": _COPY, "MetadataDirective": _choice("COPY", "REPLACE"), "TaggingDirective": _choice("COPY"),
    "CopySourceIfMatch": _choice('"abc"'), "CopySourceRange": _choice("bytes=0-9"),
    "CopySourceSSECustomerAlgorithm": _choice("AES256"), "CopySourceSSECustomerKey": _SSE_KEY,
}

_GET = ["ResponseContentType", "ResponseContentDisposition", "ResponseCacheControl", "ResponseContentEncoding",
        "ResponseContentLanguage", "ResponseExpires", "VersionId", "PartNumber", "Range", "IfMatch", "IfNoneMatch",
        "IfModifiedSince", "IfUnmodifiedSince", "RequestPayer", "ExpectedBucketOwner", "ChecksumMode",
        "SSECustomerAlgorithm", "SSECustomerKey", "SSECustomerKeyMD5"]
_PUT = ["ContentType", "ContentMD5", "ContentDisposition", "ContentEncoding", "ContentLanguage", "CacheControl",
        "Expires", "ContentLength", "Metadata", "ACL", "StorageClass", "Tagging", "WebsiteRedirectLocation",
        "ObjectLockMode", "ServerSideEncryption", "SSEKMSKeyId", "SSECustomerAlgorithm", "SSECustomerKey",
        "SSECustomerKeyMD5", "ChecksumAlgorithm", "ChecksumSHA256", "ChecksumCRC32", "IfNoneMatch", "IfMatch",
        "RequestPayer", "ExpectedBucketOwner", "BucketKeyEnabled", "GrantRead"]
# operation -> (required names besides Bucket/Key, optional names)
OPERATIONS: dict[str, tuple[list[str], list[str]]] = {
    "get_object": ([], _GET),
    "head_object": ([], [n for n in _GET if not n.startswith("Response")] + ["ResponseContentType"]),
    "put_object": ([], _PUT),
    "delete_object": ([], ["VersionId", "RequestPayer", "BypassGovernanceRetention", "ExpectedBucketOwner", "IfMatch"]),
    "upload_part": (["UploadId", "PartNumber"], ["ContentMD5", "ContentLength", "SSECustomerAlgorithm", "SSECustomerKey",
                                                 "ChecksumAlgorithm", "RequestPayer", "ExpectedBucketOwner"]),
    "create_multipart_upload": ([], ["ContentType", "Metadata", "ACL", "StorageClass", "ServerSideEncryption",
                                     "SSEKMSKeyId", "ChecksumAlgorithm", "Tagging", "CacheControl", "Expires"]),
    "complete_multipart_upload": (["UploadId"], ["ChecksumSHA256", "IfNoneMatch", "RequestPayer", "ExpectedBucketOwner"]),
    "abort_multipart_upload": (["UploadId"], ["RequestPayer", "ExpectedBucketOwner"]),
    "list_parts": (["UploadId"], ["MaxParts", "PartNumberMarker", "RequestPayer", "ExpectedBucketOwner"]),
    "list_objects_v2": ([], ["Prefix", "Delimiter", "MaxKeys", "ContinuationToken", "StartAfter", "FetchOwner",
                             "EncodingType", "RequestPayer", "ExpectedBucketOwner"]),
    "list_objects": ([], ["Prefix", "Delimiter", "Marker", "MaxKeys", "EncodingType", "RequestPayer"]),
    "get_object_attributes": (["ObjectAttributes"], ["VersionId", "MaxParts", "PartNumberMarker", "RequestPayer"]),
    "get_object_tagging": ([], ["VersionId", "ExpectedBucketOwner", "RequestPayer"]),
    "get_object_acl": ([], ["VersionId", "RequestPayer", "ExpectedBucketOwner"]),
    "copy_object": (["CopySource"], ["MetadataDirective", "ContentType", "Metadata", "CopySourceIfMatch", "ACL",
                                     "TaggingDirective", "CopySourceSSECustomerAlgorithm", "CopySourceSSECustomerKey",
                                     "StorageClass"]),
    "upload_part_copy": (["CopySource", "UploadId", "PartNumber"], ["CopySourceRange", "CopySourceIfMatch",
                                                                   "RequestPayer"]),
    "head_bucket": ([], ["ExpectedBucketOwner"]),
}
BUCKET_ONLY = {"list_objects_v2", "list_objects", "head_bucket"}
HTTP_METHODS = [None] * 6 + ["PUT", "get", "BOGUS"]


def names(rng: random.Random, operation: str) -> list[str]:
    """Param names for one call, in a random order (botocore keeps the caller's order)."""
    required, optional = OPERATIONS[operation]
    chosen = set(rng.sample(optional, rng.randint(0, min(4, len(optional)))))
    if "SSECustomerKey" in chosen or "SSECustomerAlgorithm" in chosen:
        chosen |= {"SSECustomerKey", "SSECustomerAlgorithm"}
    if "CopySourceSSECustomerKey" in chosen:
        chosen.add("CopySourceSSECustomerAlgorithm")
    if "SSECustomerKeyMD5" in chosen and rng.random() < 0.5:
        chosen.discard("SSECustomerKeyMD5")
    found = ["Bucket"] + ([] if operation in BUCKET_ONLY else ["Key"]) + required + sorted(chosen)
    rng.shuffle(found)
    return found


def values(rng: random.Random, bucket: str, ordered: list[str]) -> dict[str, Any]:
    """Params with these names in this order, fresh values."""
    return {n: bucket if n == "Bucket" else key(rng) if n == "Key" else GENERATORS[n](rng) for n in ordered}


def client_settings(rng: random.Random) -> dict[str, Any]:
    """One client configuration: region, signature version, addressing, variants, endpoint, token."""
    region = rng.choice(REGIONS)
    s3: dict[str, Any] = {}
    style = rng.choice([None, None, "virtual", "path", "auto"])
    if style:
        s3["addressing_style"] = style
    if rng.random() < 0.15:
        s3["us_east_1_regional_endpoint"] = "regional"
    if rng.random() < 0.1:
        s3["use_accelerate_endpoint"] = True
    if rng.random() < 0.1:
        s3["use_dualstack_endpoint"] = True
    signature = rng.choice([None, None, "s3v4", "s3v4", "s3", botocore.UNSIGNED])
    config: dict[str, Any] = {"s3": s3 or None}
    if signature is not None:
        config["signature_version"] = signature
    if rng.random() < 0.1:
        config["use_fips_endpoint"] = True
    endpoint = rng.choice([None] * 8 + ["http://localhost:9000", "https://minio.example.com", "https://example.com/base",
                                        "http://127.0.0.1:8333"])
    return {"region_name": region, "endpoint_url": endpoint, "config": Config(**config),
            "aws_session_token": rng.choice([None, TOKEN]), "crt": rng.random() < 0.3}


_SESSION: list[boto3.session.Session] = []


def make_client(settings: dict[str, Any]) -> Any:
    if not _SESSION:
        _SESSION.append(boto3.session.Session())
    kwargs = {k: v for k, v in settings.items() if k != "crt"}
    return _SESSION[0].client("s3", aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET, **kwargs)


@contextlib.contextmanager
def pinned(now: datetime = NOW, crt: bool = False) -> Iterator[None]:
    """botocore's clocks and s3presign's read ``now``; botocore signs SigV4 with its Python signer
    or, with ``crt``, the CRT's (which orders the query differently)."""
    from s3presign import _boto3

    with contextlib.ExitStack() as stack:
        stack.enter_context(botocore_reference.pinned_clock(now))
        stack.enter_context(mock.patch.object(_boto3, "_time", lambda: now.timestamp()))
        if crt:
            import botocore.crt.auth

            stack.enter_context(mock.patch.dict(botocore.auth.AUTH_TYPE_MAPS,
                                                {"s3v4-query": botocore.crt.auth.CrtS3SigV4QueryAuth}))
        yield


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """("ok", result) or ("error", (type, message)) of one call."""
    try:
        return "ok", call()
    except Exception as e:  # noqa: BLE001 - the comparison is the point
        return "error", (type(e), str(e))


def post_fields(rng: random.Random) -> dict[str, Any] | None:
    if rng.random() < 0.3:
        return None
    pool = {"acl": "public-read", "Content-Type": "image/jpeg", "success_action_status": "201",
            "x-amz-meta-owner": "u1", "Cache-Control": "max-age=60", "key": "overridden",
            "success_action_redirect": "https://example.com/ok?a=b", "x-amz-meta-é": "ü"}
    names = rng.sample(list(pool), rng.randint(0, 4))
    return {n: pool[n] for n in names}


def post_conditions(rng: random.Random) -> list[Any] | None:
    if rng.random() < 0.3:
        return None
    pool: list[Any] = [["content-length-range", 1, 10_000_000], {"acl": "public-read"},
                       ["starts-with", "$Content-Type", "image/"], {"x-amz-meta-owner": "u1"},
                       ["eq", "$success_action_status", "201"], {"x-amz-meta-é": "ü"}]
    return rng.sample(pool, rng.randint(0, 4))


def post_key(rng: random.Random) -> str:
    return key(rng) + ("${filename}" if rng.random() < 0.3 else "")
