"""The fast path for keys that need encoding: folders come from a cache, names are encoded per call.

Expected URLs come from botocore at the same signing time (S3's UriEncode written out by hand
for the path), never from our own encoder.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from s3presign import Credentials, InvalidRequestError, Presigner
from s3presign import _signer

from . import botocore_reference as ref

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc)

# Hive partitions and the characters S3 keys often hold, each folder met more than once.
KEYS = [
    "sales/year=2026/month=11/part-0000001.parquet",
    "sales/year=2026/month=11/part-0000002.parquet",  # the folder again: from the cache
    "sales/year=2026/month=11/part 3 copy.parquet",  # cached folder, name with spaces
    "ventes/région=Île-de-France/année=2026/été.csv",
    "ventes/région=Île-de-France/année=2026/été.csv",
    "a+b,c:d@e%f/x=1/y z",
    "a+b,c:d@e%f/x=1/plain.txt",
    "/leading=slash",  # folder "" with a slash
    "no-folder=here",  # no folder at all, after "" was cached for "/leading=slash"
    "double//slash=1/x",
    "trailing=slash/",
]


def test_hive_keys_agree_with_botocore_through_the_cache() -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    for key in KEYS:
        ours = signer.presign("my-bucket", key, now=NOW)
        theirs = ref.presign("my-bucket", key, method="GET", expires_in=3600, now=NOW, access_key_id="AKIDEXAMPLE",
                             secret_access_key=SECRET, session_token=None, region="eu-west-1")
        assert ref.parts(ours) == ref.parts(theirs), key


def test_paths_written_out_by_hand() -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    expected = {
        "sales/year=2026/month=11/part 3 copy.parquet": "/sales/year%3D2026/month%3D11/part%203%20copy.parquet",
        "a+b,c:d@e%f/x=1/plain.txt": "/a%2Bb%2Cc%3Ad%40e%25f/x%3D1/plain.txt",
        "/leading=slash": "//leading%3Dslash",
        "no-folder=here": "/no-folder%3Dhere",
        "trailing=slash/": "/trailing%3Dslash/",
    }
    for _ in range(2):  # the second time every folder is cached
        for key, path in expected.items():
            url = signer.presign("my-bucket", key, now=NOW)
            assert url.split("?")[0] == "https://my-bucket.s3.eu-west-1.amazonaws.com" + path


def test_lone_surrogate_in_a_folder_is_refused_and_not_cached() -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    for _ in range(2):
        with pytest.raises(InvalidRequestError, match="lone surrogate"):
            signer.presign("my-bucket", "bad\udcff=1/name", now=NOW)
    assert "bad\udcff=1" not in _signer._encoded_folders


def test_cache_stays_bounded() -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    for i in range(_signer._MAX_CACHED_FOLDERS + 10):
        signer.presign("my-bucket", f"day={i}/x", now=NOW)
    assert len(_signer._encoded_folders) <= _signer._MAX_CACHED_FOLDERS
    url = signer.presign("my-bucket", "day=5/x", now=NOW)  # evicted folders come back right
    assert url.split("?")[0] == "https://my-bucket.s3.eu-west-1.amazonaws.com/day%3D5/x"
