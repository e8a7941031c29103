"""Temporary credentials end to end: SeaweedFS's embedded STS hands out 3-second credentials for a
role; the command assumes it, warns that the URL dies with them, the URL works, and then it doesn't."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from s3presign import explain
from s3presign.cli import ExitCode, main

from .http import send
from .seaweedfs import STS_TOKEN_SECONDS, Server


@pytest.fixture
def role_profile(seaweedfs_env: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Server:
    server = seaweedfs_env
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    aws = tmp_path / ".aws"
    aws.mkdir(exist_ok=True)
    (aws / "credentials").write_text(f"[tester]\naws_access_key_id = {server.access_key_id}\n"
                                     f"aws_secret_access_key = {server.secret_access_key}\n")
    # AWS_ENDPOINT_URL (set by seaweedfs_env) sends both S3 and STS to SeaweedFS, as AWS CLI v2 would.
    (aws / "config").write_text(f"[profile role]\nrole_arn = {server.role_arn}\nsource_profile = tester\n")
    return server


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_url_dies_with_its_temporary_credentials(role_profile: Server) -> None:
    uri = f"s3://{role_profile.bucket}/sts/temporary.txt"
    code, out, err = run(uri, "--profile", "role", "--http-method", "PUT", "--expires-in", "3600", "--output", "json")
    assert code == 0, err
    assert err.startswith("s3presign: warning: the credentials that sign this URL expire at ")
    put = json.loads(out)
    assert put["expires_at"] == put["credentials_expire_at"]
    assert "X-Amz-Security-Token=" in put["url"]
    assert send(put["url"], "PUT", b"signed with a role").status == 200
    code, out, _ = run(uri, "--profile", "role", "--expires-in", "3600")
    url = out.strip()
    assert send(url).body == b"signed with a role"
    time.sleep(STS_TOKEN_SECONDS + 1.5)
    refusal = send(url)
    assert refusal.status == 403  # the URL's own expiry is an hour away; its credentials are gone
    causes = explain(url, refusal.body.decode()).causes
    assert any("temporary credentials" in c and "expired" in c for c in causes), causes


def test_strict_expiry_refuses_before_signing(role_profile: Server) -> None:
    code, out, err = run(f"s3://{role_profile.bucket}/sts/x.txt", "--profile", "role", "--expires-in", "600",
                         "--strict-expiry")
    assert (code, out) == (ExitCode.CONFIG, "")
    assert "shorter --expires-in" in err


def test_assume_role_with_a_wrong_secret_is_refused(role_profile: Server, tmp_path: Path) -> None:
    credentials = tmp_path / ".aws" / "credentials"
    credentials.write_text(credentials.read_text().replace(role_profile.secret_access_key, "not-the-secret"))
    code, out, err = run(f"s3://{role_profile.bucket}/sts/x.txt", "--profile", "role")
    assert (code, out) == (ExitCode.CONFIG, "")
    assert err.startswith("s3presign: error: STS refused: SignatureDoesNotMatch")
