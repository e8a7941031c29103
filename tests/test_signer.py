"""The core on its own: ``Signer`` signs as the front door does, pickles as itself, and asks
refreshing credentials only through their public interface."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone

import pytest

from s3presign import ConfigurationError, Credentials, Presigner, RefreshableCredentials
from s3presign._signer import Signer
from s3presign._stores import get_store

from . import botocore_reference as ref

NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc)
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_a_bare_signer_agrees_with_botocore_and_the_front_door() -> None:
    core = Signer(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    for key in ("a/b.txt", "photos/été 2026/x y.jpg", "year=2026/part-1.parquet"):
        url = core.presign("my-bucket", key, "GET", 900, NOW)
        theirs = ref.presign("my-bucket", key, method="GET", expires_in=900, now=NOW, access_key_id="AKIDEXAMPLE",
                             secret_access_key=SECRET, session_token=None, region="eu-west-1")
        assert ref.parts(url) == ref.parts(theirs)
        assert url == Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1").presign(
            "my-bucket", key, "GET", 900, NOW)


def test_each_pickles_as_itself_with_its_store() -> None:
    core = pickle.loads(pickle.dumps(Signer(Credentials("AKIDEXAMPLE", SECRET), store=get_store("minio"),
                                            endpoint_url="http://127.0.0.1:9000", addressing_style="path")))
    assert type(core) is Signer and core.store is get_store("minio")
    door = pickle.loads(pickle.dumps(Presigner.for_provider("r2", Credentials("AKIDEXAMPLE", SECRET),
                                                            account_id="abc")))
    assert type(door) is Presigner and door.store is get_store("r2")
    assert SECRET not in repr(core) and repr(door).startswith("Presigner(store='r2', access_key_id='AKIDEXAMPLE'")


def test_a_bare_signer_needs_sessions_for_a_directory_bucket() -> None:
    core = Signer(Credentials("AKIDEXAMPLE", SECRET), region="us-west-2")
    with pytest.raises(ConfigurationError, match="directory buckets need S3 Express sessions"):
        core.presign("bkt--usw2-az1--x-s3", "k", now=NOW)


def test_the_credentials_interface_the_core_uses() -> None:
    clock = [NOW.timestamp()]
    fetched = []

    def fetch() -> Credentials:
        fetched.append(clock[0])
        return Credentials("ASIA" + str(len(fetched)), SECRET, "token",
                           datetime.fromtimestamp(clock[0], timezone.utc) + timedelta(hours=1))

    source = RefreshableCredentials(fetch, clock=lambda: clock[0])
    assert source.current is None and fetched == []  # current never fetches
    creds = source.for_url(clock[0] + 600)
    assert source.current is creds and creds.access_key_id == "ASIA1"
    # Another clock than the source's: the per-second cache may not keep them.
    assert source.steady_until(creds, lambda: clock[0]) == float("-inf")
    assert source.steady_until(creds, source.clock) == NOW.timestamp() + 3600 - 900  # the advisory point
    clock[0] += 3600 - 900  # the advisory window: the next caller fetches
    assert source.for_url(clock[0] + 60).access_key_id == "ASIA2"
    assert source.steady_until(creds, source.clock) == float("-inf")  # no longer the snapshot
