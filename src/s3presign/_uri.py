"""``s3://bucket/key`` (or ``bucket/key``, as the AWS CLI accepts; the bucket may be an access point ARN) -> (bucket, key).

A pure layer: imports ``_arn`` and ``_errors``.
"""

from __future__ import annotations

from ._errors import InvalidRequestError

__all__ = ["parse_s3_prefix", "parse_s3_uri"]


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``parse_s3_uri("s3://my-bucket/a/b.txt") == ("my-bucket", "a/b.txt")``; the key is taken as is."""
    rest = uri[5:] if uri[:5].lower() == "s3://" else uri
    if rest[:4] == "arn:":  # an access point ARN holds '/' itself: split where AWS CLI v2 does
        from ._arn import split_arn_uri

        bucket, key = split_arn_uri(rest)
        slash = "/" if key else ""
    else:
        bucket, slash, key = rest.partition("/")
    if not bucket:
        raise InvalidRequestError(f"no bucket in {uri!r}: give s3://BUCKET/KEY")
    if not slash or not key:
        raise InvalidRequestError(f"no object key in {uri!r}: give s3://{bucket}/KEY (a presigned URL is for one object)")
    return bucket, key


def parse_s3_prefix(uri: str) -> tuple[str, str]:
    """``parse_s3_prefix("s3://my-bucket/logs/") == ("my-bucket", "logs/")``: a bucket and a key
    prefix, which may be empty (a listing); an access point ARN is split where AWS CLI v2 splits it."""
    rest = uri[5:] if uri[:5].lower() == "s3://" else uri
    if rest[:4] == "arn:":
        from ._arn import split_arn_uri

        bucket, prefix = split_arn_uri(rest)
    else:
        bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise InvalidRequestError(f"no bucket in {uri!r}: give s3://BUCKET/PREFIX/")
    return bucket, prefix
