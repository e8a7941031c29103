"""Where URLs point: AWS CLI v2's hosts (facts from the S3 docs), and refusals of what can't work."""

from __future__ import annotations

import pytest

from s3presign import ConfigurationError, Credentials, InvalidRequestError, Presigner

CREDS = Credentials("AKIDEXAMPLE", "secret")


@pytest.mark.parametrize(
    ("settings", "bucket", "url_prefix"),
    [
        # Facts from the S3 user guide, "Virtual hosting of buckets" and "Dual-stack endpoints".
        ({"region": "us-west-2"}, "my-bucket", "https://my-bucket.s3.us-west-2.amazonaws.com/"),
        ({"region": "us-east-1"}, "my-bucket", "https://my-bucket.s3.us-east-1.amazonaws.com/"),
        ({}, "my-bucket", "https://my-bucket.s3.amazonaws.com/"),
        ({"region": "aws-global"}, "my-bucket", "https://my-bucket.s3.amazonaws.com/"),
        ({"region": "eu-west-1"}, "my.dotted.bucket", "https://s3.eu-west-1.amazonaws.com/my.dotted.bucket/"),
        ({"region": "eu-west-1", "addressing_style": "path"}, "my-bucket", "https://s3.eu-west-1.amazonaws.com/my-bucket/"),
        ({"region": "cn-north-1"}, "my-bucket", "https://my-bucket.s3.cn-north-1.amazonaws.com.cn/"),
        ({"region": "us-gov-west-1", "use_fips": True}, "my-bucket", "https://my-bucket.s3-fips.us-gov-west-1.amazonaws.com/"),
        ({"region": "eu-west-1", "use_dualstack": True}, "my-bucket", "https://my-bucket.s3.dualstack.eu-west-1.amazonaws.com/"),
        ({"region": "eu-west-1", "use_accelerate": True}, "my-bucket", "https://my-bucket.s3-accelerate.amazonaws.com/"),
        ({"region": "eu-west-1", "use_accelerate": True, "use_dualstack": True}, "my-bucket",
         "https://my-bucket.s3-accelerate.dualstack.amazonaws.com/"),
        ({"endpoint_url": "http://127.0.0.1:8333"}, "my-bucket", "http://127.0.0.1:8333/my-bucket/"),
        ({"endpoint_url": "https://h.example/base/"}, "my-bucket", "https://h.example/base/my-bucket/"),
        ({"endpoint_url": "https://h.example/base", "addressing_style": "virtual"}, "my-bucket",
         "https://my-bucket.h.example/base/"),
        ({"endpoint_url": "http://127.0.0.1:8333", "addressing_style": "virtual"}, "my-bucket",
         "http://127.0.0.1:8333/my-bucket/"),
        ({"endpoint_url": "http://[::1]:8333", "addressing_style": "virtual"}, "my-bucket", "http://[::1]:8333/my-bucket/"),
        ({"endpoint_url": "https://h.example", "addressing_style": "virtual"}, "a.b.c", "https://h.example/a.b.c/"),
        ({"endpoint_url": "http://h.example", "addressing_style": "virtual"}, "a.b.c", "http://a.b.c.h.example/"),
    ],
)
def test_url_prefix(settings: dict[str, object], bucket: str, url_prefix: str) -> None:
    assert Presigner(CREDS, **settings).endpoint(bucket).url_prefix == url_prefix  # type: ignore[arg-type]


def test_signing_region_without_region_is_us_east_1() -> None:
    assert Presigner(CREDS).signing_region == "us-east-1"
    assert Presigner(CREDS, endpoint_url="http://127.0.0.1:1").signing_region == "us-east-1"
    assert "%2Fus-east-1%2Fs3%2F" in Presigner(CREDS).presign("my-bucket", "k")


def test_default_port_is_kept_in_the_url_but_not_signed() -> None:
    endpoint = Presigner(CREDS, endpoint_url="https://h.example:443").endpoint("my-bucket")
    assert endpoint.netloc == "h.example:443"
    assert endpoint.host_header == "h.example"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"use_fips": True, "use_accelerate": True}, "Accelerate cannot be used with FIPS"),
        ({"region": "cn-north-1", "use_fips": True}, "no FIPS"),
        ({"region": "cn-north-1", "use_accelerate": True}, "not available in cn-north-1"),
        ({"region": "us-isof-south-1", "use_dualstack": True}, "no dualstack"),
        ({"endpoint_url": "http://127.0.0.1:1", "use_accelerate": True}, "custom endpoint"),
        ({"endpoint_url": "http://127.0.0.1:1", "use_fips": True}, "custom endpoint"),
        ({"endpoint_url": "http://127.0.0.1:1", "use_dualstack": True}, "custom endpoint"),
        ({"region": "US-WEST-2"}, "invalid region"),
        ({"region": "us-west-2.evil.example"}, "invalid region"),
        ({"region": ""}, "invalid region"),
        ({"endpoint_url": "127.0.0.1:9000"}, "http:// or https://"),
        ({"endpoint_url": "ftp://h"}, "http:// or https://"),
        ({"endpoint_url": "http://"}, "no host name"),
        ({"endpoint_url": "http://u:p@h"}, "user name or password"),
        ({"endpoint_url": "http://h/?x=1"}, "query"),
        ({"endpoint_url": "http://h:99999"}, "invalid endpoint URL"),
        ({"addressing_style": "sideways"}, "auto, virtual, path"),
        ({"signature_version": "v3"}, "v4"),
    ],
)
def test_refused_settings(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Presigner(CREDS, **settings)  # type: ignore[arg-type]


@pytest.mark.parametrize("bucket", ["my.dotted.bucket", "My_Bucket", "ab"])
def test_accelerate_needs_a_dns_label_bucket(bucket: str) -> None:
    with pytest.raises(ConfigurationError, match="cannot use S3 Accelerate"):
        Presigner(CREDS, region="us-west-2", use_accelerate=True).presign(bucket, "k")


@pytest.mark.parametrize(
    ("bucket", "message"),
    [
        ("", "empty"),
        ("a/b", "invalid bucket name"),
        ("a b", "invalid bucket name"),
        ("b" * 256, "invalid bucket name"),
        ("arn:aws:s3:us-west-2:12345:accesspoint/ap", "invalid ARN .* 12 digits"),
        ("arn:aws:s3:us-west-2:123456789012:accesspoint/a.b", "invalid ARN"),
        ("arn:aws:s3-object-lambda:us-west-2:123456789012:accesspoint/ol", "Object Lambda"),
        ("My-Bucket--usw2-az1--x-s3", "invalid directory bucket name"),
        ("--x-s3", "invalid directory bucket name"),
    ],
)
def test_refused_buckets(bucket: str, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        Presigner(CREDS, region="us-west-2").presign(bucket, "k")
