"""ARNs as buckets agree with botocore + awscrt (AWS CLI v2's engine), part by part.

Access point URLs are SigV4 and must equal botocore's byte for byte at the same signing time.
Multi-Region Access Point and Outposts URLs are SigV4A: ECDSA signatures are randomized, so
every part but X-Amz-Signature must be equal, our signature must verify under the public key
derived from the secret, and botocore's signature must verify under that same key over our
string to sign (which proves both derived the same key and signed the same canonical request).
Where botocore refuses a combination we must refuse it too (an ``s3presign.Error``, never a URL);
the few places where we refuse and botocore does not are listed in ``DELIBERATE`` with why.
"""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import example, given
from hypothesis import strategies as st

from s3presign import Credentials, Error, Presigner, _sigv4a
from s3presign._endpoints import partition_of

from . import botocore_reference as ref
from .test_botocore_agreement import keys, methods, times

SECRET = ref.SECRET
TOKEN = "IQoJb3JpZ2luX2VjEOr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+abc/def=="
ACCOUNT = "123456789012"
PARTITION_REGIONS = {
    "aws": ["us-east-1", "us-west-2", "eu-central-1", "ap-southeast-5"],
    "aws-cn": ["cn-north-1", "cn-northwest-1"],
    "aws-us-gov": ["us-gov-west-1", "us-gov-east-1"],
    "aws-iso": ["us-iso-east-1"],
    "aws-iso-b": ["us-isob-east-1"],
    "aws-iso-e": ["eu-isoe-west-1"],
    "aws-iso-f": ["us-isof-south-1"],
    "aws-eusc": ["eusc-de-east-1"],
}
ALL_REGIONS = [r for regions in PARTITION_REGIONS.values() for r in regions]
ENDPOINTS = [None, None, None, "http://127.0.0.1:9000", "https://minio.example.com", "https://s3.example.com/base",
             "http://localhost:8333"]

names = st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9\-]{0,20}[a-zA-Z0-9])?", fullmatch=True)
partitions = st.sampled_from(sorted(PARTITION_REGIONS))


@st.composite
def arns(draw: st.DrawFn) -> str:
    partition = draw(partitions)
    kind = draw(st.sampled_from(["accesspoint", "accesspoint", "mrap", "outposts"]))
    sep = draw(st.sampled_from(["/", ":"]))
    name = draw(names)
    if kind == "mrap":
        return f"arn:{partition}:s3::{ACCOUNT}:accesspoint/{name}.mrap"
    region = draw(st.sampled_from(PARTITION_REGIONS[partition] if draw(st.booleans()) else ALL_REGIONS))
    if kind == "outposts":
        outpost = draw(st.from_regex(r"op-[0-9a-f]{17}", fullmatch=True))
        return f"arn:{partition}:s3-outposts:{region}:{ACCOUNT}:outpost{sep}{outpost}{sep}accesspoint{sep}{name}"
    return f"arn:{partition}:s3:{region}:{ACCOUNT}:accesspoint{sep}{name}"


def _deliberate(arn: str, endpoint_url: str | None) -> str | None:
    """Why we refuse where botocore gives a URL, or None."""
    fields = arn.split(":")
    if fields[3] and partition_of(fields[3]).name != fields[1]:
        return "an ARN whose region is not in its own partition is malformed (botocore lets some through)"
    if endpoint_url and ":s3::" in arn:
        return "botocore ignores the custom endpoint for a Multi-Region Access Point and goes to AWS"
    if endpoint_url and "s3-outposts" in arn and (urlsplit(endpoint_url).path.strip("/")
                                                  or endpoint_url.startswith("http:")):
        return "for Outposts botocore drops the endpoint's base path and turns http into https"
    return None


def _public_key(secret: str) -> ec.EllipticCurvePublicKey:
    return _sigv4a.private_key("AKIDEXAMPLE", secret).public_key()


def _agree(arn: str, key: str, method: str, now: datetime, *, region: str | None, endpoint_url: str | None = None,
           use_fips: bool = False, use_dualstack: bool = False, use_arn_region: bool = True,
           disable_mrap: bool = False, token: str | None = None, expires_in: int = 900) -> None:
    sigv4a = ":s3::" in arn or ":s3-outposts:" in arn
    try:  # botocore refuses some settings when the client is made (EndpointVariantError), some when signing
        client = ref.arn_client(region=region, endpoint_url=endpoint_url, use_fips=use_fips,
                                use_dualstack=use_dualstack, use_arn_region=use_arn_region, disable_mrap=disable_mrap,
                                sigv4a=sigv4a, session_token=token)
        theirs: str | None = ref.presign_with(client, arn, key, method=method, expires_in=expires_in, now=now)
    except Exception as exc:  # botocore's refusals: ParamValidationError, Unsupported...Error, ...
        theirs = None
        refusal = f"{type(exc).__name__}: {exc}"
    try:
        signer = Presigner(Credentials("AKIDEXAMPLE", SECRET, session_token=token), region=region,
                           endpoint_url=endpoint_url, use_fips=use_fips, use_dualstack=use_dualstack,
                           use_arn_region=use_arn_region, disable_multiregion_access_points=disable_mrap)
        details = signer.presign_details(arn, key, method, expires_in, now)
    except Error as exc:
        assert theirs is None or _deliberate(arn, endpoint_url), (str(exc), theirs)
        assert "\n" not in str(exc)
        return
    assert theirs is not None, (details.url, refusal)
    ours = details.url
    if not sigv4a:
        assert ref.parts(ours) == ref.parts(theirs), (ours, theirs)
        assert signer.presign(arn, key, method, expires_in, now) == ours
        return
    strip = [p for p in ref.parts(ours)[3] if not p.startswith("X-Amz-Signature=")]
    assert ref.parts(ours)[:3] == ref.parts(theirs)[:3], (ours, theirs)
    assert strip == [p for p in ref.parts(theirs)[3] if not p.startswith("X-Amz-Signature=")], (ours, theirs)
    public = _public_key(SECRET)
    for url in (ours, theirs):
        signature = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
        assert _sigv4a.verify(public, details.string_to_sign, signature), url


@given(arn=arns(), key=keys, method=methods, now=times, region=st.sampled_from([None, *ALL_REGIONS]),
       use_arn_region=st.booleans(), token=st.sampled_from([None, TOKEN]))
@example(arn=f"arn:aws:s3:us-west-2:{ACCOUNT}:accesspoint/my-ap", key="a b/ü", method="GET",
         now=datetime(2026, 1, 1, tzinfo=timezone.utc), region="eu-west-1", use_arn_region=True, token=None)
@example(arn=f"arn:aws:s3:us-west-2:{ACCOUNT}:accesspoint/My-AP", key="a b", method="PUT",
         now=datetime(2026, 1, 1, tzinfo=timezone.utc), region="us-west-2", use_arn_region=False, token=TOKEN)
@example(arn=f"arn:aws:s3:us-west-2:{ACCOUNT}:accesspoint/my-ap", key="k", method="GET",
         now=datetime(2026, 1, 1, tzinfo=timezone.utc), region="eu-west-1", use_arn_region=False, token=None)
@example(arn=f"arn:aws:s3::{ACCOUNT}:accesspoint/mfzwi23gnjvgw.mrap", key="a b", method="PUT",
         now=datetime(2026, 1, 1, tzinfo=timezone.utc), region=None, use_arn_region=True, token=TOKEN)
def test_arns_on_aws(arn: str, key: str, method: str, now: datetime, region: str | None, use_arn_region: bool,
                     token: str | None) -> None:
    _agree(arn, key, method, now, region=region, use_arn_region=use_arn_region, token=token)


@given(arn=arns(), region=st.sampled_from(ALL_REGIONS), fips=st.booleans(), dualstack=st.booleans(),
       disable_mrap=st.booleans(), now=times)
def test_arn_variants(arn: str, region: str, fips: bool, dualstack: bool, disable_mrap: bool, now: datetime) -> None:
    _agree(arn, "k ey", "GET", now, region=region, use_fips=fips, use_dualstack=dualstack, disable_mrap=disable_mrap)


@given(arn=arns(), key=keys, endpoint=st.sampled_from([e for e in ENDPOINTS if e]),
       region=st.sampled_from(["us-west-2", "eu-central-1", "cn-north-1"]), now=times)
def test_arns_with_custom_endpoints(arn: str, key: str, endpoint: str, region: str, now: datetime) -> None:
    _agree(arn, key, "GET", now, region=region, endpoint_url=endpoint)


@pytest.mark.parametrize("bucket", ["my-ap-abcdefghijklmnopqrstuvw-s3alias", "ap-1a2b3c4d5e6f7g8h9i0j1k2l3m4-s3alias"])
@pytest.mark.parametrize("style", ["auto", "path"])
def test_access_point_aliases_are_plain_buckets(bucket: str, style: str) -> None:
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="us-west-2", addressing_style=style)
    theirs = ref.presign(bucket, "a b", method="GET", expires_in=60, now=now, access_key_id="AKIDEXAMPLE",
                         secret_access_key=SECRET, session_token=None, region="us-west-2", addressing_style=style)
    assert ref.parts(signer.presign(bucket, "a b", "GET", 60, now)) == ref.parts(theirs)
