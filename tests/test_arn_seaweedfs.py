"""A real server accepts access point URLs.

SeaweedFS has no access points, Multi-Region Access Points, Outposts or directory buckets, but an
access point URL on a custom endpoint is virtual-hosted SigV4 (``NAME-ACCOUNT.host``, signed for
the ARN's region), which SeaweedFS checks like any virtual-hosted request when a bucket of that
name exists. SigV4A and S3 Express are checked against the AWS vectors, botocore + awscrt and a
CreateSession stand-in instead (``test_sigv4a_vectors``, ``test_arn_agreement``, ``test_express``).
"""

from __future__ import annotations

from s3presign import Credentials, Presigner

from .http import send
from .seaweedfs import Server

ACCOUNT = "123456789012"


def test_access_point_urls_work_against_a_real_server(seaweedfs: Server) -> None:
    keys = Credentials(seaweedfs.access_key_id, seaweedfs.secret_access_key)
    name = "reports"
    bucket = f"{name}-{ACCOUNT}"  # what the access point's host name says
    plain = Presigner(keys, endpoint_url=seaweedfs.endpoint_url, region="eu-west-1")
    created = send(plain.presign_details(bucket, None, "PUT").url, "PUT")
    assert created.status in (200, 409), created.body
    arn = f"arn:aws:s3:eu-west-1:{ACCOUNT}:accesspoint/{name}"
    # The client's own region differs: the ARN's region signs (use_arn_region, AWS CLI v2's default).
    signer = Presigner(keys, endpoint_url=f"http://{seaweedfs.domain}:{seaweedfs.port}", region="us-west-2")
    loopback = ("127.0.0.1", seaweedfs.port)
    url = signer.presign(arn, "q3/a b ü.csv", "PUT")
    assert url.startswith(f"http://{bucket}.{seaweedfs.domain}:{seaweedfs.port}/q3/a%20b%20%C3%BC.csv?")
    assert "%2Feu-west-1%2Fs3%2F" in url
    assert send(url, "PUT", b"via access point", connect_to=loopback).status == 200
    got = send(signer.presign(arn, "q3/a b ü.csv"), connect_to=loopback)
    assert (got.status, got.body) == (200, b"via access point")
    assert send(plain.presign(bucket, "q3/a b ü.csv")).body == b"via access point"
    # Refused when tampered with or signed by another secret.
    wrong = Presigner(Credentials(seaweedfs.access_key_id, "not-the-secret"),
                      endpoint_url=f"http://{seaweedfs.domain}:{seaweedfs.port}", region="us-west-2")
    assert send(wrong.presign(arn, "q3/a b ü.csv"), connect_to=loopback).status == 403
    assert send(url.replace("a%20b", "a%20c"), "PUT", b"x", connect_to=loopback).status == 403
