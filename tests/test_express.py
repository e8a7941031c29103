"""S3 Express One Zone directory buckets: CreateSession against a loopback stand-in that checks
the request's SigV4 signature with botocore (SeaweedFS has no directory buckets), URLs equal to
botocore's for the same session, the session cache (memory and file), expiry, refusals."""

from __future__ import annotations

import io
import os
import stat
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import botocore.session
import pytest
from botocore.config import Config
from hypothesis import given, settings
from hypothesis import strategies as st

from s3presign import Credentials, Error, Presigner, ServiceError
from s3presign._express import REFRESH_MARGIN, ExpressSessions, default_cache_dir
from s3presign.cli import ExitCode, main

from . import botocore_reference as ref
from .conftest import SECRET
from .fake_services import create_session, serve
from .test_botocore_agreement import keys, methods

BUCKET = "my-bucket--usw2-az1--x-s3"
AKID = "AKIDCLI"


@pytest.fixture
def server() -> object:
    calls: list[str] = []
    with serve(create_session(access_key_id=AKID, secret=SECRET, region="us-west-2", calls=calls)) as (url, seen):
        yield url, calls


def _signer(endpoint: str, *, sessions: ExpressSessions | None = None, **kwargs: object) -> Presigner:
    return Presigner(Credentials(AKID, SECRET), region="us-west-2", endpoint_url=endpoint,
                     express_sessions=sessions, **kwargs)  # type: ignore[arg-type]


def _botocore_url(endpoint: str, key: str, now: datetime, *, method: str = "GET", expires_in: int = 300) -> str:
    client = botocore.session.get_session().create_client(
        "s3", region_name="us-west-2", endpoint_url=endpoint, aws_access_key_id=AKID, aws_secret_access_key=SECRET,
        config=Config(s3={"addressing_style": "path"}))
    with ref.pinned_clock(now):
        return client.generate_presigned_url(  # type: ignore[no-any-return]
            ref.OPERATIONS[method], Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=expires_in, HttpMethod=method)


@pytest.mark.parametrize("key", ["a b/ü+~%.txt", "year=2026/month=11/part-0001.parquet", "//x"])
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_urls_equal_botocore_for_the_same_session(server: tuple[str, list[str]], key: str, method: str) -> None:
    endpoint, calls = server
    now = datetime.now(timezone.utc).replace(microsecond=0)
    # botocore calls the stand-in first (session 1), then we do (session 2): same keys would need
    # the same call, so give each its own server-side count and compare against botocore's.
    theirs = _botocore_url(endpoint, key, now, method=method)
    ours = _signer(endpoint).presign(BUCKET, key, method, 300, now)
    q_ours, q_theirs = parse_qs(urlsplit(ours).query), parse_qs(urlsplit(theirs).query)
    # Both hold the session token of the call each made; replay ours with botocore's session.
    assert q_theirs["X-Amz-S3session-Token"][0].startswith(f"session-token-{BUCKET}-")
    assert "X-Amz-Security-Token" not in q_ours
    session = q_theirs["X-Amz-S3session-Token"][0].rsplit("-", 1)[1].split("/")[0]
    sessions = ExpressSessions()
    replayer = _signer(endpoint, sessions=sessions)
    sessions.remember(replayer, BUCKET, Credentials(
        f"ASIASESSION{session}", f"session-secret-{BUCKET}-{session}", q_theirs["X-Amz-S3session-Token"][0],
        datetime.fromtimestamp(now.timestamp() + 300, timezone.utc)))
    replay = replayer.presign(BUCKET, key, method, 300, now)
    assert ref.parts(replay) == ref.parts(theirs)
    assert q_ours["X-Amz-Credential"][0].split("/")[2:] == ["us-west-2", "s3express", "aws4_request"]
    assert len(calls) == 2


def test_create_session_is_signed_and_checked(server: tuple[str, list[str]]) -> None:
    endpoint, calls = server
    wrong = Presigner(Credentials(AKID, "not-the-secret"), region="us-west-2", endpoint_url=endpoint)
    with pytest.raises(ServiceError, match="SignatureDoesNotMatch") as caught:
        wrong.presign(BUCKET, "k")
    assert "not-the-secret" not in str(caught.value)
    assert calls == []
    url = _signer(endpoint).presign(BUCKET, "k")
    assert calls == [BUCKET] and urlsplit(url).path == f"/{BUCKET}/k"


def test_session_is_reused_until_shortly_before_expiry(server: tuple[str, list[str]]) -> None:
    endpoint, calls = server
    signer = _signer(endpoint)
    start = datetime.now(timezone.utc)
    first = signer.presign(BUCKET, "a", now=start)
    second = signer.presign(BUCKET, "b", now=start)
    assert len(calls) == 1
    assert parse_qs(urlsplit(first).query)["X-Amz-S3session-Token"] == \
        parse_qs(urlsplit(second).query)["X-Amz-S3session-Token"]
    # 300-second sessions: still used REFRESH_MARGIN + a bit before the end, replaced after.
    almost = datetime.fromtimestamp(start.timestamp() + 300 - REFRESH_MARGIN - 5, timezone.utc)
    signer.presign(BUCKET, "c", now=almost)
    assert len(calls) == 1
    late = datetime.fromtimestamp(start.timestamp() + 300 - REFRESH_MARGIN + 5, timezone.utc)
    third = signer.presign(BUCKET, "d", now=late)
    assert len(calls) == 2
    assert parse_qs(urlsplit(third).query)["X-Amz-S3session-Token"][0].endswith("-2/+=")
    # Another bucket gets its own session.
    signer.presign("other--usw2-az1--x-s3", "k", now=start)
    assert calls == [BUCKET, BUCKET, "other--usw2-az1--x-s3"]


def test_disable_express_session_auth_signs_with_own_keys(server: tuple[str, list[str]]) -> None:
    endpoint, calls = server
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    ours = _signer(endpoint, disable_express_session_auth=True).presign(BUCKET, "a b", "GET", 60, now)
    assert calls == []
    client = ref.arn_client(region="us-west-2", endpoint_url=endpoint, use_fips=False, use_dualstack=False,
                            use_arn_region=True, disable_mrap=False, sigv4a=False, session_token=None,
                            disable_express_session_auth=True, addressing_style="path")
    theirs = ref.presign_with(client, BUCKET, "a b", method="GET", expires_in=60, now=now)
    # (ref.arn_client signs with ref.SECRET; ours with SECRET: compare all but the signature)
    strip = lambda url: [p for p in ref.parts(url)[3] if not p.startswith(("X-Amz-Signature", "X-Amz-Credential"))]
    assert ref.parts(ours)[:3] == ref.parts(theirs)[:3] and strip(ours) == strip(theirs)
    assert "%2Fus-west-2%2Fs3express%2Faws4_request" in ours


@pytest.mark.parametrize("region", ["us-west-2", "us-east-1", "cn-north-1", "us-gov-west-1"])
@pytest.mark.parametrize(("fips", "dualstack"), [(False, False), (True, False), (False, True), (True, True)])
def test_zonal_hosts_agree_with_botocore(region: str, fips: bool, dualstack: bool) -> None:
    # Offline: with a signature version named, botocore builds the URL without a CreateSession
    # call, so the zonal host and path can be compared for every variant. (Its signing name then
    # depends on whether awscrt signs, s3express or s3; ours is s3express, as the endpoint rules
    # prescribe for DisableS3ExpressSessionAuth and as test_disable_express_session_auth checks.)
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    bucket = "my-bucket--usw2-az1--x-s3"
    try:
        client = botocore.session.get_session().create_client(
            "s3", region_name=region, aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key=ref.SECRET,
            config=Config(signature_version="s3v4", use_fips_endpoint=fips,
                          s3={"use_dualstack_endpoint": dualstack, "addressing_style": "virtual"}))
        theirs: str | None = ref.presign_with(client, bucket, "a b", method="GET", expires_in=60, now=now)
    except Exception:
        theirs = None
    try:
        ours = Presigner(Credentials("AKIDEXAMPLE", ref.SECRET), region=region, use_fips=fips, use_dualstack=dualstack,
                         disable_express_session_auth=True).presign(bucket, "a b", "GET", 60, now)
    except Error:
        assert theirs is None
        return
    assert theirs is not None and ref.parts(ours)[:3] == ref.parts(theirs)[:3], (ours, theirs)
    assert urlsplit(ours).netloc.startswith(f"{bucket}.s3express-")
    assert f"%2F{region}%2Fs3express%2Faws4_request" in ours


def test_directory_bucket_refusals() -> None:
    from s3presign import ConfigurationError, InvalidRequestError

    with pytest.raises(ConfigurationError, match="needs a region"):
        Presigner(Credentials(AKID, SECRET)).presign(BUCKET, "k")
    with pytest.raises(ConfigurationError, match="Accelerate"):
        Presigner(Credentials(AKID, SECRET), region="us-west-2", use_accelerate=True).presign(BUCKET, "k")
    with pytest.raises(InvalidRequestError, match="directory bucket name"):
        Presigner(Credentials(AKID, SECRET), region="us-west-2").presign("My.Bucket--usw2-az1--x-s3", "k")
    with pytest.raises(ConfigurationError, match="signature version v4"):
        Presigner(Credentials(AKID, SECRET), region="us-west-2", signature_version="v2").presign(BUCKET, "k")


def test_command_caches_sessions_in_a_private_file(server: tuple[str, list[str]], keys: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint, calls = server
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    urls = []
    for _ in range(2):
        out, err = io.StringIO(), io.StringIO()
        assert main([f"s3://{BUCKET}/a b", "--endpoint-url", endpoint, "--debug"], out=out, err=err) == 0
        assert SECRET not in err.getvalue() and "session-secret" not in err.getvalue()
        assert "session-token" not in err.getvalue()  # the URL carries it; --debug shows ***
        urls.append(out.getvalue())
    assert calls == [BUCKET]  # the second command read the cache file
    assert parse_qs(urlsplit(urls[0]).query)["X-Amz-S3session-Token"] == \
        parse_qs(urlsplit(urls[1]).query)["X-Amz-S3session-Token"]
    folder = Path(default_cache_dir(os.environ))
    files = list(folder.iterdir())
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert SECRET not in files[0].read_text() and AKID not in files[0].name


def test_command_refreshes_an_expired_cache_file(server: tuple[str, list[str]], keys: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint, calls = server
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    assert main([f"s3://{BUCKET}/k", "--endpoint-url", endpoint], out=io.StringIO(), err=io.StringIO()) == 0
    (cached,) = Path(default_cache_dir(os.environ)).iterdir()
    cached.write_text(cached.read_text().replace('"Expiration": "2', '"Expiration": "1'))  # 1000 years ago
    assert main([f"s3://{BUCKET}/k", "--endpoint-url", endpoint], out=io.StringIO(), err=io.StringIO()) == 0
    assert calls == [BUCKET, BUCKET]


def test_command_reports_an_unreachable_create_session(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    out, err = io.StringIO(), io.StringIO()
    code = main([f"s3://{BUCKET}/k", "--endpoint-url", "http://127.0.0.1:9"], out=out, err=err)
    assert (code, out.getvalue()) == (ExitCode.OTHER, "")
    assert err.getvalue().count("\n") == 1 and "CreateSession" in err.getvalue()


def test_command_service_error_is_254(server: tuple[str, list[str]], home: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint, _ = server
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret")
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    out, err = io.StringIO(), io.StringIO()
    assert main([f"s3://{BUCKET}/k", "--endpoint-url", endpoint], out=out, err=err) == ExitCode.SERVICE
    assert "SignatureDoesNotMatch" in err.getvalue() and "wrong-secret" not in err.getvalue()


def test_command_warns_that_the_url_dies_with_its_session(server: tuple[str, list[str]], keys: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint, _ = server
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    out, err = io.StringIO(), io.StringIO()
    assert main([f"s3://{BUCKET}/k", "--endpoint-url", endpoint, "--output", "json"], out=out, err=err) == 0
    assert "S3 Express session that signs this URL ends at" in err.getvalue()
    import json

    data = json.loads(out.getvalue())
    assert data["expires_at"] == data["credentials_expire_at"]
    out, err = io.StringIO(), io.StringIO()
    assert main([f"s3://{BUCKET}/k", "--endpoint-url", endpoint, "--strict-expiry"], out=out,
                err=err) == ExitCode.CONFIG
    assert out.getvalue() == "" and err.getvalue().count("\n") == 1
    out, err = io.StringIO(), io.StringIO()
    assert main([f"s3://{BUCKET}/k", "--endpoint-url", endpoint, "--expires-in", "60"], out=out, err=err) == 0
    assert err.getvalue() == ""


@settings(max_examples=40)
@given(key=keys, method=methods, expires_in=st.integers(min_value=1, max_value=300))
def test_generated_keys_equal_botocore_for_the_same_session(key: str, method: str, expires_in: int) -> None:
    with serve(create_session(access_key_id=AKID, secret=SECRET, region="us-west-2")) as (endpoint, _):
        now = datetime.now(timezone.utc).replace(microsecond=0)
        theirs = _botocore_url(endpoint, key, now, method=method, expires_in=expires_in)
        token = parse_qs(urlsplit(theirs).query)["X-Amz-S3session-Token"][0]
        number = token.rsplit("-", 1)[1].split("/")[0]
        signer = _signer(endpoint)
        signer.express_sessions.remember(signer, BUCKET, Credentials(
            f"ASIASESSION{number}", f"session-secret-{BUCKET}-{number}", token,
            datetime.fromtimestamp(now.timestamp() + 300, timezone.utc)))
        assert ref.parts(signer.presign(BUCKET, key, method, expires_in, now)) == ref.parts(theirs)
        assert signer.express_sessions.calls == 0


def test_sessions_never_show_their_keys(server: tuple[str, list[str]]) -> None:
    endpoint, _ = server
    signer = _signer(endpoint)
    signer.presign(BUCKET, "k")
    shown = repr(signer.express_sessions) + repr(signer) + str(signer.express_sessions)
    assert "session-secret" not in shown and "session-token" not in shown and SECRET not in shown
