"""ListObjectsV2 through a presigned URL, for ``--recursive``: the one place that needs a server.

Each page is a GET of the bucket with ``list-type=2``, ``prefix`` and ``continuation-token``,
presigned with the same credentials and sent to the configured endpoint
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html). Keys stream out page
by page; ``--include``/``--exclude`` filters apply as ``aws s3 cp`` applies them: to the key
relative to the prefix's directory, in order, the last matching filter deciding.

A wing: takes a ``Signer`` and imports ``_http`` and ``_errors``.
"""

from __future__ import annotations

from ._errors import Error, ServiceError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from ._signer import Signer

__all__ = ["error_detail", "keep", "list_keys"]

_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def keep(relative_key: str, filters: Sequence[tuple[str, str]]) -> bool:
    """Apply ``[("exclude", "*"), ("include", "*.jpg")]``: everything is included until a filter says otherwise."""
    from fnmatch import fnmatchcase

    included = True
    for kind, pattern in filters:
        if fnmatchcase(relative_key, pattern):
            included = kind == "include"
    return included


def list_keys(signer: Signer, bucket: str, prefix: str, *, filters: Sequence[tuple[str, str]] = (),
              page_size: int = 1000, fetch: Callable[[str], bytes] | None = None) -> Iterator[str]:
    """Yield every key under ``prefix`` that the filters keep, page by page."""
    import xml.etree.ElementTree as ET
    from urllib.parse import unquote_plus

    fetch = fetch or _fetch
    root = prefix[: prefix.rfind("/") + 1]
    token: str | None = None
    while True:
        # encoding-type=url keeps keys that XML cannot carry (control characters) intact.
        params = [("list-type", "2"), ("prefix", prefix), ("max-keys", str(page_size)), ("encoding-type", "url")]
        if token:
            params.append(("continuation-token", token))
        url = signer.presign_details(bucket, None, "GET", 300, params=params).url
        body = fetch(url)
        try:
            page = ET.fromstring(body)
        except ET.ParseError as exc:
            raise ServiceError(f"the listing of s3://{bucket}/{prefix} is not valid XML ({exc})") from None
        encoded_keys = page.findtext(f"{_NS}EncodingType") == "url"
        for contents in page.iter(f"{_NS}Contents"):
            encoded = contents.findtext(f"{_NS}Key")
            if encoded is None:
                continue
            key = unquote_plus(encoded) if encoded_keys else encoded
            if keep(key[len(root):], filters):
                yield key
        truncated = page.findtext(f"{_NS}IsTruncated") == "true"
        token = page.findtext(f"{_NS}NextContinuationToken")
        if not truncated or not token:
            return


def _fetch(url: str) -> bytes:
    import os

    from ._http import HTTPError, request

    try:
        # A listing page is at most 1,000 keys of up to 1 KiB each, plus markup.
        response = request("GET", url, timeout=60, max_bytes=8 << 20, env=os.environ,
                           what="the endpoint to list objects")
    except HTTPError as exc:
        raise Error(str(exc)) from None
    if response.status != 200:
        raise ServiceError(_describe(response.status, response.body))
    return response.body


def error_detail(status: int, body: bytes) -> str:
    """What an S3 error response says: ``"NoSuchKey: The specified key does not exist."`` or ``"HTTP 500"``."""
    import xml.etree.ElementTree as ET

    try:
        error = ET.fromstring(body)
        code, message = error.findtext("Code"), error.findtext("Message")
    except ET.ParseError:
        code = message = None
    return f"{code}: {message}" if code else f"HTTP {status}"


def _describe(status: int, body: bytes) -> str:
    return (f"listing failed ({error_detail(status, body)}); check the bucket, the prefix and that the credentials "
            "may list it")
