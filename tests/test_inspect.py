"""inspect, verify and explain: URLs read back to their inputs; good URLs verify, changed ones don't;
refusals in S3's documented error format, and real ones from SeaweedFS, get their cause named."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import s3presign
from s3presign import Credentials, Presigner
from s3presign._inspect import explain, inspect, verify_with
from s3presign.cli import ExitCode, main

from . import botocore_reference as ref
from .http import send
from .seaweedfs import Server
from .test_botocore_agreement import buckets
from .test_botocore_agreement import keys as object_keys

SECRET = "inspect/SECRET+value"
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
EPOCH = int(NOW.timestamp())
ERRORS = Path(__file__).parent / "vectors" / "s3-errors"


@given(key=object_keys, bucket=buckets, region=st.sampled_from([None, "eu-west-1", "cn-north-1", "us-gov-west-1"]),
       style=st.sampled_from(["auto", "path"]), version=st.sampled_from(["v4", "v2"]),
       token=st.sampled_from([None, "tok+/="]), expires_in=st.integers(1, 604800),
       endpoint=st.sampled_from([None, "http://127.0.0.1:9000", "https://minio.example.com:8443"]),
       params=st.sampled_from([{}, {"versionId": "v1"}, {"response-content-disposition": 'attachment; filename="a b"'}]))
def test_every_url_inspects_back_to_its_inputs(key: str, bucket: str, region: str | None, style: str, version: str,
                                               token: str | None, expires_in: int, endpoint: str | None,
                                               params: dict[str, str]) -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET, token), region=region, addressing_style=style,
                       signature_version=version, endpoint_url=endpoint)
    url = signer.presign(bucket, key, "GET", expires_in, NOW, params=params)
    info = inspect(url)
    assert (info.bucket, info.key, info.access_key_id, info.signature_version) == (bucket, key, "AKIDEXAMPLE", version)
    assert info.expires_at == EPOCH + expires_in
    assert info.has_token is bool(token)
    assert info.extra_params == params
    if version == "v4":
        assert (info.region, info.signed_at, info.signed_headers) == (region or "us-east-1", EPOCH, ["host"])
    assert verify_with(url, SECRET, now=EPOCH).valid


@pytest.mark.parametrize("style", ["virtual", "path"])
def test_botocore_urls_inspect(style: str) -> None:
    url = ref.presign_request("my-bucket", "a b/ü.txt", operation="get_object", params={"VersionId": "v9"},
                              expires_in=120, now=NOW, access_key_id="AKIDEXAMPLE", secret_access_key=SECRET,
                              session_token="tok", region="ap-south-1", addressing_style=style)
    info = inspect(url)
    assert (info.bucket, info.key, info.region, info.extra_params, info.has_token) == (
        "my-bucket", "a b/ü.txt", "ap-south-1", {"versionId": "v9"}, True)
    assert info.addressing_style == ("virtual" if style == "virtual" else "path")
    assert verify_with(url, SECRET, now=EPOCH).valid


SIGNER = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
GOOD = SIGNER.presign("my-bucket", "reports/q3 2026.csv", "PUT", 3600, NOW)


@pytest.mark.parametrize(
    ("url", "kwargs", "status", "fragment"),
    [
        (GOOD, {"method": "PUT"}, "valid", "matches a PUT"),
        (GOOD, {"method": "GET"}, "invalid", "the URL is for a PUT, not a GET"),
        (GOOD.replace("q3%202026", "q3%202027"), {"method": "PUT"}, "invalid", "changed after signing"),
        (GOOD + "&x-id=PutObject", {"method": "PUT"}, "invalid", "does not match"),
        (GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1"), {"method": "PUT"}, "invalid", "does not match"),
        (GOOD, {"method": "PUT", "secret": "another secret"}, "invalid", "another secret"),
        (GOOD, {"method": "PUT", "now": EPOCH + 3600}, "expired", "expired at 2026-01-01T01:00:00Z"),
    ],
)
def test_verify(url: str, kwargs: dict[str, object], status: str, fragment: str) -> None:
    secret = str(kwargs.pop("secret", SECRET))
    now = int(kwargs.pop("now", EPOCH + 10))  # type: ignore[call-overload]
    verdict = verify_with(url, secret, now=now, **kwargs)  # type: ignore[arg-type]
    assert verdict.status == status
    assert fragment in verdict.reason


def test_verify_signed_headers() -> None:
    url = SIGNER.presign("my-bucket", "k", "PUT", 60, NOW, headers={"Content-Type": "text/csv"})
    assert "give their values" in verify_with(url, SECRET, method="PUT", now=EPOCH).reason
    assert verify_with(url, SECRET, method="PUT", headers={"content-type": "text/csv"}, now=EPOCH).valid
    assert not verify_with(url, SECRET, method="PUT", headers={"Content-Type": "text/plain"}, now=EPOCH).valid


# Each fixture in tests/vectors/s3-errors with the URL it answers and the cause explain must name.
FIXTURES = {
    "signature-other-method.xml": ("PUT", {}, True, "another method: the URL was signed for PUT, the request was a GET"),
    "signature-key-encoded-twice.xml": ("PUT", {}, False, "the key was encoded twice"),
    "signature-other-host.xml": ("PUT", {}, False, "another host: the URL was signed for my-bucket.s3.eu-west-1"),
    "signature-content-type-changed.xml": ("PUT", {"Content-Type": "text/csv"}, True,
                                           "a signed header differs: the request carried content-type: "
                                           "text/csv;charset=UTF-8"),
    "signature-query-changed.xml": ("PUT", {}, False, "the query string was changed after signing"),
    "expired.xml": ("GET", {}, False, "the URL expired at 2026-01-01T01:00:00Z, 23 hours before S3 checked it"),
    "wrong-region.xml": ("GET", {}, False, "another region: the URL is signed for eu-west-1 but the bucket is in "
                                           "us-west-2"),
    "permanent-redirect.xml": ("GET", {}, False, "must be reached through my-bucket.s3.us-west-2.amazonaws.com"),
    "expired-token.xml": ("GET", {}, False, "the temporary credentials (session token) that signed the URL have "
                                            "expired"),
    "invalid-access-key.xml": ("GET", {}, False, "does not know access key AKIDEXAMPLE"),
    "clock-skew.xml": ("GET", {}, False, "clock skew: the URL says it was signed at 2026-01-01T00:00:00Z, 2 hours "
                                         "ahead of S3"),
    "expires-too-long.xml": ("GET", {}, False, "longer than S3 allows"),
}


@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_explain_documented_errors(fixture: str) -> None:
    method, headers, with_secret, cause = FIXTURES[fixture]
    url = SIGNER.presign("my-bucket", "reports/q3 2026.csv", method, 3600, NOW, headers=headers)
    result = explain(url, (ERRORS / fixture).read_text(), secrets=[("test", SECRET)] if with_secret else (),
                     now=EPOCH + 60)
    assert any(cause in c for c in result.causes), result.causes
    assert SECRET not in json.dumps(result.causes + result.details)


def test_explain_without_an_error_tells_expiry_and_signed_headers() -> None:
    url = SIGNER.presign("my-bucket", "k", "PUT", 60, NOW, headers={"Content-Type": "text/csv"})
    assert any("expired" in c for c in explain(url, now=EPOCH + 3600).causes)
    causes = explain(url, secrets=[("test", SECRET)], now=EPOCH).causes
    assert any("the URL signs content-type" in c for c in causes)


# -- against SeaweedFS: real refusals -------------------------------------------------------------


@pytest.fixture
def stored(seaweedfs: Server) -> tuple[Presigner, str]:
    signer = Presigner(Credentials(seaweedfs.access_key_id, seaweedfs.secret_access_key),
                       endpoint_url=seaweedfs.endpoint_url)
    assert send(signer.presign(seaweedfs.bucket, "explain/me.txt", "PUT"), "PUT", b"x").status == 200
    return signer, seaweedfs.secret_access_key


def test_explain_seaweedfs_wrong_method(stored: tuple[Presigner, str], seaweedfs: Server) -> None:
    signer, secret = stored
    url = signer.presign(seaweedfs.bucket, "explain/me.txt", "PUT")
    refusal = send(url, "GET")
    assert refusal.status == 403
    causes = explain(url, refusal.body.decode(), secrets=[("local", secret)], method="GET").causes
    assert "another method: the URL was signed for PUT, the request was a GET" in causes


def test_explain_seaweedfs_tampered_and_expired(stored: tuple[Presigner, str], seaweedfs: Server) -> None:
    signer, secret = stored
    url = signer.presign(seaweedfs.bucket, "explain/me.txt")
    tampered = url.replace("X-Amz-Expires=3600", "X-Amz-Expires=7200")
    refusal = send(tampered)
    assert refusal.status == 403
    assert any("changed after signing" in c for c in explain(tampered, refusal.body.decode(),
                                                             secrets=[("local", secret)]).causes)
    old = signer.presign(seaweedfs.bucket, "explain/me.txt", expires_in=60,
                         now=datetime.now(timezone.utc) - timedelta(hours=2))
    refusal = send(old)
    assert refusal.status == 403
    assert any(c.startswith("the URL expired at") for c in explain(old, refusal.body.decode()).causes)


def test_explain_seaweedfs_changed_content_type(stored: tuple[Presigner, str], seaweedfs: Server) -> None:
    signer, secret = stored
    request = signer.presign_request(seaweedfs.bucket, "explain/typed.csv", method="PUT",
                                     headers={"Content-Type": "text/csv"})
    refusal = send(request.url, "PUT", b"a,b", headers={"Content-Type": "text/csv; charset=utf-8"})
    assert refusal.status == 403
    causes = explain(request.url, refusal.body.decode(), secrets=[("local", secret)], method="PUT",
                     headers={"Content-Type": "text/csv; charset=utf-8"}).causes
    assert any(c.startswith("a signed header differs") for c in causes)


# -- the command ------------------------------------------------------------------------------------


def _cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        import sys

        old, sys.stdin = sys.stdin, io.StringIO(stdin)
        try:
            code = main(list(args), out=out, err=err)
        finally:
            sys.stdin = old
    else:
        code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_command_inspect_json(keys: Path) -> None:
    code, out, _ = _cli("inspect", GOOD, "--output", "json")
    data = json.loads(out)
    assert code == 0 and data["bucket"] == "my-bucket" and data["key"] == "reports/q3 2026.csv"
    assert data["expires_at"] == "2026-01-01T01:00:00Z" and data["seconds_left"] < 0


def test_command_verify_exit_codes(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = Presigner(Credentials("AKIDCLI", "cli/test+SECRET+never+shown"), region="eu-west-1").presign(
        "my-bucket", "k", "PUT", 600)
    assert _cli("verify", url, "--http-method", "PUT")[0] == 0
    assert _cli("verify", url)[0] == 1
    assert _cli("verify", GOOD)[0] == ExitCode.CONFIG  # no local secret for AKIDEXAMPLE
    assert s3presign.verify(url, method="PUT").valid


def test_command_explain_reads_the_error_from_stdin(keys: Path) -> None:
    code, out, _ = _cli("explain", GOOD, "-", "--output", "table",
                        stdin=(ERRORS / "wrong-region.xml").read_text())
    assert code == 0 and "another region" in out


def test_command_inspects_a_post(keys: Path, tmp_path: Path) -> None:
    code, out, _ = _cli("s3://my-bucket/up/${filename}", "--http-method", "POST", "--content-length-range", "1", "9")
    (tmp_path / "post.json").write_text(out)
    code, out, _ = _cli("inspect", str(tmp_path / "post.json"), "--output", "json")
    data = json.loads(out)
    assert code == 0 and data["bucket"] == "my-bucket" and data["content-length-range"] == "1..9 bytes"
    assert data["$key starts-with"] == "up/"


@pytest.mark.parametrize("args", [["inspect", "not a url"], ["inspect", "https://example.com/plain"],
                                  ["verify"], ["explain", GOOD, "/nonexistent/error.xml"]])
def test_command_bad_input(keys: Path, args: list[str]) -> None:
    code, out, err = _cli(*args)
    assert (code, out) == (ExitCode.USAGE, "") and err.startswith("s3presign: error: ")


def test_explain_never_repeats_the_session_token() -> None:
    token = "FwoGZXIvYXdzSECRETTOKEN/+="
    url = Presigner(Credentials("AKIDEXAMPLE", SECRET, token), region="eu-west-1").presign(
        "my-bucket", "k", "PUT", 3600, NOW)
    query = url.split("?", 1)[1].split("&X-Amz-Signature=")[0]
    error = ("<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message><CanonicalRequest>GET\n/k\n"
             + query.replace("&", "&amp;") + "\nhost:my-bucket.s3.eu-west-1.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
             "</CanonicalRequest></Error>")
    result = explain(url, error, secrets=[("test", SECRET)], now=EPOCH)
    text = json.dumps(result.causes + result.details)
    assert "***" in text
    assert token not in text and "FwoGZXIvYXdzSECRETTOKEN%2F%2B%3D" not in text


@pytest.mark.parametrize("partial", ["FwoGZXIvYXdzSECRETTOKEN%2F+%3D", "FwoGZXIvYXdzSECRETTOKEN/%2B=",
                                     "FwoGZXIvYXdzSECRETTOKEN%2f %3d", "FwoGZXIvYXdzSECRETTOKEN%252F%2B=",
                                     "Fwo%47ZXIvYXdzSECRETTOKEN/+="])
def test_explain_redacts_a_partly_encoded_session_token(partial: str) -> None:
    """S3 (or a proxy) may echo the token with only some characters escaped: none may show."""
    token = "FwoGZXIvYXdzSECRETTOKEN/+="
    url = Presigner(Credentials("AKIDEXAMPLE", SECRET, token), region="eu-west-1").presign(
        "my-bucket", "k", "PUT", 3600, NOW)
    error = ("<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message><CanonicalRequest>GET\n/k\n"
             f"X-Amz-Security-Token={partial}\nhost:my-bucket.s3.eu-west-1.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
             "</CanonicalRequest></Error>")
    result = explain(url, error, secrets=[("test", SECRET)], now=EPOCH)
    text = json.dumps(result.causes + result.details)
    assert "SECRETTOKEN" not in text, text
