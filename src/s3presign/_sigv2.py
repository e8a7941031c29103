"""Legacy S3 query-string signing ("HmacV1", Signature Version 2), for stores that still need it.

Theory of operation (https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html,
"Query string request authentication alternative"):

    StringToSign = METHOD + "\\n" + Content-MD5 + "\\n" + Content-Type + "\\n" + Expires + "\\n"
                   + CanonicalizedAmzHeaders + CanonicalizedResource
    Signature    = Base64(HMAC-SHA1(secret, UTF-8(StringToSign)))

``Expires`` is an absolute epoch time, not a duration. ``CanonicalizedAmzHeaders`` are the
``x-amz-*`` headers, lower-cased, sorted, one ``name:value\\n`` each (the session token is one of
them). ``CanonicalizedResource`` is ``/bucket/encoded-key`` whatever the host, followed by the
sub-resources (``versionId``, ``response-*``, ...) sorted and not encoded.

A pure layer: imports nothing of the package but the ground.
"""

from __future__ import annotations

from binascii import b2a_base64

from _sha1 import sha1  # type: ignore[import-not-found,unused-ignore]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["SUB_RESOURCES", "canonical_resource", "signature", "string_to_sign"]

# Query parameters that are part of the signed resource (the S3 developer guide's list, as
# botocore's HmacV1Auth keeps it); other parameters are not signed in SigV2.
SUB_RESOURCES = frozenset({
    "accelerate", "acl", "cors", "defaultObjectAcl", "location", "logging", "partNumber", "policy",
    "requestPayment", "torrent", "versioning", "versionId", "versions", "website", "uploads", "uploadId",
    "response-content-type", "response-content-language", "response-expires", "response-cache-control",
    "response-content-disposition", "response-content-encoding", "delete", "lifecycle", "tagging", "restore",
    "storageClass", "notification", "replication", "analytics", "metrics", "inventory", "select", "select-type",
    "object-lock",
})


def canonical_resource(bucket: str, encoded_key: str, sub_resources: Iterable[tuple[str, str | None]] = ()) -> str:
    """``canonical_resource("johnsmith", "photos/puppy.jpg") == "/johnsmith/photos/puppy.jpg"``."""
    resource = f"/{bucket}/{encoded_key}"
    subs = sorted(sub_resources)
    if subs:
        resource += "?" + "&".join(k if v is None else f"{k}={v}" for k, v in subs)
    return resource


def string_to_sign(
    method: str,
    expires: int,
    resource: str,
    *,
    content_md5: str = "",
    content_type: str = "",
    amz_headers: Iterable[tuple[str, str]] = (),
) -> str:
    """``string_to_sign("GET", 1175139620, "/johnsmith/photos/puppy.jpg")``."""
    headers = "".join(f"{k}:{v.strip()}\n" for k, v in sorted((k.lower(), v) for k, v in amz_headers))
    return f"{method}\n{content_md5}\n{content_type}\n{expires}\n{headers}{resource}"


def signature(secret_access_key: str, string_to_sign_text: str) -> str:
    """Base64 HMAC-SHA1, not yet URL-encoded: ``signature(secret, sts)``."""
    key = secret_access_key.encode("utf-8")
    if len(key) > 64:  # RFC 2104: keys longer than the block are hashed first
        key = sha1(key).digest()
    block = key.ljust(64, b"\0")
    inner = sha1(bytes(b ^ 0x36 for b in block) + string_to_sign_text.encode("utf-8")).digest()
    digest = sha1(bytes(b ^ 0x5C for b in block) + inner).digest()
    return b2a_base64(digest, newline=False).decode("ascii")
