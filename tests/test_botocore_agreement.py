"""Every URL equals botocore's (AWS CLI v2 settings), part by part, at the same signing time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from s3presign import Credentials, Presigner

from . import botocore_reference as ref

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEOr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+abc/def=="
REGIONS = [
    None, "us-east-1", "us-west-2", "eu-central-1", "ap-southeast-5", "me-central-1", "il-central-1",
    "cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1",
]
BUCKETS = [
    "my-bucket", "abc", "a" * 63, "a" * 64, "my.dotted.bucket", "MyBucket", "my_bucket", "ab", "x",
    "bucket-", "-bucket", "b..c", "192.168.1.1", "xn--bucket", "my-bucket-s3alias", "a.b",
]
SPECIALS = [" ", "+", "~", "%", "#", "?", "&", "=", "/", "//", "é", "ü", "日本", "😀", "%20", ";", ":", "@", "!", "*",
            "'", "(", ")", "$", ",", "[", "]", "\\", "^", "`", "{", "}", "|", "<", ">", '"', "\t", "\u00a0"]

keys = st.lists(
    st.one_of(
        st.sampled_from(SPECIALS),
        st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=8),
        st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=12),
    ),
    min_size=1,
    max_size=12,
).map("".join).filter(lambda k: len(k.encode()) <= 1024)
buckets = st.one_of(
    st.sampled_from(BUCKETS), st.from_regex(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]", fullmatch=True)
)
times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(timezone.utc)
).map(lambda t: t.replace(microsecond=0))
methods = st.sampled_from(["GET", "PUT", "DELETE", "HEAD"])
expiries = st.integers(min_value=1, max_value=604800)
tokens = st.sampled_from([None, TOKEN])


def _agree(bucket: str, key: str, method: str, expires_in: int, now: datetime, **settings: object) -> None:
    token = settings.pop("session_token", None)
    creds = Credentials("AKIDEXAMPLE", SECRET, session_token=token)  # type: ignore[arg-type]
    ours = Presigner(creds, **settings).presign(bucket, key, method=method, expires_in=expires_in, now=now)  # type: ignore[arg-type]
    theirs = ref.presign(
        bucket, key, method=method, expires_in=expires_in, now=now,
        access_key_id="AKIDEXAMPLE", secret_access_key=SECRET, session_token=token, **settings,
    )
    assert ref.parts(ours) == ref.parts(theirs), (ours, theirs)


@given(key=keys, bucket=buckets, region=st.sampled_from(REGIONS), method=methods, expires_in=expiries,
       now=times, token=tokens, style=st.sampled_from(["auto", "virtual", "path"]))
@example(key="a b/+~%#?&=//x ü😀", bucket="my-bucket", region=None, method="GET", expires_in=3600,
         now=datetime(2026, 1, 1, tzinfo=timezone.utc), token=None, style="auto")
@example(key="/leading", bucket="my.dotted.bucket", region="us-east-1", method="PUT", expires_in=1,
         now=datetime(2026, 1, 1, tzinfo=timezone.utc), token=TOKEN, style="virtual")
def test_aws_endpoints(key: str, bucket: str, region: str | None, method: str, expires_in: int,
                       now: datetime, token: str | None, style: str) -> None:
    _agree(bucket, key, method, expires_in, now, region=region, addressing_style=style, session_token=token)


ENDPOINTS = [
    "http://127.0.0.1:8333", "http://127.0.0.1:8333/", "https://minio.example.com",
    "https://minio.example.com/base", "https://minio.example.com/base/path/", "http://localhost:9000",
    "http://[::1]:9000", "https://storage.example.com:443", "http://storage.example.com:80/s3",
    "https://storage.example.com:8443/x",
]


@given(key=keys, bucket=buckets, endpoint=st.sampled_from(ENDPOINTS), region=st.sampled_from([None, "us-east-1", "eu-west-1"]),
       method=methods, expires_in=expiries, now=times, token=tokens, style=st.sampled_from(["auto", "virtual", "path"]))
def test_custom_endpoints(key: str, bucket: str, endpoint: str, region: str | None, method: str, expires_in: int,
                          now: datetime, token: str | None, style: str) -> None:
    _agree(bucket, key, method, expires_in, now, region=region, endpoint_url=endpoint, addressing_style=style,
           session_token=token)


VARIANTS = [
    {"use_dualstack": True}, {"use_fips": True}, {"use_fips": True, "use_dualstack": True},
    {"use_accelerate": True}, {"use_accelerate": True, "use_dualstack": True},
]


# aws-cn has neither FIPS nor Accelerate for S3: test_endpoints.py checks those refusals.
VARIANT_CASES = [
    (region, variant)
    for region in [None, "us-east-1", "eu-west-1", "us-gov-west-1", "cn-north-1"]
    for variant in VARIANTS
    if not (region == "cn-north-1" and (variant.get("use_fips") or variant.get("use_accelerate")))
]


@pytest.mark.parametrize(("region", "variant"), VARIANT_CASES)
def test_endpoint_variants(variant: dict[str, bool], region: str | None) -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    _agree("my-bucket", "a b.txt", "GET", 900, now, region=region, **variant)


@given(key=keys, bucket=buckets, region=st.sampled_from(REGIONS), method=methods,
       expires_in=st.integers(min_value=1, max_value=10 * 365 * 86400), now=times, token=tokens)
def test_sigv2(key: str, bucket: str, region: str | None, method: str, expires_in: int, now: datetime,
               token: str | None) -> None:
    _agree(bucket, key, method, expires_in, now, region=region, signature_version="v2", session_token=token)


@given(key=keys, now=times)
def test_detailed_path_matches_fast_path(key: str, now: datetime) -> None:
    # presign_details composes the generic step functions; presign is the fast path.
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET, session_token=TOKEN), region="eu-west-1")
    assert signer.presign("my-bucket", key, "PUT", 60, now) == signer.presign_details("my-bucket", key, "PUT", 60, now).url


def test_cached_second_does_not_leak_across_calls() -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    t0 = datetime(2026, 3, 1, 23, 59, 59, tzinfo=timezone.utc)
    for now, expires in [(t0, 60), (t0, 61), (t0 + timedelta(seconds=1), 61), (t0, 60)]:
        _agree("my-bucket", "k", "GET", expires, now, region="eu-west-1")
        assert signer.presign("my-bucket", "k", expires_in=expires, now=now) == Presigner(
            Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1").presign("my-bucket", "k", expires_in=expires, now=now)


@given(prefix=keys, token=st.one_of(st.none(), keys), style=st.sampled_from(["auto", "path"]),
       version=st.sampled_from(["v4", "v2"]), region=st.sampled_from(["eu-west-1", None]), now=times)
def test_bucket_level_listing_url(prefix: str, token: str | None, style: str, version: str, region: str | None,
                                  now: datetime) -> None:
    # What --recursive sends: ListObjectsV2 on the bucket itself, with query parameters.
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region=region, addressing_style=style,
                       signature_version=version)
    params = [("list-type", "2"), ("prefix", prefix), ("max-keys", "1000"), ("encoding-type", "url")]
    api = {"Bucket": "my-bucket", "Prefix": prefix, "MaxKeys": 1000}
    if token:
        params.append(("continuation-token", token))
        api["ContinuationToken"] = token
    ours = signer.presign_details("my-bucket", None, "GET", 300, now, params=params).url
    client = ref.client(access_key_id="AKIDEXAMPLE", secret_access_key=SECRET, session_token=None, region=region,
                        addressing_style=style, signature_version=version)
    with ref.pinned_clock(now):
        theirs = client.generate_presigned_url("list_objects_v2", Params=api, ExpiresIn=300)  # type: ignore[attr-defined]
    assert ref.parts(ours) == ref.parts(theirs)
