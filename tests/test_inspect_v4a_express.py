"""inspect, verify and explain with SigV4A (Multi-Region Access Points, Outposts) and S3 Express URLs."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from s3presign import Credentials, Presigner, explain, inspect
from s3presign._inspect import verify_with
from s3presign.cli import ExitCode, main

from . import botocore_reference as ref
from .conftest import SECRET
from .fake_services import create_session, serve

MRAP = "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap"
OUTPOST = "arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-01234567890123456/accesspoint/my-ap"
NOW = int(datetime.now(timezone.utc).timestamp())


def _botocore_v4a(bucket: str, method: str = "GET") -> str:
    client = ref.arn_client(region="us-west-2", endpoint_url=None, use_fips=False, use_dualstack=False,
                            use_arn_region=True, disable_mrap=False, sigv4a=True, session_token=None)
    return ref.presign_with(client, bucket, "a b/ü", method=method, expires_in=600,
                            now=datetime.fromtimestamp(NOW, timezone.utc))


@pytest.mark.parametrize(("bucket", "service"), [(MRAP, "s3"), (OUTPOST, "s3-outposts")])
def test_inspect_sigv4a(bucket: str, service: str) -> None:
    info = inspect(_botocore_v4a(bucket))
    assert (info.signature_version, info.region, info.service, info.key) == ("v4a", "*", service, "a b/ü")
    assert info.access_key_id == "AKIDEXAMPLE" and info.expires_at == NOW + 600
    assert info.extra_params == {}


@pytest.mark.parametrize("bucket", [MRAP, OUTPOST])
def test_verify_sigv4a_with_the_derived_public_key(bucket: str) -> None:
    theirs = _botocore_v4a(bucket, "PUT")  # signed by botocore + awscrt, not by us
    assert verify_with(theirs, ref.SECRET, method="PUT", now=NOW).status == "valid"
    wrong = verify_with(theirs, ref.SECRET, method="GET", now=NOW)
    assert wrong.status == "invalid" and "for a PUT" in wrong.reason
    assert verify_with(theirs, "another-secret", method="PUT", now=NOW).status == "invalid"
    assert verify_with(theirs.replace("a%20b", "a%20c"), ref.SECRET, method="PUT", now=NOW).status == "invalid"
    assert verify_with(theirs, ref.SECRET, method="PUT", now=NOW + 601).status == "expired"
    ours = Presigner(Credentials("AKIDEXAMPLE", ref.SECRET)).presign(bucket, "k", "HEAD", 60)
    assert verify_with(ours, ref.SECRET, method="HEAD").valid


def test_explain_sigv4a_names_the_method() -> None:
    url = _botocore_v4a(MRAP, "PUT")
    result = explain(url, "<Error><Code>SignatureDoesNotMatch</Code></Error>", secrets=[("test", ref.SECRET)],
                     method="GET", now=NOW)
    assert any("signed for PUT" in c for c in result.causes), result.causes


def test_verify_and_explain_express_urls_through_the_command(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    bucket = "my-bucket--usw2-az1--x-s3"
    with serve(create_session(access_key_id="AKIDCLI", secret=SECRET, region="us-west-2")) as (endpoint, _):
        out = io.StringIO()
        assert main([f"s3://{bucket}/k", "--endpoint-url", endpoint, "--http-method", "PUT"], out=out,
                    err=io.StringIO()) == 0
    url = out.getvalue().strip()
    info = inspect(url)
    assert (info.service, info.bucket, info.has_token) == ("s3express", bucket, True)
    assert "X-Amz-S3session-Token" not in info.extra_params
    out, err = io.StringIO(), io.StringIO()
    assert main(["verify", url, "--http-method", "PUT", "--output", "json"], out=out, err=err) == 0, err.getvalue()
    verdict = json.loads(out.getvalue())
    assert verdict["status"] == "valid" and "session cache" in verdict["reason"]
    out = io.StringIO()
    assert main(["verify", url, "--output", "json"], out=out, err=io.StringIO()) == 1
    assert "for a PUT" in json.loads(out.getvalue())["reason"]
    # Without the cache no one holds the session secret: the verdict says so.
    for file in (keys / ".aws" / "s3presign" / "s3express-cache").iterdir():
        file.unlink()
    out = io.StringIO()
    assert main(["verify", url, "--output", "json"], out=out, err=io.StringIO()) == ExitCode.CONFIG
    assert "S3 Express session key" in json.loads(out.getvalue())["reason"]
    result = explain(url, "<Error><Code>ExpiredToken</Code></Error>")
    assert any("S3 Express One Zone session" in c for c in result.causes)
    token = url.split("X-Amz-S3session-Token=", 1)[1].split("&", 1)[0]
    assert all(token not in line for line in result.causes + result.details)


def test_verify_command_with_a_sigv4a_url(keys: Path) -> None:
    out = io.StringIO()
    assert main([f"s3://{MRAP}/k", "--http-method", "PUT"], out=out, err=io.StringIO()) == 0
    url = out.getvalue().strip()
    out = io.StringIO()
    assert main(["verify", url, "--http-method", "PUT", "--output", "json"], out=out, err=io.StringIO()) == 0
    assert json.loads(out.getvalue())["status"] == "valid"
    out = io.StringIO()
    assert main(["inspect", url, "--output", "json"], out=out, err=io.StringIO()) == 0
    facts = json.loads(out.getvalue())
    assert (facts["signature_version"], facts["region"]) == ("v4a", "*")
    tampered = url.replace("X-Amz-Expires=3600", "X-Amz-Expires=3601")
    out = io.StringIO()
    assert main(["verify", tampered, "--http-method", "PUT", "--output", "json"], out=out, err=io.StringIO()) == 1
