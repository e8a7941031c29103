"""Store presets (--provider): URL shapes against each store's documented examples, agreement with
botocore for the settings a preset chooses, every limit and every refusal."""

from __future__ import annotations

import io
import json
import pickle
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3presign import Credentials, InvalidRequestError, Presigner
from s3presign._stores import STORES, StoreSettingError
from s3presign.cli import main

from . import botocore_reference as ref
from .conftest import SECRET

EXAMPLES = json.loads((Path(__file__).parent / "vectors" / "store-examples.json").read_text())["examples"]
NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=timezone.utc)
CREDS = Credentials("AKIDEXAMPLE", SECRET)


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    assert SECRET not in out.getvalue() + err.getvalue()
    return code, out.getvalue(), err.getvalue()


def _flags(settings: dict[str, str]) -> list[str]:
    return [word for name, value in settings.items() for word in ("--" + name.replace("_", "-"), value)]


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _scope_region(url: str) -> str:
    return parse_qs(urlsplit(url).query)["X-Amz-Credential"][0].split("/")[2]


def _example_id(example: dict[str, Any]) -> str:
    return f"{example['provider']}-{example['signature_version']}-{'-'.join(example['settings'].values()) or 'default'}"


# -- URL shapes, from each store's documentation ------------------------------------------------


def test_every_store_has_a_documented_example() -> None:
    assert {example["provider"] for example in EXAMPLES} == set(STORES)


@pytest.mark.parametrize("example", EXAMPLES, ids=_example_id)
def test_library_url_shape_matches_the_documented_example(example: dict[str, Any]) -> None:
    signer = Presigner.for_provider(example["provider"], CREDS, signature_version=example["signature_version"],
                                    **example["settings"])
    url = signer.presign(example["bucket"], example["key"], now=NOW)
    assert _without_query(url) == example["url"]
    if example["scope_region"] is None:  # a SigV2 example
        assert set(parse_qs(urlsplit(url).query)) == {"AWSAccessKeyId", "Expires", "Signature"}
    else:
        assert _scope_region(url) == example["scope_region"]


@pytest.mark.parametrize("example", EXAMPLES, ids=_example_id)
def test_command_url_shape_matches_the_documented_example(keys: Path, example: dict[str, Any]) -> None:
    code, out, err = cli(f"s3://{example['bucket']}/{example['key']}", "--provider", example["provider"],
                         "--signature-version", example["signature_version"], *_flags(example["settings"]))
    assert (code, err) == (0, ""), err
    url = out.strip()
    assert _without_query(url) == example["url"]
    if example["scope_region"] is not None:
        assert _scope_region(url) == example["scope_region"]


# -- a preset only chooses settings: the signature is botocore's for those settings ---------------


@pytest.mark.parametrize("example", EXAMPLES, ids=_example_id)
@pytest.mark.parametrize("method", ["GET", "PUT"])
@pytest.mark.parametrize("key", ["reports/2026 Q3 ü.csv", "year=2026/month=11/part-0001.parquet", "a+b~c%d//e"])
def test_botocore_agrees_for_the_settings_a_preset_chooses(example: dict[str, Any], method: str, key: str) -> None:
    signer = Presigner.for_provider(example["provider"], CREDS, signature_version=example["signature_version"],
                                    **example["settings"])
    ours = signer.presign(example["bucket"], key, method=method, expires_in=600, now=NOW)
    rules = signer._rules  # the settings the preset chose, handed to botocore as a user would
    theirs = ref.presign(example["bucket"], key, method=method, expires_in=600, now=NOW,
                         access_key_id=CREDS.access_key_id, secret_access_key=SECRET, session_token=None,
                         region=rules.region, endpoint_url=rules.endpoint_url,
                         addressing_style=rules.addressing_style, signature_version=signer.signature_version)
    assert ref.parts(ours) == ref.parts(theirs), (ours, theirs)


# -- every rule has a source ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(STORES))
def test_every_rule_names_its_source(name: str) -> None:
    store = STORES[name]
    assert {"endpoint", "region", "style", "expiry", "post", "sigv2"} <= set(store.sources)
    for option in store.unsupported:  # a refusal is documented, never guessed
        assert option in store.sources and store.sources[option].startswith("https://")
    if store.post is not None and name != "gcs":  # gcs: refused because s3presign makes no x-goog-* forms
        assert store.sources["post"].startswith("https://")
    if store.sigv2 is not None:
        assert store.sources["sigv2"].startswith("https://")


# -- limits -----------------------------------------------------------------------------------


def _example_for(name: str) -> dict[str, Any]:
    """The store's first documented example (signed here with SigV4, the default)."""
    return next(e for e in EXAMPLES if e["provider"] == name)


def _args_for(name: str) -> list[str]:
    example = _example_for(name)
    return [f"s3://{example['bucket']}/{example['key']}", "--provider", name, *_flags(example["settings"])]


@pytest.mark.parametrize("name", sorted(STORES))
def test_maximum_expiry(keys: Path, name: str) -> None:
    limit = STORES[name].max_expires
    code, out, _ = cli(*_args_for(name), "--expires-in", str(limit))
    assert code == 0 and parse_qs(urlsplit(out.strip()).query)["X-Amz-Expires"] == [str(limit)]
    code, out, err = cli(*_args_for(name), "--expires-in", str(limit + 1))
    assert (code, out) == (252, "") and err.count("\n") == 1 and str(limit) in err


@pytest.mark.parametrize("name", sorted(STORES))
def test_library_maximum_expiry(name: str) -> None:
    signer = Presigner.for_provider(name, CREDS, **_example_for(name)["settings"])
    with pytest.raises(InvalidRequestError):
        signer.presign("my-bucket", "k", expires_in=STORES[name].max_expires + 1, now=NOW)


REFUSALS = [
    ("r2", ["--http-method", "POST"], "Cloudflare R2 has no POST Object (browser form uploads): use --http-method PUT"),
    ("gcs", ["--http-method", "POST"], "Google Cloud Storage has no POST Object (browser form uploads): "
                                       "use --http-method PUT"),
    ("b2", ["--http-method", "POST"], "Backblaze B2 has no POST Object (browser form uploads): use --http-method PUT"),
    ("b2", ["--signature-version", "v2"], "Backblaze B2 accepts SigV4 only: drop signature version v2"),
    ("b2", ["--http-method", "PUT", "--acl", "public-read"],
     "Backblaze B2 has no object ACLs (the bucket's private or public setting applies): drop --acl"),
    ("ovh", ["--signature-version", "v2"], "OVHcloud Object Storage accepts SigV4 only: drop signature version v2"),
    ("ovh", ["--http-method", "POST", "--addressing-style", "path"],
     "OVHcloud Object Storage accepts POST Object on virtual-hosted URLs only: drop --addressing-style path"),
    ("garage", ["--signature-version", "v2"], "Garage accepts SigV4 only: drop signature version v2"),
    ("garage", ["--http-method", "PUT", "--acl", "private"],
     "Garage has no ACLs (access is granted per key and bucket): drop --acl"),
    ("garage", ["--version-id", "v1"], "Garage has no object versioning: drop --version-id"),
    ("scaleway", ["--http-method", "POST", "--signature-version", "v2"],
     "Scaleway Object Storage accepts POST Object with SigV4 only: drop --signature-version v2"),
    ("ceph", ["--http-method", "PUT", "--storage-class", "GLACIER"],
     "Ceph RGW's S3 API has no storage classes (its documentation points to placement by bucket location): "
     "drop --storage-class"),
    ("storj", ["--http-method", "PUT", "--acl", "private"],
     "Storj has no ACLs (access comes from the access grant): drop --acl"),
    ("digitalocean", ["--http-method", "PUT", "--sse", "AES256"],
     "DigitalOcean Spaces encrypts with customer keys only (SSE-C): use --sse-c-key-file instead of --sse"),
    ("oci", ["--addressing-style", "virtual"],
     "Oracle Cloud (OCI) Object Storage does not take virtual-style URLs: use --addressing-style path"),
    ("r2", ["--region", "eu-west-1"], "Cloudflare R2 signs for region auto (us-east-1 is an alias), not "
                                      "'eu-west-1': drop the region or use auto"),
    ("wasabi", ["--region", "mars-1"], "Wasabi has no region 'mars-1': use one of us-east-1, us-east-2, "
                                       "us-central-1, us-west-1, us-west-2, ca-central-1, eu-central-1, eu-central-2, "
                                       "eu-west-1, eu-west-2, eu-west-3, eu-south-1, ap-northeast-1, ap-northeast-2, "
                                       "ap-southeast-1, ap-southeast-2 (or --endpoint-url for another)"),
    ("b2", ["--region", "us-west"], "Backblaze B2 has no region 'us-west': B2 regions look like us-west-004 "
                                    "(see the bucket's endpoint)"),
]


@pytest.mark.parametrize(("name", "extra", "message"), REFUSALS, ids=[f"{n}-{' '.join(e)}" for n, e, _ in REFUSALS])
def test_unsupported_option_is_refused_with_the_alternative(keys: Path, name: str, extra: list[str],
                                                            message: str) -> None:
    args = _args_for(name)
    if "--region" in extra:  # replace the example's region
        args = [a for i, a in enumerate(args) if a != "--region" and (i == 0 or args[i - 1] != "--region")]
    code, out, err = cli(*args, *extra)
    assert (code, out, err) == (252, "", f"s3presign: error: {message}\n")


@pytest.mark.parametrize(("args", "message"), [
    (["--provider", "r2"], "Cloudflare R2 needs your account id: give --account-id (or s3presign_account_id "
                           "in the profile)"),
    (["--provider", "b2"], "Backblaze B2 needs the bucket's region: give --region (e.g. us-west-004)"),
    (["--provider", "minio"], "MinIO runs at your own address: give --endpoint-url (e.g. http://127.0.0.1:9000)"),
    (["--provider", "oci", "--region", "us-ashburn-1"],
     "Oracle Cloud (OCI) Object Storage needs your Object Storage namespace: give --account-id "
     "(or s3presign_account_id in the profile)"),
    (["--account-id", "abc"], "--account-id goes with a store preset: add --provider r2 (or oci)"),
    (["--provider", "nope"], "unknown provider 'nope': use one of " + ", ".join(STORES)
     + " (s3presign providers lists them)"),
])
def test_missing_settings_are_usage_errors(keys: Path, args: list[str], message: str) -> None:
    assert cli("s3://my-bucket/k", *args) == (252, "", f"s3presign: error: {message}\n")


def test_undocumented_post_is_signed_with_a_warning(keys: Path) -> None:
    code, out, err = cli("s3://yourbucket/up/${filename}", "--provider", "wasabi", "--http-method", "POST")
    assert code == 0 and json.loads(out)["url"] == "https://s3.wasabisys.com/yourbucket"
    assert err == ("s3presign: warning: Wasabi's documentation does not say whether it accepts POST Object "
                   "(browser form uploads); if the upload is refused, use --http-method PUT\n")


def test_library_refuses_what_the_store_refuses() -> None:
    r2 = Presigner.for_provider("r2", CREDS, account_id="abc")
    with pytest.raises(InvalidRequestError, match="no POST Object"):
        r2.presign_post("my-bucket", "k")
    garage = Presigner.for_provider("garage", CREDS, endpoint_url="http://localhost:3900")
    with pytest.raises(InvalidRequestError, match="no ACLs"):
        garage.presign("b", "k", method="PUT", headers={"x-amz-acl": "private"})
    with pytest.raises(InvalidRequestError, match="no object versioning"):
        garage.presign_request("b", "k", params={"versionId": "v1"})
    with pytest.raises(StoreSettingError, match="SigV4 only"):
        Presigner.for_provider("b2", CREDS, region="us-west-004", signature_version="v2")
    with pytest.raises(StoreSettingError, match="signs for region auto"):
        Presigner.for_provider("r2", CREDS, account_id="abc", region="eu-west-1")
    # GCS documents region auto but not that other regions fail: a region given is used as given.
    assert _scope_region(Presigner.for_provider("gcs", CREDS, region="europe-west1").presign("b", "k", now=NOW)) \
        == "europe-west1"


def test_explicit_endpoint_and_region_override_the_preset() -> None:
    signer = Presigner.for_provider("r2", CREDS, endpoint_url="https://acct.eu.r2.cloudflarestorage.com",
                                    region="us-east-1", addressing_style="path")
    url = signer.presign("my-bucket", "k", now=NOW)
    assert _without_query(url) == "https://acct.eu.r2.cloudflarestorage.com/my-bucket/k"
    assert _scope_region(url) == "us-east-1"


def test_store_signer_pickles_with_its_store() -> None:
    signer = Presigner.for_provider("r2", CREDS, account_id="abc")
    copy = pickle.loads(pickle.dumps(signer))
    assert isinstance(copy, Presigner) and copy.store is not None and copy.store.name == "r2"
    assert copy.presign("b", "k", now=NOW) == signer.presign("b", "k", now=NOW)
    assert SECRET not in repr(signer) and "store='r2'" in repr(signer)


# -- configuration: profile settings and --debug --------------------------------------------


def test_profile_setting_and_debug_name_the_preset(keys: Path) -> None:
    (keys / ".aws" / "config").write_text("[default]\ns3presign_provider = r2\ns3presign_account_id = abc123\n")
    code, out, err = cli("s3://my-bucket/k", "--debug")
    assert code == 0 and out.startswith("https://my-bucket.abc123.r2.cloudflarestorage.com/k?")
    config = str(keys / ".aws" / "config")
    assert f"s3presign: debug: store = r2 ({config} [default] s3presign_provider)" in err
    assert ("s3presign: debug: endpoint_url = https://abc123.r2.cloudflarestorage.com "
            "(preset r2: https://{account_id}.r2.cloudflarestorage.com)") in err
    assert "s3presign: debug: region = auto (preset r2: Cloudflare R2 signs for region auto)" in err
    assert "s3presign: debug: addressing_style = virtual (preset r2: Cloudflare R2's addressing style)" in err


def test_library_from_config_follows_the_profile_preset(keys: Path) -> None:
    (keys / ".aws" / "config").write_text("[default]\ns3presign_provider = r2\ns3presign_account_id = abc123\n")
    signer = Presigner.from_config()
    assert signer.store is not None and signer.store.name == "r2"
    with pytest.raises(InvalidRequestError, match="no POST Object"):
        signer.presign_post("b", "k")


def test_an_explicit_provider_beats_the_environment(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # flags > presets > environment > profile: --provider r2's endpoint and region, not AWS_*'s
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")
    code, out, err = cli("s3://my-bucket/k", "--provider", "r2", "--account-id", "abc")
    assert (code, err) == (0, "")
    assert out.startswith("https://my-bucket.abc.r2.cloudflarestorage.com/k?") and "%2Fauto%2Fs3%2F" in out
    # a flag still beats the preset
    code, out, err = cli("s3://my-bucket/k", "--provider", "r2", "--account-id", "abc", "--region", "eu-west-1")
    assert (code, out) == (252, "") and "not 'eu-west-1'" in err


def test_a_region_from_the_profile_that_a_profile_preset_refuses_is_a_configuration_error(keys: Path) -> None:
    (keys / ".aws" / "config").write_text("[default]\nregion = eu-west-1\ns3presign_provider = r2\n"
                                          "s3presign_account_id = abc\n")
    code, out, err = cli("s3://my-bucket/k")
    assert (code, out) == (253, "") and "not 'eu-west-1'" in err


def test_a_profile_preset_missing_its_account_id_is_a_configuration_error(keys: Path) -> None:
    (keys / ".aws" / "config").write_text("[default]\ns3presign_provider = r2\n")
    code, _, err = cli("s3://my-bucket/k")
    assert code == 253 and "needs your account id" in err


def test_other_aws_tools_ignore_the_profile_setting(keys: Path) -> None:
    import botocore.session

    (keys / ".aws" / "config").write_text("[default]\nregion = eu-west-1\ns3presign_provider = r2\n")
    session = botocore.session.get_session()
    assert session.get_config_variable("region") == "eu-west-1"
    assert session.get_scoped_config()["s3presign_provider"] == "r2"  # read, never used


# -- s3presign providers --------------------------------------------------------------------


def test_providers_table_lists_every_store(keys: Path) -> None:
    code, out, err = cli("providers")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["name", "endpoint"]
    assert [line.split()[0] for line in lines[1:1 + len(STORES)]] == list(STORES)
    assert "https://{account_id}.r2.cloudflarestorage.com" in out


def test_providers_detail_gives_every_source(keys: Path) -> None:
    code, out, _ = cli("providers", "r2", "--output", "json")
    (row,) = json.loads(out)
    assert code == 0 and row["sources"] == STORES["r2"].sources and row["unsupported"] == ["POST"]
    code, out, _ = cli("providers", "b2")
    assert code == 0 and "source of post: https://www.backblaze.com/" in out
    assert cli("providers", "nope")[0] == 252


def _settings_for(name: str, region: str | None) -> dict[str, str]:
    settings = dict(_example_for(name)["settings"])
    if region is not None and "region" in settings:
        settings["region"] = region
    return settings


_REGIONAL = [(name, region) for name, store in STORES.items() for region in (store.regions or (None,))]


@given(store_region=st.sampled_from(_REGIONAL),
       key=st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40),
       method=st.sampled_from(["GET", "PUT", "DELETE", "HEAD"]), expires_in=st.integers(1, 604800),
       token=st.sampled_from([None, "IQoJb3JpZ2luX2VjEOr//////////wEaCXVz+token=="]),
       style=st.sampled_from([None, "path", "virtual"]))
def test_botocore_agrees_for_every_region_and_style(store_region: tuple[str, str | None], key: str, method: str,
                                                    expires_in: int, token: str | None, style: str | None) -> None:
    name, region = store_region
    if style is not None and style not in STORES[name].styles:
        style = None
    creds = Credentials(CREDS.access_key_id, SECRET, session_token=token)
    signer = Presigner.for_provider(name, creds, addressing_style=style, **_settings_for(name, region))
    ours = signer.presign("my-bucket-2026", key, method=method, expires_in=expires_in, now=NOW)
    rules = signer._rules
    theirs = ref.presign("my-bucket-2026", key, method=method, expires_in=expires_in, now=NOW,
                         access_key_id=CREDS.access_key_id, secret_access_key=SECRET, session_token=token,
                         region=rules.region, endpoint_url=rules.endpoint_url,
                         addressing_style=rules.addressing_style)
    assert ref.parts(ours) == ref.parts(theirs), (ours, theirs)
