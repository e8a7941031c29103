"""Tests for faults the suite once let through (issue 15, "tests that do not catch what they
name"): each compares with something outside the code under test (botocore's URL for the secret
a service returned, the URL's own signing time, botocore's canonical query), so the named fault
fails it."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from s3presign import Credentials, Presigner
from s3presign._encoding import encode_query_component
from s3presign.cli import main

from . import botocore_reference as ref
from . import fake_services
from .conftest import SECRET
from .http import send
from .moto_sts import Sts
from .seaweedfs import Server
from .test_cli import signed_at
from .test_credential_sources import SSO_CONFIG, _iso, _sso_cache, role_profiles, short_lived  # noqa: F401

REGION = "eu-west-1"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def assert_signed_with(url: str, key_id: str, secret: str, token: str | None) -> None:
    """The URL is exactly botocore's for these credentials at the URL's own signing time."""
    theirs = ref.presign("my-bucket", "k", method="GET", expires_in=900, now=signed_at(url), access_key_id=key_id,
                         secret_access_key=secret, session_token=token, region=REGION)
    assert ref.parts(url) == ref.parts(theirs)


def presign() -> str:
    code, out, err = run("s3://my-bucket/k", "--expires-in", "900", "--region", REGION)
    assert code == 0, err
    return out.strip()


# -- the secret each credential source returned signs the URL ---------------------------------------------


def test_sso_signs_with_the_returned_secret(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / ".aws" / "config").write_text(SSO_CONFIG.replace("[profile dev]", "[default]"))
    _sso_cache(home, timedelta(hours=1))
    handler = fake_services.sso(access_token="cached-access-token", refresh=None, account="111122223333",
                                role="Developer", key_id="ASIASSOEXAMPLE",
                                expiration_ms=int((datetime.now(timezone.utc).timestamp() + 3600) * 1000))
    with fake_services.serve(handler) as (endpoint, _):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", endpoint)
        url = presign()
    assert_signed_with(url, "ASIASSOEXAMPLE", "secret-of-ASIASSOEXAMPLE", "token-of-ASIASSOEXAMPLE")


def test_container_signs_with_the_returned_secret(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    handler = fake_services.container("/creds", "", "ASIACONTAINER", _iso(timedelta(hours=6)))
    with fake_services.serve(handler) as (endpoint, _):
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint + "/creds")
        url = presign()
    assert_signed_with(url, "ASIACONTAINER", "secret-of-ASIACONTAINER", "token-of-ASIACONTAINER")


def test_instance_metadata_signs_with_the_returned_secret(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    with fake_services.serve(fake_services.imds("r", "ASIAINSTANCE", _iso(timedelta(hours=6)))) as (endpoint, _):
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint)
        url = presign()
    assert_signed_with(url, "ASIAINSTANCE", "secret-of-ASIAINSTANCE", "token-of-ASIAINSTANCE")


def test_assume_role_signs_with_the_returned_secret(role_profiles: Path, sts: Sts) -> None:  # noqa: F811
    code, out, err = run("s3://my-bucket/k", "--profile", "reader", "--expires-in", "900")
    assert code == 0, err
    # What STS answered, as the AWS CLI's cache holds it (the raw reply's fields, not our reading of them).
    [cached] = (role_profiles / ".aws" / "cli" / "cache").iterdir()
    answer = json.loads(cached.read_text())["Credentials"]
    assert_signed_with(out.strip(), answer["AccessKeyId"], answer["SecretAccessKey"], answer["SessionToken"])


# -- --debug never shows the secret, on every signing path ---------------------------------------------------


@pytest.mark.parametrize("args", [
    ["--signature-version", "v2"],
    ["--signature-version", "v2", "--http-method", "PUT", "--content-type", "text/plain", "--metadata", "a=b"],
    ["--http-method", "PUT", "--sse-c-key-file", "KEYFILE", "--header", "x-amz-meta-x: y"],
    ["--sse-c-key-file", "KEYFILE", "--signature-version", "v2"],
    ["--http-method", "POST", "--output", "json"],
])
def test_debug_never_shows_the_secret(keys: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "debug-TOKEN-never-shown")
    key = b"k" * 32
    (keys / "sse.key").write_bytes(key)
    args = [str(keys / "sse.key") if a == "KEYFILE" else a for a in args]
    code, out, err = run("s3://my-bucket/k", "--debug", *args)
    assert code == 0, err
    import base64

    for secret in (SECRET, encode_query_component(SECRET), "debug-TOKEN-never-shown", base64.b64encode(key).decode()):
        assert secret not in err


# -- expiry times are the URL's own ------------------------------------------------------------------------


def _url_expires(url: str) -> str:
    query = parse_qs(urlsplit(url).query)
    ends = signed_at(url) + timedelta(seconds=int(query["X-Amz-Expires"][0]))
    return ends.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tsv"])
def test_bulk_expires_at_is_when_each_url_expires(keys: Path, fmt: str) -> None:
    lines = "\n".join(f"s3://my-bucket/k{i}" for i in range(50)) + "\n"
    env = {"PATH": "", "HOME": str(keys), "AWS_ACCESS_KEY_ID": "AKIDCLI", "AWS_SECRET_ACCESS_KEY": SECRET,
           "AWS_EC2_METADATA_DISABLED": "true"}
    done = subprocess.run([sys.executable, "-m", "s3presign", "-", "--output", fmt, "--expires-in", "5400"],
                          input=lines, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    if fmt == "jsonl":
        rows = [json.loads(line) for line in done.stdout.splitlines()]
    else:
        rows = list(csv.DictReader(io.StringIO(done.stdout), delimiter="," if fmt == "csv" else "\t"))
    assert len(rows) == 50
    for row in rows:
        assert row["expires_at"] == _url_expires(row["url"])


def test_expiry_warning_names_when_the_url_would_have_expired(short_lived: str) -> None:  # noqa: F811
    code, out, err = run("s3://my-bucket/k", "--expires-in", "7200")
    assert code == 0
    url = out.strip()
    assert err == (f"s3presign: warning: the credentials that sign this URL expire at {short_lived}, so it stops "
                   f"working then, not at {_url_expires(url)}\n")


# -- a parameter given twice: sorted by name, then value ---------------------------------------------------------


def test_repeated_query_names_sort_by_value(seaweedfs: Server) -> None:
    from botocore.auth import SigV4Auth

    params = [("tag", "zeta"), ("tag", "alpha"), ("a", "2"), ("tag", "Mid"), ("a", "1")]
    signer = Presigner(Credentials(seaweedfs.access_key_id, seaweedfs.secret_access_key),
                       endpoint_url=seaweedfs.endpoint_url)
    details = signer.presign_details(seaweedfs.bucket, "repeated/k", "PUT", 600, params=params)
    # botocore's canonical query for the URL as sent (its header signer keeps repeated names; its
    # query signer would fold them into a dict), and a real server's verdict on the signature.
    unsigned = details.url.split("&X-Amz-Signature=")[0]
    theirs = SigV4Auth._canonical_query_string_url(None, urlsplit(unsigned))  # type: ignore[arg-type]
    assert details.canonical_request.split("\n")[2] == theirs
    assert send(details.url, "PUT", b"repeated").status == 200
