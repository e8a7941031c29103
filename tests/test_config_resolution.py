"""Configuration scenarios resolved by s3presign and by botocore (where it agrees with AWS CLI v2)."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import botocore.session
import pytest

from s3presign import RefreshableCredentials
from s3presign._config import resolve

CONFIG = """\
[default]
region = eu-west-1

[profile dev]
region = ap-southeast-2
aws_access_key_id = AKIDCONFIGDEV
aws_secret_access_key = config-dev-secret

[profile creds-only]

[profile minio]
aws_access_key_id = AKIDMINIO
aws_secret_access_key = minio-secret
region = us-east-1
endpoint_url = http://127.0.0.1:9000
s3 =
    addressing_style = path
    signature_version = s3

[profile svc]
aws_access_key_id = AKIDSVC
aws_secret_access_key = svc-secret
services = local
[services local]
s3 =
    endpoint_url = http://127.0.0.1:9001

[profile fast]
aws_access_key_id = AKIDFAST
aws_secret_access_key = fast-secret
s3 =
    use_accelerate_endpoint = true
    use_dualstack_endpoint = true

[profile fips]
aws_access_key_id = AKIDFIPS
aws_secret_access_key = fips-secret
use_fips_endpoint = true

[profile proc]
credential_process = {python} {script}

[profile tokened]
aws_access_key_id = AKIDTOKENED
aws_secret_access_key = tokened-secret
aws_session_token = tokened-token
"""
CREDENTIALS = """\
[default]
aws_access_key_id = AKIDFILEDEFAULT
aws_secret_access_key = file-default-secret

[dev]
aws_access_key_id = AKIDFILEDEV
aws_secret_access_key = file-dev-secret

[creds-only]
aws_access_key_id = AKIDCREDSONLY
aws_secret_access_key = creds-only-secret
"""
PROCESS = """\
import json
print(json.dumps({"Version": 1, "AccessKeyId": "AKIDPROCESS", "SecretAccessKey": "process-secret",
                  "SessionToken": "process-token", "Expiration": "2999-01-01T00:00:00Z"}))
"""

SCENARIOS = {
    "env keys": ({"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret"}, None),
    "env keys with token": ({"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret",
                             "AWS_SESSION_TOKEN": "env-token"}, None),
    "env keys beat AWS_PROFILE": ({"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret",
                                   "AWS_PROFILE": "dev"}, None),
    "explicit profile ignores env keys": ({"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret"},
                                          "dev"),
    "default profile from credentials file": ({}, None),
    "credentials file beats config file": ({}, "dev"),
    "AWS_PROFILE": ({"AWS_PROFILE": "creds-only"}, None),
    "AWS_DEFAULT_PROFILE": ({"AWS_DEFAULT_PROFILE": "dev"}, None),
    "AWS_DEFAULT_REGION": ({"AWS_DEFAULT_REGION": "ca-central-1"}, None),
    "profile endpoint_url and nested s3": ({}, "minio"),
    "AWS_ENDPOINT_URL beats profile": ({"AWS_ENDPOINT_URL": "http://127.0.0.1:9100"}, "minio"),
    "AWS_ENDPOINT_URL_S3 beats AWS_ENDPOINT_URL": ({"AWS_ENDPOINT_URL": "http://127.0.0.1:9100",
                                                    "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9200"}, "minio"),
    "ignore configured endpoints": ({"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9200",
                                     "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, "minio"),
    "services section": ({}, "svc"),
    "accelerate and dualstack": ({}, "fast"),
    "fips in profile": ({}, "fips"),
    "AWS_USE_FIPS_ENDPOINT": ({"AWS_USE_FIPS_ENDPOINT": "true"}, None),
    "credential_process": ({}, "proc"),
    "session token in config file": ({}, "tokened"),
}


@pytest.fixture
def aws_files(tmp_path: Path) -> dict[str, str]:
    script = tmp_path / "process.py"
    script.write_text(PROCESS)
    config = tmp_path / "config"
    config.write_text(CONFIG.format(python=sys.executable, script=script))
    credentials = tmp_path / "credentials"
    credentials.write_text(CREDENTIALS)
    return {"HOME": str(tmp_path), "AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
            "PATH": os.environ.get("PATH", "")}


def _botocore(env: dict[str, str], profile: str | None, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    session = botocore.session.Session(profile=profile)
    creds = session.get_credentials().get_frozen_credentials()
    region = session.get_config_variable("region")
    client = session.create_client("s3", region_name=region or "us-east-1")
    s3 = client.meta.config.s3 or {}
    endpoint = client.meta.endpoint_url
    return {
        "credentials": (creds.access_key, creds.secret_key, creds.token),
        "region": region,
        "endpoint_url": None if "amazonaws.com" in endpoint else endpoint,
        "addressing_style": s3.get("addressing_style", "auto"),
        "use_accelerate": str(s3.get("use_accelerate_endpoint", False)).lower() == "true",
        "use_dualstack": str(s3.get("use_dualstack_endpoint", False)).lower() == "true",
        "use_fips": bool(client.meta.config.use_fips_endpoint),
    }


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_agrees_with_botocore(scenario: str, aws_files: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    extra, profile = SCENARIOS[scenario]
    env = {**aws_files, **extra}
    ours = resolve(profile=profile, env=env)
    c = ours.credentials.value
    if isinstance(c, RefreshableCredentials):  # temporary credentials: compare the current snapshot
        c = c.credentials
    assert {
        "credentials": (c.access_key_id, c.secret_access_key, c.session_token),  # type: ignore[attr-defined]
        "region": ours.region.value,
        "endpoint_url": ours.endpoint_url.value,
        "addressing_style": ours.addressing_style.value,
        "use_accelerate": ours.use_accelerate.value,
        "use_dualstack": ours.use_dualstack.value,
        "use_fips": ours.use_fips.value,
    } == _botocore(env, profile, monkeypatch)


# Where botocore differs from AWS CLI v2 (it reads neither AWS_REGION nor AWS_PROFILE before
# AWS_DEFAULT_PROFILE), the expectations are AWS CLI v2's documented order
# (../shared/reference/s3-presign-facts.md, "Configuration and credentials").
def test_aws_profile_beats_aws_default_profile(aws_files: dict[str, str]) -> None:
    resolved = resolve(env={**aws_files, "AWS_PROFILE": "creds-only", "AWS_DEFAULT_PROFILE": "dev"})
    assert (resolved.profile.value, resolved.profile.source) == ("creds-only", "env AWS_PROFILE")
    assert resolved.credentials.value.access_key_id == "AKIDCREDSONLY"  # type: ignore[attr-defined]


def test_aws_region_beats_aws_default_region_and_profile(aws_files: dict[str, str]) -> None:
    env = {**aws_files, "AWS_REGION": "sa-east-1", "AWS_DEFAULT_REGION": "ca-central-1"}
    assert resolve(profile="dev", env=env).region.value == "sa-east-1"
    assert resolve(profile="dev", env={**aws_files, "AWS_DEFAULT_REGION": "ca-central-1"}).region.value == "ca-central-1"
    assert resolve(profile="dev", env=aws_files).region.value == "ap-southeast-2"
    assert resolve(profile="dev", region="us-west-1", env=env).region.value == "us-west-1"


def test_nested_signature_version_s3_means_v2(aws_files: dict[str, str]) -> None:
    assert resolve(profile="minio", env=aws_files).signature_version.value == "v2"


def test_sources_are_recorded(aws_files: dict[str, str]) -> None:
    resolved = resolve(env={**aws_files, "AWS_REGION": "sa-east-1"}, profile="minio")
    assert resolved.profile.source == "--profile"
    assert resolved.region.source == "env AWS_REGION"
    assert resolved.endpoint_url.source.endswith("[profile minio] endpoint_url")
    assert resolved.addressing_style.source.endswith("[profile minio] s3.addressing_style")
    assert resolved.credentials.source == f"{aws_files['AWS_CONFIG_FILE']} [profile minio]"


def test_home_is_the_default_place(tmp_path: Path) -> None:
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "credentials").write_text(textwrap.dedent("""\
        [default]
        aws_access_key_id = AKIDHOME
        aws_secret_access_key = home-secret
    """))
    assert resolve(env={"HOME": str(tmp_path)}).credentials.value.access_key_id == "AKIDHOME"  # type: ignore[attr-defined]
