"""Presigned POST: a browser form upload, with a policy that S3 checks.

Theory of operation (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html):
the form posts to the bucket's URL with the fields below, the file field last. The policy is
JSON ``{"expiration": ..., "conditions": [...]}``: the caller's conditions, then the bucket, the key
(``{"key": K}``, or ``["starts-with", "$key", prefix]`` when the key ends in ``${filename}``,
which the browser replaces by the file's name), then one condition per authentication field.
The ``policy`` field is the base64 of that JSON, and the signature is over that base64 text:
hex HMAC-SHA256 under the day's SigV4 signing key, or base64 HMAC-SHA1 under the secret for
SigV2. Field and condition order follow botocore's ``generate_presigned_post`` so the two give
the same bytes.

A wing: imports the pure layers (``_sigv4``, ``_sigv2``), the shared rules (``_checks``) and the
ground; it signs with any ``Signer`` (whose ``begin`` checks the store's limits and the expiry),
and never imports the signer or the front door at run time.
"""

from __future__ import annotations

import time
from binascii import b2a_base64

from . import _sigv2, _sigv4
from ._checks import checked_key
from ._errors import InvalidRequestError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping
    from datetime import datetime

    from ._signer import Signer

__all__ = ["FILENAME", "PresignedPost", "check_condition", "presign_post"]

FILENAME = "${filename}"


class PresignedPost:
    """A presigned form upload: post ``fields`` and then the file (field ``file``) to ``url``."""

    __slots__ = ("expires_in", "fields", "signed_at", "url")

    def __init__(self, url: str, fields: dict[str, str], signed_at: int, expires_in: int) -> None:
        self.url = url
        self.fields = fields
        self.signed_at = signed_at
        self.expires_in = expires_in

    @property
    def expires_at(self) -> datetime:
        """When the policy expires (an aware datetime)."""
        from datetime import datetime, timezone

        return datetime.fromtimestamp(self.signed_at + self.expires_in, timezone.utc)

    @property
    def policy(self) -> dict[str, object]:
        """The decoded policy document."""
        import json
        from binascii import a2b_base64

        return json.loads(a2b_base64(self.fields["policy"]))  # type: ignore[no-any-return]

    # A mapping like boto3's {"url": ..., "fields": {...}}: dict(post), post["fields"], **post.
    def keys(self) -> tuple[str, str]:
        """``("url", "fields")``, as boto3's dict has them."""
        return ("url", "fields")

    def __getitem__(self, name: str) -> object:
        if name == "url":
            return self.url
        if name == "fields":
            return self.fields
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return 2

    def __contains__(self, name: object) -> bool:
        return name in ("url", "fields")

    def to_dict(self) -> dict[str, object]:
        """Plain values, JSON-ready: ``{"url", "fields", "expires_at"}`` (ISO 8601 text)."""
        return {"url": self.url, "fields": dict(self.fields), "expires_at": self.expires_at.isoformat()}

    def __repr__(self) -> str:
        return f"PresignedPost(url={self.url!r}, fields={sorted(self.fields)!r})"


def presign_post(signer: Signer, bucket: str, key: str, *, expires_in: int = 3600,
                 conditions: Iterable[object] = (), fields: Mapping[str, str] | None = None,
                 now: datetime | None = None) -> PresignedPost:
    """Build the fields and policy for a form upload of ``key`` (see the module docstring)."""
    checked_key(key.replace(FILENAME, "f") if key.endswith(FILENAME) else key)
    options = {"acl"} if fields and any(name.lower() == "acl" for name in fields) else set()
    second, credentials = signer.begin("POST", expires_in, now, options=options)  # the store's limits, the expiry
    conditions = [check_condition(condition) for condition in conditions]
    endpoint = signer.endpoint(bucket)
    if bucket[:4] == "arn:" or endpoint.signing_service != "s3":
        # A form upload's policy names a bucket and is signed for one region: access points,
        # Multi-Region Access Points, Outposts and directory buckets take presigned PUTs instead.
        raise InvalidRequestError(f"presigned POST needs a bucket name, not {bucket}: presign a PUT for it instead "
                                  "(--http-method PUT)")
    url_path = endpoint.path_prefix.rstrip("/") or "/"
    url = f"{endpoint.scheme}://{endpoint.netloc}{url_path}"
    form = dict(fields or {})
    form["key"] = key
    rules: list[object] = list(conditions)
    rules.append({"bucket": bucket})
    rules.append(["starts-with", "$key", key[: -len(FILENAME)]] if key.endswith(FILENAME) else {"key": key})
    policy: dict[str, object] = {
        "expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second + expires_in)),
        "conditions": rules,
    }
    if signer.signature_version == "v4":
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))
        scope = _sigv4.credential_scope(amz_date[:8], endpoint.signing_region)
        auth = {
            "x-amz-algorithm": _sigv4.ALGORITHM,
            "x-amz-credential": f"{credentials.access_key_id}/{scope}",
            "x-amz-date": amz_date,
        }
        if credentials.session_token:
            auth["x-amz-security-token"] = credentials.session_token
        form.update(auth)
        rules.extend({name: value} for name, value in auth.items())
        form["policy"] = _encode(policy)
        key_bytes = signer.signing_key(credentials, amz_date[:8], endpoint)  # cached per day
        form["x-amz-signature"] = _sigv4.signature(key_bytes, form["policy"])
    else:
        form["AWSAccessKeyId"] = credentials.access_key_id
        if credentials.session_token:
            form["x-amz-security-token"] = credentials.session_token
            rules.append({"x-amz-security-token": credentials.session_token})
        form["policy"] = _encode(policy)
        form["signature"] = _sigv2.signature(credentials.secret_access_key, form["policy"])
    return PresignedPost(url, form, second, expires_in)


def check_condition(condition: object) -> object:
    """A policy condition S3 can check, or InvalidRequestError saying why not:
    ``check_condition(["content-length-range", 1, 1024])``.

    The forms (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html):
    ``{"field": "value"}`` (exact match), ``["eq" | "starts-with", "$field", "value"]``, and
    ``["content-length-range", MIN, MAX]`` with whole numbers 0 <= MIN <= MAX.
    """
    example = 'e.g. ["starts-with", "$key", "uploads/"], {"acl": "private"} or ["content-length-range", 1, 1048576]'
    if isinstance(condition, dict):
        if condition and all(isinstance(k, str) and k and isinstance(v, str) for k, v in condition.items()):
            return condition
        raise InvalidRequestError(f"a policy condition object maps field names to text, {example}; not {condition!r}")
    if isinstance(condition, list) and len(condition) == 3:
        operator, first, second = condition
        if operator == "content-length-range":
            if all(type(n) is int and 0 <= n < 1 << 63 for n in (first, second)) and first <= second:
                return condition
            raise InvalidRequestError(f"content-length-range takes two whole numbers of bytes, MIN <= MAX; not "
                                      f"{condition!r}")
        if operator in ("eq", "starts-with") and isinstance(first, str) and first.startswith("$") and len(
                first) > 1 and isinstance(second, str):
            return condition
    raise InvalidRequestError(f"not a policy condition S3 can check ({example}): {condition!r}")


def _encode(policy: dict[str, object]) -> str:
    import json  # json (with re) is kept off the import path: start-up

    return b2a_base64(json.dumps(policy).encode("utf-8"), newline=False).decode("ascii")
