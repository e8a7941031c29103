"""Request options and presigned POST end to end: SeaweedFS accepts what the output says to send,
and refuses a request whose signed headers were changed or left out."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import uuid
from pathlib import Path
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from s3presign.cli import main

from .http import Response, error_code, send
from .seaweedfs import VERSIONED_BUCKET, Server, enable_versioning

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def command(seaweedfs_env: Server) -> Run:
    """The command, in-process, pointed at SeaweedFS; returns its --output json."""

    def run(*args: str) -> dict[str, object]:
        out, err = io.StringIO(), io.StringIO()
        assert main([*args, "--output", "json"], out=out, err=err) == 0, err.getvalue()
        return json.loads(out.getvalue())  # type: ignore[no-any-return]

    return run


def _send(data: dict[str, object], body: bytes | None = None, **changes: str | None) -> Response:
    """Send the request the output describes; ``changes`` alters or (None) drops headers."""
    headers = dict(data["headers"])  # type: ignore[call-overload]
    for name, value in changes.items():
        name = name.replace("_", "-")
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value
    return send(str(data["url"]), str(data["method"]), body, headers=headers)


def _refused(response: Response) -> tuple[int, str]:
    """Status and S3 error code: the code says why (a signed header changed, a precondition, a digest)."""
    return response.status, error_code(response)


def _uri(server: Server, name: str) -> str:
    return f"s3://{server.bucket}/options/{uuid.uuid4().hex}/{name}"


def test_content_type_is_enforced(command: Run, seaweedfs: Server) -> None:
    run = command
    uri = _uri(seaweedfs, "data.csv")
    put = run(uri, "--http-method", "PUT", "--content-type", "text/csv")
    assert _refused(_send(put, b"a,b\n", Content_Type="text/plain")) == (403, "SignatureDoesNotMatch")
    assert _refused(_send(put, b"a,b\n", Content_Type=None)) == (403, "SignatureDoesNotMatch")
    assert _send(put, b"a,b\n").status == 200
    assert send(str(run(uri)["url"])).headers["content-type"] == "text/csv"


def test_checksum_is_enforced(command: Run, seaweedfs: Server) -> None:
    run = command
    digest = base64.b64encode(hashlib.sha256(b"hello").digest()).decode()
    put = run(_uri(seaweedfs, "c.txt"), "--http-method", "PUT", "--checksum-sha256", digest)
    assert _refused(_send(put, b"hello", x_amz_checksum_sha256=None)) == (403, "SignatureDoesNotMatch")
    assert _refused(_send(put, b"hellO")) == (400, "BadDigest")  # the signed checksum does not match the body
    assert _send(put, b"hello").status == 200


def test_sse_c_round_trip(command: Run, seaweedfs: Server, tmp_path: Path) -> None:
    run = command
    key_file = tmp_path / "sse-c.key"
    key_file.write_bytes(os.urandom(32))
    uri = _uri(seaweedfs, "secret.bin")
    put = run(uri, "--http-method", "PUT", "--sse-c-key-file", str(key_file))
    assert _send(put, b"encrypted at rest").status == 200
    get = run(uri, "--sse-c-key-file", str(key_file))
    assert _send(get).body == b"encrypted at rest"
    assert _refused(_send(get, x_amz_server_side_encryption_customer_key=None)) == (403, "SignatureDoesNotMatch")
    assert send(str(run(uri)["url"])).status == 400  # no key: S3 says it needs one


def test_metadata_tagging_headers_and_storage(command: Run, seaweedfs: Server) -> None:
    run = command
    uri = _uri(seaweedfs, "meta.txt")
    put = run(uri, "--http-method", "PUT", "--metadata", "owner=alice", "--tagging", "team=data",
              "--storage-class", "STANDARD_IA", "--acl", "private", "--sse", "AES256",
              "--header", "Cache-Control: max-age=60")
    assert _refused(_send(put, b"x", x_amz_meta_owner="mallory")) == (403, "SignatureDoesNotMatch")
    assert _send(put, b"x").status == 200
    # The tags arrived as signed (SeaweedFS keeps no canned ACL to read back: it answers FULL_CONTROL to its owner).
    from s3presign import Credentials, Presigner

    bucket, key = uri[5:].split("/", 1)
    reader = Presigner(Credentials(seaweedfs.access_key_id, seaweedfs.secret_access_key),
                       endpoint_url=seaweedfs.endpoint_url)
    tags = send(reader.presign_details(bucket, key, "GET", params=[("tagging", "")]).url).body
    assert b"<Tag><Key>team</Key><Value>data</Value></Tag>" in tags
    head = send(str(run(uri, "--http-method", "HEAD")["url"]), "HEAD").headers
    assert (head["x-amz-meta-owner"], head["cache-control"], head["x-amz-storage-class"],
            head["x-amz-server-side-encryption"]) == ("alice", "max-age=60", "STANDARD_IA", "AES256")


def test_if_none_match_refuses_overwrite(command: Run, seaweedfs: Server) -> None:
    run = command
    put = run(_uri(seaweedfs, "once.txt"), "--http-method", "PUT", "--if-none-match", "*")
    assert _send(put, b"first").status == 200
    assert _refused(_send(put, b"second")) == (412, "PreconditionFailed")


def test_download_with_a_file_name(command: Run, seaweedfs: Server) -> None:
    run = command
    uri = _uri(seaweedfs, "r.bin")
    assert _send(run(uri, "--http-method", "PUT"), b"%PDF").status == 200
    got = send(str(run(uri, "--response-content-disposition", 'attachment; filename="Q3 report.pdf"',
                       "--response-content-type", "application/pdf", "--response-cache-control", "no-store")["url"]))
    assert (got.headers["content-disposition"], got.headers["content-type"], got.headers["cache-control"]) == (
        'attachment; filename="Q3 report.pdf"', "application/pdf", "no-store")


def test_version_id(command: Run, seaweedfs: Server) -> None:
    run = command
    enable_versioning(seaweedfs)
    uri = f"s3://{VERSIONED_BUCKET}/doc.txt"
    first = _send(run(uri, "--http-method", "PUT"), b"version one").headers["x-amz-version-id"]
    assert _send(run(uri, "--http-method", "PUT"), b"version two").status == 200
    assert send(str(run(uri)["url"])).body == b"version two"
    assert send(str(run(uri, "--version-id", first)["url"])).body == b"version one"


def test_multipart_upload_with_presigned_parts(command: Run, seaweedfs: Server) -> None:
    import boto3  # only to start and finish the upload; the parts go through our URLs
    from botocore.config import Config

    run = command
    client = boto3.client("s3", endpoint_url=seaweedfs.endpoint_url, aws_access_key_id=seaweedfs.access_key_id,
                          aws_secret_access_key=seaweedfs.secret_access_key, region_name="us-east-1",
                          config=Config(s3={"addressing_style": "path"}))
    key = f"options/{uuid.uuid4().hex}/big.bin"
    upload_id = client.create_multipart_upload(Bucket=seaweedfs.bucket, Key=key)["UploadId"]
    chunks = [os.urandom(5 * 1024 * 1024), b"the tail"]
    parts = []
    for number, chunk in enumerate(chunks, start=1):
        part = run(f"s3://{seaweedfs.bucket}/{key}", "--http-method", "PUT", "--upload-id", upload_id,
                   "--part-number", str(number))
        response = _send(part, chunk)
        assert response.status == 200
        parts.append({"PartNumber": number, "ETag": response.headers["etag"]})
    client.complete_multipart_upload(Bucket=seaweedfs.bucket, Key=key, UploadId=upload_id,
                                     MultipartUpload={"Parts": parts})
    assert send(str(run(f"s3://{seaweedfs.bucket}/{key}")["url"])).body == b"".join(chunks)


# -- presigned POST -----------------------------------------------------------------------------


def _multipart(fields: dict[str, str], filename: str, data: bytes, content_type: str = "text/plain") -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    chunks = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
              for k, v in fields.items()]
    chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                  f"Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def _post(data: dict[str, object], filename: str, body: bytes, **extra: str) -> Response:
    fields = {**data["fields"], **extra}  # type: ignore[dict-item]
    payload, content_type = _multipart(fields, filename, body)
    return send(str(data["url"]), "POST", payload, headers={"Content-Type": content_type})


@pytest.mark.parametrize("version", ["v4", "v2"])
def test_post_upload_with_limits(command: Run, seaweedfs: Server, version: str) -> None:
    run = command
    folder = f"posted/{uuid.uuid4().hex}/"
    post = run(f"s3://{seaweedfs.bucket}/{folder}${{filename}}", "--http-method", "POST",
               "--content-length-range", "1", "100", "--signature-version", version,
               "--success-action-status", "201")
    assert urlsplit(str(post["url"])).path == f"/{seaweedfs.bucket}"
    assert _post(post, "hello.txt", b"hello, form").status == 201
    assert send(str(run(f"s3://{seaweedfs.bucket}/{folder}hello.txt")["url"])).body == b"hello, form"
    assert _post(post, "big.txt", b"x" * 101).status == 400  # EntityTooLarge
    assert _post(post, "ignored.txt", b"x", key="elsewhere/x.txt").status == 403  # outside the prefix


def test_post_content_type_prefix(command: Run, seaweedfs: Server) -> None:
    run = command
    post = run(f"s3://{seaweedfs.bucket}/images/${{filename}}", "--http-method", "POST",
               "--content-type-prefix", "image/")
    assert _post(post, "a.png", b"\x89PNG", **{"Content-Type": "image/png"}).status == 204
    assert _post(post, "a.txt", b"text", **{"Content-Type": "text/plain"}).status == 403
