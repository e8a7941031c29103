"""``Presigner.from_config()`` hands every temporary source a RefreshableCredentials that refreshes
by asking the same source again (moto's STS with signature checks, the loopback SSO portal), and
keeps static keys static."""

from __future__ import annotations

import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest

from s3presign import Credentials, Presigner, RefreshableCredentials

from . import fake_services
from .moto_sts import Sts
from .test_credential_sources import SSO_CONFIG, _sso_cache, key_id_of, role_profiles  # noqa: F401


def test_static_keys_stay_static(keys: Path) -> None:
    signer = Presigner.from_config()
    assert type(signer.credentials) is Credentials and signer._source is None


@pytest.mark.parametrize("profile", ["reader", "chained"])
def test_roles_and_chains_refresh_through_sts(role_profiles: Path, sts: Sts, profile: str) -> None:  # noqa: F811
    signer = Presigner.from_config(profile=profile)
    assert isinstance(signer._source, RefreshableCredentials)
    assert "assume role" in signer._source.name
    first = key_id_of(signer.presign("my-bucket", "k"))
    shutil.rmtree(role_profiles / ".aws" / "cli" / "cache")  # else the refresh is served from the cache
    assert signer.refresh().access_key_id != first
    assert key_id_of(signer.presign("my-bucket", "k")) == signer.credentials.access_key_id != first


def test_web_identity_refreshes_with_the_current_token_file(home: Path, sts_unsigned: Sts,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    token = home / "token.jwt"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl\n")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts_unsigned.endpoint)
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token))
    monkeypatch.setenv("AWS_ROLE_ARN", sts_unsigned.role_arn)
    signer = Presigner.from_config(region="eu-west-1")
    assert isinstance(signer._source, RefreshableCredentials) and "web identity" in signer._source.name
    first = signer.credentials.access_key_id
    shutil.rmtree(home / ".aws" / "cli" / "cache")
    token.unlink()  # the pod's token is rotated: a refresh reads the file again
    with pytest.raises(Exception, match="web identity token file"):
        signer.refresh()
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyb3RhdGVkIn0.c2lnbmF0dXJl\n")
    assert signer.refresh().access_key_id != first


def test_sso_refreshes_through_the_portal(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    _sso_cache(home, timedelta(hours=1))
    handler = fake_services.sso(access_token="cached-access-token", refresh=None, account="111122223333",
                                role="Developer", key_id="ASIASSOEXAMPLE",
                                expiration_ms=int((time.time() + 3600) * 1000))
    with fake_services.serve(handler) as (endpoint, seen):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", endpoint)
        signer = Presigner.from_config(profile="dev")
        assert isinstance(signer._source, RefreshableCredentials) and "SSO" in signer._source.name
        for _ in range(50):
            signer.presign("my-bucket", "k")  # an hour left: no refresh due
        assert len(seen) == 1
        assert signer.refresh().access_key_id == "ASIASSOEXAMPLE"
        assert len(seen) == 2
        assert [p.split("?")[0] for _, p, _ in seen] == ["/federation/credentials"] * 2
