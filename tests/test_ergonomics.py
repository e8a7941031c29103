"""The library speaks Python as boto3 users expect: methods in any case, expiries as timedelta or
whole floats, to_dict() and PresignedPost as a mapping, the command's request options as
keywords on presign_request (each URL compared with botocore's for the same request and second)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from s3presign import Credentials, InvalidRequestError, Presigner

from . import botocore_reference as ref

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "eu-central-1"


def signer() -> Presigner:
    return Presigner(Credentials("AKIDEXAMPLE", SECRET), region=REGION)


def test_methods_in_any_case() -> None:
    s = signer()
    for lower, upper in (("get", "GET"), ("Put", "PUT"), ("head", "HEAD"), ("delete", "DELETE")):
        assert s.presign("bkt", "a b.txt", lower, now=NOW) == s.presign("bkt", "a b.txt", upper, now=NOW)
        assert s.presign_request("bkt", "k", method=lower, now=NOW).method == upper
        assert s.presign_details("bkt", "k", lower, now=NOW).url == s.presign_details("bkt", "k", upper, now=NOW).url
        assert s.presign_paths("bkt", ["k"], lower) and s.presign_keys("bkt", ["k"], lower)
    for bad in ("post", "GETX", 5, None):
        with pytest.raises(InvalidRequestError, match="invalid HTTP method"):
            s.presign("bkt", "k", bad, now=NOW)  # type: ignore[arg-type]


def test_expiry_as_timedelta_or_whole_number() -> None:
    s = signer()
    plain = s.presign("bkt", "k", expires_in=600, now=NOW)
    assert "X-Amz-Expires=600&" in plain
    for same in (timedelta(minutes=10), 600.0, timedelta(seconds=600)):
        assert s.presign("bkt", "k", expires_in=same, now=NOW) == plain  # type: ignore[arg-type]
        assert s.presign_request("bkt", "k", expires_in=same, now=NOW).url == plain  # type: ignore[arg-type]
        assert s.presign_request("bkt", "k", expires_in=same, now=NOW).expires_in == 600  # type: ignore[arg-type]
        assert s.presign_post("bkt", "k", expires_in=same, now=NOW).expires_in == 600  # type: ignore[arg-type]
    assert list(s.presign_many(["s3://bkt/k"], expires_in=timedelta(hours=1)))  # type: ignore[arg-type]
    for bad in (10.7, timedelta(seconds=1.5), True, "60", timedelta(days=8)):
        with pytest.raises(InvalidRequestError, match="invalid expiry"):
            s.presign("bkt", "k", expires_in=bad, now=NOW)  # type: ignore[arg-type]
        with pytest.raises(InvalidRequestError, match="invalid expiry"):
            s.presign_request("bkt", "k", expires_in=bad, now=NOW)  # type: ignore[arg-type]


def test_to_dict_and_post_as_a_mapping() -> None:
    s = signer()
    signed = s.presign_request("bkt", "k", method="PUT", headers={"Content-Type": "text/csv"}, now=NOW)
    data = json.loads(json.dumps(signed.to_dict()))
    assert data == {"url": signed.url, "method": "PUT", "headers": {"Content-Type": "text/csv"},
                    "signed_at": 1735787045, "expires_in": 3600, "expires_at": "2025-01-02T04:04:05+00:00",
                    "credentials_expire_at": None}
    post = s.presign_post("bkt", "uploads/${filename}", now=NOW)
    assert dict(post) == {"url": post.url, "fields": post.fields}
    assert post["fields"] is post.fields and post["url"] == post.url and len(post) == 2 and "fields" in post
    assert {**post}.keys() == {"url", "fields"}
    with pytest.raises(KeyError):
        post["policy"]
    assert json.loads(json.dumps(post.to_dict()))["fields"] == post.fields


SSE_KEY = b"0123456789abcdef0123456789abcdef"
CHECKSUM = base64.b64encode(b"\x01" * 32).decode()
# (keywords for presign_request, method, botocore operation, its Params)
CASES: list[tuple[dict[str, Any], str, str, dict[str, Any]]] = [
    ({"content_type": "text/csv", "metadata": {"Owner": "u1", "x": "a b"}, "acl": "private"}, "put", "put_object",
     {"ContentType": "text/csv", "Metadata": {"Owner": "u1", "x": "a b"}, "ACL": "private"}),
    ({"storage_class": "STANDARD_IA", "tagging": "a=b&c=d", "sse": "aws:kms", "sse_kms_key_id": "alias/k"}, "PUT",
     "put_object", {"StorageClass": "STANDARD_IA", "Tagging": "a=b&c=d", "ServerSideEncryption": "aws:kms",
                    "SSEKMSKeyId": "alias/k"}),
    ({"checksum_sha256": CHECKSUM, "if_none_match": "*", "content_md5": "1B2M2Y8AsgTpgAmY7PhCfg=="}, "PUT",
     "put_object", {"ChecksumSHA256": CHECKSUM, "IfNoneMatch": "*", "ContentMD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}),
    ({"sse_c_key": SSE_KEY}, "PUT", "put_object", {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": SSE_KEY}),
    ({"sse_c_key": base64.b64encode(SSE_KEY).decode()}, "GET", "get_object",
     {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": SSE_KEY}),
    ({"version_id": "v1", "response_content_disposition": 'attachment; filename="a b.csv"',
      "response_content_type": "text/csv", "response_cache_control": "no-cache"}, "get", "get_object",
     {"VersionId": "v1", "ResponseContentDisposition": 'attachment; filename="a b.csv"',
      "ResponseContentType": "text/csv", "ResponseCacheControl": "no-cache"}),
    ({"upload_id": "VXBsb2Fk+/=", "part_number": 7}, "PUT", "upload_part", {"UploadId": "VXBsb2Fk+/=", "PartNumber": 7}),
]


@pytest.mark.parametrize("keywords,method,operation,params", CASES)
def test_keyword_options_equal_botocore(keywords: dict[str, Any], method: str, operation: str,
                                        params: dict[str, Any]) -> None:
    ours = signer().presign_request("bkt", "dir/a b.txt", method=method, expires_in=timedelta(minutes=10),
                                    now=NOW, **keywords)
    theirs = ref.presign_request("bkt", "dir/a b.txt", operation=operation, params=params, expires_in=600, now=NOW,
                                 access_key_id="AKIDEXAMPLE", secret_access_key=SECRET, session_token=None,
                                 region=REGION)
    assert ref.parts(ours.url) == ref.parts(theirs)
    assert ours.method == method.upper()


def test_keyword_options_refuse_what_they_cannot_be() -> None:
    s = signer()
    with pytest.raises(TypeError, match="unexpected keyword argument 'content_typ'"):
        s.presign_request("bkt", "k", method="PUT", content_typ="text/csv")
    with pytest.raises(InvalidRequestError, match="metadata must map"):
        s.presign_request("bkt", "k", method="PUT", metadata={"a=b": "c"})
    with pytest.raises(InvalidRequestError, match="describes an upload"):
        s.presign_request("bkt", "k", method="GET", content_type="text/csv")
    with pytest.raises(InvalidRequestError, match="256-bit key"):
        s.presign_request("bkt", "k", method="PUT", sse_c_key=b"short")


def test_uri_inputs_are_s3_uris_never_a_guessed_bucket() -> None:
    s = signer()
    assert len(list(s.presign_many(["s3://bkt/a", "S3://bkt/b", ("bkt", "c")]))) == 3
    with pytest.raises(InvalidRequestError, match="'bkt/key' is not an s3:// URI"):
        list(s.presign_many(["bkt/key"]))
    urls = s.presign_many(["s3://bkt/a", "bkt/b"])
    assert "/a?" in next(urls)  # the URLs before the bad item come first
    with pytest.raises(InvalidRequestError, match="not an s3:// URI"):
        next(urls)
    pd = pytest.importorskip("pandas")
    from s3presign.arrow import presign_pandas

    with pytest.raises(InvalidRequestError, match="not an s3:// URI"):
        presign_pandas(s, pd.Series(["bkt/k", "bkt/j"]))
    assert presign_pandas(s, pd.Series(["k", "j"]), bucket="bkt").str.contains("/k?|/j?", regex=False).size == 2
    assert presign_pandas(s, pd.Series(["s3://bkt/k"])).str.startswith("https://bkt.s3.eu-central-1").all()


def test_a_missing_optional_dependency_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from s3presign.arrow import presign_pandas, presign_polars

    monkeypatch.setitem(sys.modules, "polars", None)  # as if not installed
    with pytest.raises(ImportError, match=r"this needs polars: pip install 's3presign\[polars\]'"):
        presign_polars(signer(), None)  # type: ignore[arg-type]
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install 's3presign\[pandas\]'"):
        presign_pandas(signer(), None)  # type: ignore[arg-type]
