"""The credential chain past static keys: assume role (STS through moto, signatures checked),
web identity, SSO, container and instance metadata (loopback servers), the AWS CLI cache, the
MFA prompt on a terminal, and warnings when credentials expire before the URL."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from s3presign.cli import ExitCode, main

from . import fake_services
from .moto_sts import Sts


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def key_id_of(url: str) -> str:
    query = parse_qs(urlsplit(url).query)
    return query["X-Amz-Credential"][0].split("/")[0] if "X-Amz-Credential" in query else query["AWSAccessKeyId"][0]


def token_of(url: str) -> str | None:
    query = parse_qs(urlsplit(url).query)
    return (query.get("X-Amz-Security-Token") or query.get("x-amz-security-token") or [None])[0]


def _iso(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def role_profiles(home: Path, sts: Sts, monkeypatch: pytest.MonkeyPatch) -> Path:
    (home / ".aws" / "credentials").write_text(
        f"[base]\naws_access_key_id = {sts.access_key_id}\naws_secret_access_key = {sts.secret_access_key}\n"
        "[wrong]\naws_access_key_id = " + sts.access_key_id + "\naws_secret_access_key = not-the-secret\n")
    (home / ".aws" / "config").write_text(f"""\
[profile base]
region = eu-west-1

[profile reader]
role_arn = {sts.role_arn}
source_profile = base
region = eu-west-1
duration_seconds = 1800

[profile chained]
role_arn = {sts.second_role_arn}
source_profile = reader
role_session_name = chained-session
external_id = partner-42

[profile mfa]
role_arn = {sts.role_arn}
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/presigner

[profile env-sourced]
role_arn = {sts.role_arn}
credential_source = Environment

[profile forged]
role_arn = {sts.role_arn}
source_profile = wrong
""")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts.endpoint)
    return home


def test_assume_role_signs_with_temporary_credentials(role_profiles: Path, sts: Sts) -> None:
    code, out, err = run("s3://my-bucket/k", "--profile", "reader", "--expires-in", "900")
    assert (code, err) == (0, "")  # duration_seconds = 1800: they outlive the URL, so no warning
    url = out.strip()
    assert key_id_of(url).startswith("ASIA") and token_of(url)
    assert "%2Feu-west-1%2Fs3%2F" in url


def test_assume_role_is_cached_like_the_aws_cli(role_profiles: Path, sts: Sts) -> None:
    first = run("s3://my-bucket/k", "--profile", "reader")[1]
    second = run("s3://my-bucket/k", "--profile", "reader")[1]
    assert key_id_of(first) == key_id_of(second)  # the second came from the cache, not STS
    # AWS CLI's file name: sha1 of the sorted JSON of the AssumeRole arguments it chose.
    name = hashlib.sha1(json.dumps({"DurationSeconds": 1800, "RoleArn": sts.role_arn},
                                   sort_keys=True).encode()).hexdigest()
    cached = role_profiles / ".aws" / "cli" / "cache" / f"{name}.json"
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600
    assert json.loads(cached.read_text())["Credentials"]["AccessKeyId"] == key_id_of(first)


def test_chained_roles(role_profiles: Path, sts: Sts) -> None:
    code, out, err = run("s3://my-bucket/k", "--profile", "chained", "--debug")
    assert code == 0, err
    assert f"assume role {sts.second_role_arn}" in err
    assert key_id_of(out.strip()).startswith("ASIA")


def test_credential_source_environment(role_profiles: Path, sts: Sts, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", sts.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", sts.secret_access_key)
    code, out, _ = run("s3://my-bucket/k", "--profile", "env-sourced")
    assert code == 0 and key_id_of(out.strip()).startswith("ASIA")


def test_a_wrongly_signed_assume_role_is_refused(role_profiles: Path) -> None:
    code, out, err = run("s3://my-bucket/k", "--profile", "forged")
    assert (code, out) == (ExitCode.CONFIG, "")
    assert "STS refused: SignatureDoesNotMatch" in err


def test_mfa_prompt_on_a_terminal(role_profiles: Path, sts: Sts) -> None:
    import pty

    env = {**os.environ, "HOME": str(role_profiles), "AWS_ENDPOINT_URL_STS": sts.endpoint}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, with the pseudo-terminal as its terminal
        os.execvpe(sys.executable, [sys.executable, "-m", "s3presign", "s3://my-bucket/k", "--profile", "mfa"], env)
    transcript = b""
    deadline = time.monotonic() + 30
    while b"Enter MFA code for arn:aws:iam::123456789012:mfa/presigner: " not in transcript:
        assert time.monotonic() < deadline, transcript
        transcript += os.read(fd, 1024)
    os.write(fd, b"924731\n")
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        transcript += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, transcript
    assert b"924731" not in transcript  # not echoed
    url = transcript.decode().strip().splitlines()[-1]
    assert key_id_of(url).startswith("ASIA")
    # Once cached, no terminal is needed: the code is asked once.
    code, out, err = run("s3://my-bucket/k", "--profile", "mfa")
    assert code == 0 and key_id_of(out.strip()) == key_id_of(url)


def test_mfa_without_a_terminal_says_so(role_profiles: Path, sts: Sts) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(role_profiles), "AWS_ENDPOINT_URL_STS": sts.endpoint,
           "AWS_EC2_METADATA_DISABLED": "true"}
    done = subprocess.run([sys.executable, "-m", "s3presign", "s3://my-bucket/k", "--profile", "mfa"], env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, start_new_session=True)
    assert done.returncode == ExitCode.CONFIG
    assert "no terminal to ask on" in done.stderr


def _awscli(home: Path, sts_endpoint: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_DEFAULT_REGION": "eu-west-1"}
    if sts_endpoint:
        env["AWS_ENDPOINT_URL_STS"] = sts_endpoint
    aws = Path(sys.executable).parent / "aws"
    return subprocess.run([str(aws), *args], env=env, capture_output=True, text=True)


def test_cache_is_shared_with_aws_cli_v1(role_profiles: Path, sts: Sts, monkeypatch: pytest.MonkeyPatch) -> None:
    # We write, AWS CLI reads: its presign (no network) signs with the role credentials we cached.
    ours = run("s3://my-bucket/k", "--profile", "reader")[1].strip()
    theirs = _awscli(role_profiles, "http://127.0.0.1:9", "s3", "presign", "s3://my-bucket/k", "--profile", "reader")
    assert theirs.returncode == 0, theirs.stderr
    assert key_id_of(theirs.stdout.strip()) == key_id_of(ours)
    # AWS CLI writes, we read: with STS unreachable, our URL still comes from its cache.
    theirs = _awscli(role_profiles, sts.endpoint, "s3", "presign", "s3://my-bucket/k", "--profile", "chained")
    assert theirs.returncode == 0, theirs.stderr
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
    code, out, err = run("s3://my-bucket/k", "--profile", "chained")
    assert code == 0, err
    assert key_id_of(out.strip()) == key_id_of(theirs.stdout.strip())


def test_web_identity(home: Path, sts_unsigned: Sts, monkeypatch: pytest.MonkeyPatch) -> None:
    sts = sts_unsigned
    token = home / "token.jwt"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl\n")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts.endpoint)
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token))
    monkeypatch.setenv("AWS_ROLE_ARN", sts.role_arn)
    monkeypatch.setenv("AWS_ROLE_SESSION_NAME", "pod-7")
    code, out, err = run("s3://my-bucket/k", "--region", "eu-west-1", "--debug")
    assert code == 0, err
    assert f"web identity {sts.role_arn} (env AWS_WEB_IDENTITY_TOKEN_FILE)" in err
    assert key_id_of(out.strip()).startswith("ASIA")
    name = hashlib.sha1(json.dumps({"RoleArn": sts.role_arn, "RoleSessionName": "pod-7"},
                                   sort_keys=True).encode()).hexdigest()
    assert (home / ".aws" / "cli" / "cache" / f"{name}.json").exists()


SSO_CONFIG = """\
[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer
region = eu-west-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
"""


def _sso_cache(home: Path, expires: timedelta, **extra: str) -> Path:
    folder = home / ".aws" / "sso" / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (hashlib.sha1(b"corp").hexdigest() + ".json")
    path.write_text(json.dumps({"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1",
                                "accessToken": "cached-access-token", "expiresAt": _iso(expires), **extra}))
    return path


@pytest.mark.parametrize("refreshing", [False, True])
def test_sso(home: Path, monkeypatch: pytest.MonkeyPatch, refreshing: bool) -> None:
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    refresh = {"clientId": "client-1", "clientSecret": "client-secret", "refreshToken": "refresh-1"}
    cache = _sso_cache(home, timedelta(hours=-1) if refreshing else timedelta(hours=1),
                       **(refresh | {"registrationExpiresAt": _iso(timedelta(days=30))} if refreshing else {}))
    handler = fake_services.sso(access_token="cached-access-token", refresh=refresh, account="111122223333",
                                role="Developer", key_id="ASIASSOEXAMPLE",
                                expiration_ms=int((time.time() + 3600) * 1000))
    with fake_services.serve(handler) as (endpoint, seen):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", endpoint)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", endpoint)
        code, out, err = run("s3://my-bucket/k", "--profile", "dev")
    assert code == 0, err
    assert key_id_of(out.strip()) == "ASIASSOEXAMPLE" and token_of(out.strip()) == "token-of-ASIASSOEXAMPLE"
    assert [(m, p.split("?")[0]) for m, p, _ in seen] == (
        [("POST", "/token")] if refreshing else []) + [("GET", "/federation/credentials")]
    if refreshing:
        assert json.loads(cache.read_text())["accessToken"] == "refreshed-access-token"


def test_sso_expired_without_refresh_says_to_log_in(home: Path) -> None:
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    _sso_cache(home, timedelta(hours=-1))
    code, out, err = run("s3://my-bucket/k", "--profile", "dev")
    assert (code, out) == (ExitCode.CONFIG, "")
    assert "run 'aws sso login --profile dev'" in err


def test_container_credentials(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token_file = home / "token"
    token_file.write_text("container-auth-token\n")
    handler = fake_services.container("/v2/credentials/abc", "container-auth-token", "ASIACONTAINER",
                                      _iso(timedelta(hours=6)))
    with fake_services.serve(handler) as (endpoint, seen):
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint + "/v2/credentials/abc")
        monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(token_file))
        code, out, err = run("s3://my-bucket/k")
    assert code == 0, err
    assert key_id_of(out.strip()) == "ASIACONTAINER" and len(seen) == 1


def test_container_token_must_match(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    handler = fake_services.container("/creds", "right-token", "ASIACONTAINER", _iso(timedelta(hours=6)))
    with fake_services.serve(handler) as (endpoint, _):
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint + "/creds")
        monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong-token")
        code, _, err = run("s3://my-bucket/k")
    assert code == ExitCode.CONFIG and "HTTP 401" in err


@pytest.mark.parametrize("v2", [True, False])
def test_instance_metadata(home: Path, monkeypatch: pytest.MonkeyPatch, v2: bool) -> None:
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    handler = fake_services.imds("app-role", "ASIAINSTANCE", _iso(timedelta(hours=6)), v2=v2)
    with fake_services.serve(handler) as (endpoint, seen):
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint)
        code, out, err = run("s3://my-bucket/k")
    assert code == 0, err
    assert key_id_of(out.strip()) == "ASIAINSTANCE"
    assert [m for m, _, _ in seen] == ["PUT", "GET", "GET"]
    if v2:
        assert all(h.get("x-aws-ec2-metadata-token") == "imds-session-token" for _, _, h in seen[1:])


def test_instance_metadata_v1_can_be_disabled(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    monkeypatch.setenv("AWS_EC2_METADATA_V1_DISABLED", "true")
    with fake_services.serve(fake_services.imds("r", "ASIAINSTANCE", _iso(timedelta(hours=1)), v2=False)) as (
            endpoint, _):
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint)
        code, _, err = run("s3://my-bucket/k")
    assert code == ExitCode.CONFIG and "no credentials found" in err


# -- URLs that die with their credentials --------------------------------------------------------


@pytest.fixture
def short_lived(home: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    expires = _iso(timedelta(minutes=20))
    handler = fake_services.container("/creds", "", "ASIASHORT", expires)
    with fake_services.serve(handler) as (endpoint, _):
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint + "/creds")
        yield expires


def test_warning_when_credentials_expire_first(short_lived: str) -> None:
    code, out, err = run("s3://my-bucket/k", "--expires-in", "7200")
    assert code == 0 and out.startswith("https://")
    assert err == (f"s3presign: warning: the credentials that sign this URL expire at {short_lived}, so it stops "
                   f"working then, not at {err.rsplit('not at ', 1)[1].strip()}\n")
    assert run("s3://my-bucket/k", "--expires-in", "600")[2] == ""  # no warning when they outlive the URL


def test_strict_expiry_refuses(short_lived: str) -> None:
    code, out, err = run("s3://my-bucket/k", "--expires-in", "7200", "--strict-expiry")
    assert (code, out) == (ExitCode.CONFIG, "")
    assert f"expire at {short_lived}" in err and "shorter --expires-in" in err


def test_json_tells_the_real_expiry(short_lived: str) -> None:
    code, out, _ = run("s3://my-bucket/k", "--expires-in", "7200", "--output", "json")
    data = json.loads(out)
    assert data["credentials_expire_at"] == short_lived == data["expires_at"]


def test_library_exposes_the_expiry() -> None:
    from s3presign import Credentials, Presigner

    ends = datetime(2026, 1, 1, 0, 30, tzinfo=timezone.utc)
    request = Presigner(Credentials("ASIAEXAMPLE", "s", "t", ends)).presign_request(
        "my-bucket", "k", expires_in=3600, now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert request.expires_at == ends == request.credentials_expire_at
    assert request.expires_early


# -- network: proxies and CA bundles (the SSO portal as the example service) -------------------


def _sso_handler() -> fake_services.Handler:
    return fake_services.sso(access_token="cached-access-token", refresh=None, account="111122223333",
                             role="Developer", key_id="ASIASSOEXAMPLE", expiration_ms=int((time.time() + 3600) * 1000))


def test_https_proxy_is_used_and_no_proxy_bypasses_it(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    _sso_cache(home, timedelta(hours=1))
    portal = "http://portal.sso.test.invalid"  # resolvable only through the proxy
    with fake_services.serve(fake_services.proxy_for(portal, _sso_handler())) as (proxy, seen):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", portal)
        monkeypatch.setenv("HTTP_PROXY", proxy)
        code, out, err = run("s3://my-bucket/k", "--profile", "dev")
        assert code == 0, err
        assert key_id_of(out.strip()) == "ASIASSOEXAMPLE" and len(seen) == 1
        monkeypatch.setenv("NO_PROXY", ".test.invalid")
        code, _, err = run("s3://my-bucket/k", "--profile", "dev")
        assert code == ExitCode.CONFIG and "cannot reach the SSO portal" in err and len(seen) == 1


def test_ca_bundle(home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    _sso_cache(home, timedelta(hours=1))
    cert, key = fake_services.self_signed_certificate(str(tmp_path))
    with fake_services.serve(_sso_handler(), tls=(cert, key)) as (portal, _):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", portal)
        code, _, err = run("s3://my-bucket/k", "--profile", "dev")
        assert code == ExitCode.CONFIG and "CERTIFICATE_VERIFY_FAILED" in err  # not trusted by default
        monkeypatch.setenv("AWS_CA_BUNDLE", cert)
        code, out, err = run("s3://my-bucket/k", "--profile", "dev")
        assert code == 0, err
        monkeypatch.delenv("AWS_CA_BUNDLE")
        (home / ".aws" / "config").write_text(SSO_CONFIG.replace("region = eu-west-1\n",
                                                                 f"region = eu-west-1\nca_bundle = {cert}\n", 1))
        code, out, err = run("s3://my-bucket/k", "--profile", "dev")
        assert code == 0, err
