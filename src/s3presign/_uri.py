"""``s3://bucket/key`` (or ``bucket/key``, as the AWS CLI accepts) -> (bucket, key)."""

from __future__ import annotations

from ._errors import InvalidRequestError

__all__ = ["parse_s3_uri"]


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``parse_s3_uri("s3://my-bucket/a/b.txt") == ("my-bucket", "a/b.txt")``; the key is taken as is."""
    rest = uri[5:] if uri[:5].lower() == "s3://" else uri
    bucket, slash, key = rest.partition("/")
    if not bucket:
        raise InvalidRequestError(f"no bucket in {uri!r}: give s3://BUCKET/KEY")
    if not slash or not key:
        raise InvalidRequestError(f"no object key in {uri!r}: give s3://{bucket}/KEY (a presigned URL is for one object)")
    return bucket, key
