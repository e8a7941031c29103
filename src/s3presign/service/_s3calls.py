"""The S3 calls the service makes itself: Create/List/Complete/Abort multipart upload.

Theory of operation. These requests carry their signature in the ``Authorization`` header
(https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html), built from the
same ``_sigv4`` steps as presigned URLs: the canonical request signs ``host``, ``x-amz-date``,
``x-amz-content-sha256`` (the hex SHA-256 of the body, which S3 requires on every header-signed
request), the session token if any, and the request's own headers (Content-Type, metadata);
the header is ``AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=..., Signature=...``.
``signed_headers`` is pure (time passed in) and is checked against the AWS test suite and
botocore; ``S3Calls`` adds the clock, the current credentials and HTTP (``s3presign._http``).

Credentials are read from the signer at every call, so credentials that refresh themselves
are picked up as they change.
"""

from __future__ import annotations

import hashlib
import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from .. import _sigv4
from .._sigv4 import signed_headers as signed_headers  # the one SigV4 header signer
from .._encoding import encode_path
from .._errors import ServiceError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from .._credentials import Credentials
    from .._http import Response
    from .._presigner import Presigner

__all__ = ["Part", "S3Calls", "signed_headers"]

_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


class _Missing(Exception):
    """HEAD answered 404: no such object."""


class Part:
    """One uploaded part, as ListParts reports it."""

    __slots__ = ("etag", "number", "size")

    def __init__(self, number: int, etag: str, size: int) -> None:
        self.number = number
        self.etag = etag
        self.size = size

    def as_uppy(self) -> dict[str, object]:
        """``{"PartNumber": 1, "ETag": "...", "Size": 5242880}``, as @uppy/aws-s3 reads it."""
        return {"PartNumber": self.number, "ETag": self.etag, "Size": self.size}


class S3Calls:
    """Header-signed S3 requests with a signer's current credentials: ``S3Calls(signer).abort(b, k, id)``."""

    def __init__(self, signer: Presigner, *, timeout: float = 30.0) -> None:
        self.signer = signer
        self.timeout = timeout

    def create_multipart_upload(self, bucket: str, key: str, *, headers: Mapping[str, str]) -> str:
        """CreateMultipartUpload (POST ?uploads); returns the UploadId."""
        response = self._call("CreateMultipartUpload", "POST", bucket, key, [("uploads", "")], headers=headers)
        upload_id = _xml(response, "CreateMultipartUpload", bucket, key).findtext(f"{_NS}UploadId")
        if not upload_id:
            raise ServiceError(f"S3 answered CreateMultipartUpload for s3://{bucket}/{key} without an UploadId")
        return upload_id

    def list_parts(self, bucket: str, key: str, upload_id: str) -> list[Part]:
        """ListParts (GET ?uploadId), every page."""
        parts: list[Part] = []
        marker = ""
        while True:
            params = [("uploadId", upload_id), ("max-parts", "1000")]
            if marker:
                params.append(("part-number-marker", marker))
            page = _xml(self._call("ListParts", "GET", bucket, key, params), "ListParts", bucket, key)
            for part in page.iter(f"{_NS}Part"):
                number, etag, size = (part.findtext(f"{_NS}{n}") for n in ("PartNumber", "ETag", "Size"))
                if number and etag and size:
                    parts.append(Part(int(number), etag, int(size)))
            marker = page.findtext(f"{_NS}NextPartNumberMarker") or ""
            if page.findtext(f"{_NS}IsTruncated") != "true" or not marker:
                return parts

    def complete_multipart_upload(self, bucket: str, key: str, upload_id: str,
                                  parts: Sequence[tuple[int, str]]) -> None:
        """CompleteMultipartUpload (POST ?uploadId) with ``[(part number, ETag)]``."""
        body = "".join(f"<Part><PartNumber>{number}</PartNumber><ETag>{escape(etag)}</ETag></Part>"
                       for number, etag in parts)
        data = f'<CompleteMultipartUpload xmlns="{_NS[1:-1]}">{body}</CompleteMultipartUpload>'.encode()
        response = self._call("CompleteMultipartUpload", "POST", bucket, key, [("uploadId", upload_id)],
                              headers={"Content-Type": "application/xml"}, body=data)
        # S3 may answer 200 and still fail: the error comes in the body (CompleteMultipartUpload docs).
        root = _xml(response, "CompleteMultipartUpload", bucket, key)
        if root.tag == "Error":
            raise ServiceError(_refusal("CompleteMultipartUpload", bucket, key, response.status, response.body))

    def head_object_size(self, bucket: str, key: str) -> int | None:
        """HeadObject: the object's size in bytes, None when it does not exist."""
        try:
            response = self._call("HeadObject", "HEAD", bucket, key, [])
        except _Missing:
            return None
        length = response.headers.get("content-length", "")
        if not (length.isascii() and length.isdigit()):
            raise ServiceError(f"S3 answered HeadObject for s3://{bucket}/{key} without a Content-Length")
        return int(length)

    def delete_object(self, bucket: str, key: str) -> None:
        """DeleteObject."""
        self._call("DeleteObject", "DELETE", bucket, key, [])

    def abort_multipart_upload(self, bucket: str, key: str, upload_id: str) -> None:
        """AbortMultipartUpload (DELETE ?uploadId)."""
        self._call("AbortMultipartUpload", "DELETE", bucket, key, [("uploadId", upload_id)])

    def _call(self, action: str, method: str, bucket: str, key: str, params: list[tuple[str, str]], *,
              headers: Mapping[str, str] | None = None, body: bytes = b"") -> Response:
        import os

        from .._http import HTTPError, request

        endpoint = self.signer.endpoint(bucket)
        path = endpoint.path_prefix + encode_path(key)
        payload_hash = hashlib.sha256(body).hexdigest()
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        sent = signed_headers(
            credentials=self.signer.credentials,  # the current ones: they may have been refreshed
            method=method, path=path, params=params,
            headers=[("Host", endpoint.host_header), ("X-Amz-Content-SHA256", payload_hash), *(headers or {}).items()],
            payload_hash=payload_hash, region=endpoint.signing_region, amz_date=amz_date,
        )
        query = "&".join(f"{k}={v}" if v else k for k, v in
                         ((_q(k), _q(v)) for k, v in params))
        url = f"{endpoint.scheme}://{endpoint.netloc}{path}?{query}"
        try:
            response = request(method, url, headers=dict(sent), body=body if method not in ("GET", "HEAD") else None,
                               timeout=self.timeout, env=os.environ, what=f"S3 ({action})")
        except HTTPError as exc:
            raise ServiceError(f"{action} for s3://{bucket}/{key} failed: {exc}") from None
        if response.status == 404 and method == "HEAD":
            raise _Missing(action)
        if response.status >= 300:
            raise ServiceError(_refusal(action, bucket, key, response.status, response.body))
        return response


def _q(text: str) -> str:
    from .._encoding import encode_query_component

    return encode_query_component(text)


def _xml(response: Response, action: str, bucket: str, key: str) -> ET.Element:
    try:
        return ET.fromstring(response.body)
    except ET.ParseError:
        raise ServiceError(f"S3 answered {action} for s3://{bucket}/{key} with something that is not XML") from None


def _refusal(action: str, bucket: str, key: str, status: int, body: bytes) -> str:
    """``S3 refused CreateMultipartUpload for s3://b/k: NoSuchBucket (The specified bucket does not exist)``."""
    try:
        error = ET.fromstring(body)
        code, message = error.findtext("Code"), error.findtext("Message")
    except ET.ParseError:
        code = message = None
    detail = f"{code} ({message})" if code and message else code or f"HTTP {status}"
    return f"S3 refused {action} for s3://{bucket}/{key}: {' '.join(detail.split())}"
