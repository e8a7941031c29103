"""Every request option equals botocore's URL for the same API parameters, at the same time."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from s3presign import Credentials, InvalidRequestError, Presigner
from s3presign.cli import ExitCode, main

from . import botocore_reference as ref
from .test_cli import SECRET, TOKEN, signed_at

SSE_C_KEY = bytes(range(32))
SHA256_OF_HELLO = base64.b64encode(hashlib.sha256(b"hello").digest()).decode()
MD5_OF_HELLO = base64.b64encode(hashlib.md5(b"hello").digest()).decode()

# (command-line options, botocore operation, botocore API parameters, headers the client must send)
CASES = {
    "version id": (["--version-id", "3/L4kqtJl40Nr8X8gdRQBpUMLUo"], "get_object",
                   {"VersionId": "3/L4kqtJl40Nr8X8gdRQBpUMLUo"}, {}),
    "response overrides": (
        ["--response-content-disposition", 'attachment; filename="Q3 report.pdf"',
         "--response-content-type", "application/pdf", "--response-cache-control", "no-cache",
         "--response-content-language", "fr-CA", "--response-content-encoding", "gzip",
         "--response-expires", "Sun, 01 Dec 2030 16:00:00 GMT"],
        "get_object",
        {"ResponseContentDisposition": 'attachment; filename="Q3 report.pdf"', "ResponseContentType": "application/pdf",
         "ResponseCacheControl": "no-cache", "ResponseContentLanguage": "fr-CA", "ResponseContentEncoding": "gzip",
         "ResponseExpires": datetime(2030, 12, 1, 16, tzinfo=timezone.utc)},
        {}),
    "head with version": (["--http-method", "HEAD", "--version-id", "v1"], "head_object", {"VersionId": "v1"}, {}),
    "delete a version": (["--http-method", "DELETE", "--version-id", "v1"], "delete_object", {"VersionId": "v1"}, {}),
    "content type and md5": (["--http-method", "PUT", "--content-type", "text/csv", "--content-md5", MD5_OF_HELLO],
                             "put_object", {"ContentType": "text/csv", "ContentMD5": MD5_OF_HELLO},
                             {"Content-Type": "text/csv", "Content-MD5": MD5_OF_HELLO}),
    "checksum sha256": (["--http-method", "PUT", "--checksum-sha256", SHA256_OF_HELLO], "put_object",
                        {"ChecksumSHA256": SHA256_OF_HELLO}, {"x-amz-checksum-sha256": SHA256_OF_HELLO}),
    "checksum crc32": (["--http-method", "PUT", "--checksum-crc32", "NhCmhg=="], "put_object",
                       {"ChecksumCRC32": "NhCmhg=="}, {"x-amz-checksum-crc32": "NhCmhg=="}),
    "checksum crc32c": (["--http-method", "PUT", "--checksum-crc32c", "mnG7TA=="], "put_object",
                        {"ChecksumCRC32C": "mnG7TA=="}, {"x-amz-checksum-crc32c": "mnG7TA=="}),
    "checksum sha1": (["--http-method", "PUT", "--checksum-sha1", "qvTGHdzF6KLavt4PO0gs2a6pQ00="], "put_object",
                      {"ChecksumSHA1": "qvTGHdzF6KLavt4PO0gs2a6pQ00="},
                      {"x-amz-checksum-sha1": "qvTGHdzF6KLavt4PO0gs2a6pQ00="}),
    "acl storage class tagging metadata": (
        ["--http-method", "PUT", "--acl", "bucket-owner-full-control", "--storage-class", "STANDARD_IA",
         "--tagging", "team=data&tier=gold", "--metadata", "Owner=alice", "--metadata", "purpose=Q3 report"],
        "put_object",
        {"ACL": "bucket-owner-full-control", "StorageClass": "STANDARD_IA", "Tagging": "team=data&tier=gold",
         "Metadata": {"owner": "alice", "purpose": "Q3 report"}},
        {"x-amz-acl": "bucket-owner-full-control", "x-amz-storage-class": "STANDARD_IA",
         "x-amz-tagging": "team=data&tier=gold", "x-amz-meta-owner": "alice", "x-amz-meta-purpose": "Q3 report"}),
    "sse aes256": (["--http-method", "PUT", "--sse", "AES256"], "put_object", {"ServerSideEncryption": "AES256"},
                   {"x-amz-server-side-encryption": "AES256"}),
    "sse kms": (["--http-method", "PUT", "--sse", "aws:kms", "--sse-kms-key-id", "alias/data"], "put_object",
                {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/data"},
                {"x-amz-server-side-encryption": "aws:kms",
                 "x-amz-server-side-encryption-aws-kms-key-id": "alias/data"}),
    "if none match": (["--http-method", "PUT", "--if-none-match", "*"], "put_object", {"IfNoneMatch": "*"},
                      {"If-None-Match": "*"}),
    "upload part": (["--http-method", "PUT", "--upload-id", "VXBsb2FkIElE+/=", "--part-number", "7"], "upload_part",
                    {"UploadId": "VXBsb2FkIElE+/=", "PartNumber": 7}, {}),
}


def _cli_json(*args: str) -> dict[str, object]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*args, "--output", "json"], out=out, err=err)
    assert code == 0, err.getvalue()
    assert SECRET not in out.getvalue() + err.getvalue()
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("region", ["eu-west-1", None])
def test_option_equals_botocore(keys: Path, case: str, region: str | None) -> None:
    args, operation, params, headers = CASES[case]
    region_args = ["--region", region] if region else []
    data = _cli_json("s3://my-bucket/reports/q3 ü.pdf", *args, *region_args, "--expires-in", "900")
    url = str(data["url"])
    theirs = ref.presign_request("my-bucket", "reports/q3 ü.pdf", operation=operation, params=params,
                                 expires_in=900, now=signed_at(url), access_key_id="AKIDCLI",
                                 secret_access_key=SECRET, session_token=None, region=region)
    assert ref.parts(url) == ref.parts(theirs)
    assert data["headers"] == headers


def test_sse_c_key_file(keys: Path, tmp_path: Path) -> None:
    for content in (SSE_C_KEY, base64.b64encode(SSE_C_KEY) + b"\n"):
        key_file = tmp_path / "key.bin"
        key_file.write_bytes(content)
        for method, operation in (("PUT", "put_object"), ("GET", "get_object"), ("HEAD", "head_object")):
            data = _cli_json("s3://my-bucket/k", "--http-method", method, "--sse-c-key-file", str(key_file),
                             "--region", "eu-west-1")
            theirs = ref.presign_request("my-bucket", "k", operation=operation,
                                         params={"SSECustomerAlgorithm": "AES256", "SSECustomerKey": SSE_C_KEY},
                                         expires_in=3600, now=signed_at(str(data["url"])), access_key_id="AKIDCLI",
                                         secret_access_key=SECRET, session_token=None, region="eu-west-1")
            assert ref.parts(str(data["url"])) == ref.parts(theirs)
            assert data["headers"] == {
                "x-amz-server-side-encryption-customer-algorithm": "AES256",
                "x-amz-server-side-encryption-customer-key": base64.b64encode(SSE_C_KEY).decode(),
                "x-amz-server-side-encryption-customer-key-MD5":
                    base64.b64encode(hashlib.md5(SSE_C_KEY).digest()).decode(),
            }


def test_debug_hides_the_sse_c_key(keys: Path, tmp_path: Path) -> None:
    (tmp_path / "key.bin").write_bytes(SSE_C_KEY)
    err = io.StringIO()
    assert main(["s3://my-bucket/k", "--sse-c-key-file", str(tmp_path / "key.bin"), "--debug"], out=io.StringIO(),
                err=err) == 0
    assert base64.b64encode(SSE_C_KEY).decode() not in err.getvalue()
    assert "x-amz-server-side-encryption-customer-key:***" in err.getvalue()


def test_param_and_header_escape_hatches(keys: Path) -> None:
    data = _cli_json("s3://my-bucket/k", "--http-method", "PUT", "--param", "x-id=PutObject",
                     "--header", "Cache-Control: max-age=60", "--header", "Expires: Thu, 01 Dec 2030 16:00:00 GMT")
    assert data["headers"] == {"Cache-Control": "max-age=60", "Expires": "Thu, 01 Dec 2030 16:00:00 GMT"}
    url = str(data["url"])
    assert "x-id=PutObject&" in url and "X-Amz-SignedHeaders=cache-control%3Bexpires%3Bhost&" in url


def test_curl_output(keys: Path) -> None:
    out = io.StringIO()
    assert main(["s3://my-bucket/dir/data.csv", "--http-method", "PUT", "--content-type", "text/csv",
                 "--output", "curl"], out=out, err=io.StringIO()) == 0
    command = out.getvalue()
    assert command.startswith("curl --globoff --path-as-is --fail-with-body --upload-file data.csv -H 'Content-Type: text/csv' 'https://")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--content-type", "text/csv"], "use it with --http-method PUT"),
        (["--http-method", "PUT", "--response-content-type", "x"], "use it with GET or HEAD"),
        (["--http-method", "PUT", "--version-id", "v"], "a PUT makes a new one"),
        (["--http-method", "PUT", "--checksum-sha256", "abc"], "base64 of 32 bytes"),
        (["--http-method", "PUT", "--content-md5", "bm90IDE2IGJ5dGVz"], "base64 of 16 bytes"),
        (["--http-method", "PUT", "--sse", "rot13"], "AES256, aws:kms"),
        (["--http-method", "PUT", "--sse-kms-key-id", "k"], "needs --sse aws:kms"),
        (["--http-method", "PUT", "--upload-id", "u"], "go together"),
        (["--upload-id", "u", "--part-number", "1"], "which is a PUT"),
        (["--http-method", "PUT", "--upload-id", "u", "--part-number", "10001"], "1 to 10000"),
        (["--metadata", "novalue", "--http-method", "PUT"], "NAME=VALUE"),
        (["--header", "Bad Header"], "NAME:VALUE"),
        (["--header", "Host: evil.example"], "set by the signature"),
        (["--param", "X-Amz-Signature=0"], "part of the signature"),
        (["--sse-c-key-file", "/nonexistent/key"], "cannot read --sse-c-key-file"),
        (["--content-length-range", "1", "2"], "for presigned POST"),
        (["--output", "html"], "url, json or curl"),
    ],
)
def test_bad_request_options(keys: Path, args: list[str], fragment: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["s3://my-bucket/k", *args], out=out, err=err) == ExitCode.USAGE
    assert out.getvalue() == "" and fragment in err.getvalue() and err.getvalue().count("\n") == 1


def test_library_presign_request_equals_botocore() -> None:
    signer = Presigner(Credentials("AKIDCLI", SECRET, TOKEN), region="ap-northeast-1")
    now = datetime(2026, 6, 1, 12, 30, tzinfo=timezone.utc)
    request = signer.presign_request("my-bucket", "a/b c.csv", method="PUT", expires_in=60, now=now,
                                     headers={"Content-Type": "text/csv", "x-amz-meta-owner": "alice"})
    theirs = ref.presign_request("my-bucket", "a/b c.csv", operation="put_object",
                                 params={"ContentType": "text/csv", "Metadata": {"owner": "alice"}}, expires_in=60,
                                 now=now, access_key_id="AKIDCLI", secret_access_key=SECRET, session_token=TOKEN,
                                 region="ap-northeast-1")
    assert ref.parts(request.url) == ref.parts(theirs)  # in full: the signature covers the header values
    assert request.headers == {"Content-Type": "text/csv", "x-amz-meta-owner": "alice"}
    assert request.method == "PUT"
    assert request.expires_at == datetime(2026, 6, 1, 12, 31, tzinfo=timezone.utc)
    assert signer.presign("my-bucket", "a/b c.csv", "PUT", 60, now, headers={"Content-Type": "text/csv",
                          "x-amz-meta-owner": "alice"}) == request.url


def test_library_refuses_bad_headers() -> None:
    signer = Presigner(Credentials("AKIDCLI", SECRET))
    with pytest.raises(InvalidRequestError, match="one line"):
        signer.presign_request("my-bucket", "k", headers={"X-Evil": "a\r\nInjected: 1"})
