"""A real S3-compatible server accepts our URLs and refuses tampered ones."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from s3presign import Credentials, Presigner

from .http import error_code, send
from .seaweedfs import Server

# Keys S3 allows that trip naive encoders. (SeaweedFS rejects '.' and '..' path segments,
# which S3 itself accepts; the botocore agreement tests cover those.)
AWKWARD_KEYS = [
    "plain.txt",
    "with space/and+plus~tilde",
    "100% sure & done=yes?#frag",
    "unicode/ü/日本語/😀.bin",
    "x//double//slash",
    "/leading-slash",
    "semi;colon:at@(paren)[bracket]'quote'!*$,",
    "tab\there",
    "/".join(["long-segment-" + "d" * 187] * 5),  # 1004 bytes; SeaweedFS caps one segment at 255
]


@pytest.fixture(params=["v4", "v2"])
def signer(request: pytest.FixtureRequest, seaweedfs: Server) -> Presigner:
    return Presigner(
        Credentials(seaweedfs.access_key_id, seaweedfs.secret_access_key),
        endpoint_url=seaweedfs.endpoint_url,
        signature_version=request.param,
    )


@pytest.mark.parametrize("key", AWKWARD_KEYS, ids=range(len(AWKWARD_KEYS)))
def test_put_get_head_delete(signer: Presigner, seaweedfs: Server, key: str) -> None:
    body = f"contents of {key!r} via {signer.signature_version}".encode()
    bucket = seaweedfs.bucket
    assert send(signer.presign(bucket, key, "PUT"), "PUT", body).status == 200
    got = send(signer.presign(bucket, key, "GET"))
    assert (got.status, got.body) == (200, body)
    head = send(signer.presign(bucket, key, "HEAD"), "HEAD")
    assert (head.status, head.headers["content-length"]) == (200, str(len(body)))
    assert send(signer.presign(bucket, key, "DELETE"), "DELETE").status == 204
    assert send(signer.presign(bucket, key, "GET")).status == 404


def test_dotted_bucket_path_style(seaweedfs: Server) -> None:
    signer = Presigner(Credentials(seaweedfs.access_key_id, seaweedfs.secret_access_key),
                       endpoint_url=seaweedfs.endpoint_url, region="eu-west-1")
    assert send(signer.presign(seaweedfs.dotted_bucket, "k", "PUT"), "PUT", b"dotted").status == 200
    assert send(signer.presign(seaweedfs.dotted_bucket, "k")).body == b"dotted"


def test_virtual_hosted_style(seaweedfs: Server) -> None:
    # The bucket goes in the host name; we dial loopback and send that Host, as DNS would.
    signer = Presigner(Credentials(seaweedfs.access_key_id, seaweedfs.secret_access_key),
                       endpoint_url=f"http://{seaweedfs.domain}:{seaweedfs.port}", addressing_style="virtual")
    url = signer.presign(seaweedfs.bucket, "virtual/hosted key.txt", "PUT")
    assert url.startswith(f"http://{seaweedfs.bucket}.{seaweedfs.domain}:{seaweedfs.port}/virtual/")
    loopback = ("127.0.0.1", seaweedfs.port)
    assert send(url, "PUT", b"vh", connect_to=loopback).status == 200
    got = send(signer.presign(seaweedfs.bucket, "virtual/hosted key.txt"), connect_to=loopback)
    assert (got.status, got.body) == (200, b"vh")


@pytest.fixture
def stored(signer: Presigner, seaweedfs: Server) -> str:
    key = f"refusals/{signer.signature_version}.txt"
    assert send(signer.presign(seaweedfs.bucket, key, "PUT"), "PUT", b"secret data").status == 200
    return key


def test_tampered_signature_is_refused(signer: Presigner, seaweedfs: Server, stored: str) -> None:
    url = signer.presign(seaweedfs.bucket, stored)
    assert send(url).status == 200
    name = "X-Amz-Signature=" if signer.signature_version == "v4" else "Signature="
    head, _, sig = url.partition(name)
    flipped = ("0" if sig[0] != "0" else "1") + sig[1:]
    refused = send(head + name + flipped)
    assert (refused.status, error_code(refused)) == (403, "SignatureDoesNotMatch")


def test_other_key_with_same_signature_is_refused(signer: Presigner, seaweedfs: Server, stored: str) -> None:
    url = signer.presign(seaweedfs.bucket, stored)
    refused = send(url.replace(stored, stored.replace(".txt", ".TXT"), 1))
    assert (refused.status, error_code(refused)) == (403, "SignatureDoesNotMatch")


def test_wrong_method_is_refused(signer: Presigner, seaweedfs: Server, stored: str) -> None:
    refused = send(signer.presign(seaweedfs.bucket, stored, "GET"), "DELETE")
    assert (refused.status, error_code(refused)) == (403, "SignatureDoesNotMatch")
    refused = send(signer.presign(seaweedfs.bucket, stored, "HEAD"))
    assert (refused.status, error_code(refused)) == (403, "SignatureDoesNotMatch")
    assert send(signer.presign(seaweedfs.bucket, stored)).status == 200  # still there


def test_expired_url_is_refused(signer: Presigner, seaweedfs: Server, stored: str) -> None:
    an_hour_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    refused = send(signer.presign(seaweedfs.bucket, stored, expires_in=60, now=an_hour_ago))
    assert (refused.status, error_code(refused)) == (403, "AccessDenied") and b"expired" in refused.body
    assert send(signer.presign(seaweedfs.bucket, stored, expires_in=7200, now=an_hour_ago)).status == 200


def test_wrong_secret_is_refused(signer: Presigner, seaweedfs: Server, stored: str) -> None:
    forged = Presigner(Credentials(seaweedfs.access_key_id, "not-the-secret"), endpoint_url=seaweedfs.endpoint_url,
                       signature_version=signer.signature_version)
    refused = send(forged.presign(seaweedfs.bucket, stored))
    assert (refused.status, error_code(refused)) == (403, "SignatureDoesNotMatch")
