"""The batch form of the fast path (``Signer.presign_keys``) and what is built on it:
``presign_many``, the command's one-bucket blocks and Arrow columns.

Expected URLs come from botocore at the same signing time (the signer's clock is pinned by
replacing ``_signer._time``, botocore's by ``botocore_reference.pinned_clock``), and a real
server (SeaweedFS) serves what the batch signs.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from s3presign import Credentials, InvalidRequestError, Presigner, RefreshableCredentials
from s3presign import _signer

from . import botocore_reference as ref
from .dataset import dataset, fetch_all, signer_for  # noqa: F401 - dataset is a fixture
from .seaweedfs import Server

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc)

# Every branch of the batch: plain keys, cached and uncached folders, names that need encoding,
# no folder, a leading slash, keys over 256 characters (the long way) and at S3's 1,024 bytes.
KEYS = [
    "datasets/2026/11/27/part-0000001.parquet",
    "sales/year=2026/month=11/part-0000001.parquet",
    "sales/year=2026/month=11/part-0000002.parquet",
    "sales/year=2026/month=11/part 3 copy.parquet",
    "ventes/région=Île-de-France/année=2026/été.csv",
    "ventes/région=Île-de-France/année=2026/été.csv",
    "a+b,c:d@e%f/x=1/y z",
    "/leading=slash",
    "no-folder=here",
    "plain-no-folder.txt",
    "double//slash=1/x",
    "trailing=slash/",
    "long=" + "x" * 300 + "/name=1",
    "é" * 512,  # 1,024 bytes in UTF-8
    "k" * 1024,
]


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """The signer's clock, pinned at NOW; append to the list to move it on (one value per read)."""
    readings = [NOW.timestamp()]

    def clock() -> float:
        return readings.pop(0) if len(readings) > 1 else readings[0]

    monkeypatch.setattr(_signer, "_time", clock)
    yield readings


def _botocore(url: str, bucket: str, key: str, method: str = "GET", expires_in: int = 3600,
              **settings: object) -> str:
    signed_at = datetime.strptime(url.split("X-Amz-Date=")[1][:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    return ref.presign(bucket, key, method=method, expires_in=expires_in, now=signed_at, **settings)


@pytest.mark.parametrize("settings", [
    {"region": "eu-west-1"},
    {"region": "us-east-1", "session_token": "the-token"},
    {"region": "us-west-2", "addressing_style": "path"},
    {"region": "us-east-1", "endpoint_url": "http://127.0.0.1:8333"},
    {"region": "eu-central-1", "endpoint_url": "https://minio.example.com:9000", "addressing_style": "virtual"},
])
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_batch_agrees_with_botocore(pinned: list[float], settings: dict[str, str], method: str) -> None:
    session_token = settings.get("session_token")
    kwargs = {k: v for k, v in settings.items() if k != "session_token"}
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET, session_token=session_token), **kwargs)  # type: ignore[arg-type]
    urls = signer.presign_keys("my-bucket", KEYS, method, 900)
    assert len(urls) == len(KEYS)
    for key, url in zip(KEYS, urls, strict=True):
        theirs = _botocore(url, "my-bucket", key, method, 900, access_key_id="AKIDEXAMPLE",
                           secret_access_key=SECRET, session_token=session_token, **kwargs)
        assert ref.parts(url) == ref.parts(theirs), key
        assert "X-Amz-Date=20261127T120000Z" in url


def test_the_clock_is_read_again_every_512_keys(pinned: list[float]) -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    keys = [f"year=2026/part-{i:05d}.parquet" for i in range(1100)]
    pinned[:] = [NOW.timestamp(), NOW.timestamp() + 1, NOW.timestamp() + 2]  # one reading per 512 keys
    urls = signer.presign_keys("my-bucket", keys)
    dates = [url.split("X-Amz-Date=")[1][:16] for url in urls]
    assert dates[:512] == ["20261127T120000Z"] * 512
    assert dates[512:1024] == ["20261127T120001Z"] * 512
    assert dates[1024:] == ["20261127T120002Z"] * 76
    for i in (0, 511, 512, 1099):
        theirs = _botocore(urls[i], "my-bucket", keys[i], access_key_id="AKIDEXAMPLE", secret_access_key=SECRET,
                           session_token=None, region="eu-west-1")
        assert ref.parts(urls[i]) == ref.parts(theirs)


def test_rotated_credentials_are_used_from_the_next_run_of_512(pinned: list[float]) -> None:
    """Credentials that reach their refresh window between two runs of 512 keys are replaced
    before the second run is signed, as ``presign`` replaces them at its next second."""
    seen = [NOW.timestamp()]  # the latest time the signer read: the credentials' clock too
    fetched = itertools.count(1)

    def signer_clock() -> float:
        seen[0] = pinned.pop(0) if len(pinned) > 1 else pinned[0]
        return seen[0]

    def fetch() -> Credentials:
        n = next(fetched)
        return Credentials(f"ASIAROTATED{n}", SECRET, session_token=f"token-{n}",
                           expires_at=datetime.fromtimestamp(seen[0] + 3600, timezone.utc))

    source = RefreshableCredentials(fetch, clock=lambda: seen[0])
    signer = Presigner(source, region="eu-west-1")
    pinned[:] = [NOW.timestamp(), NOW.timestamp() + 3400]  # the second run is 200 s before expiry
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_signer, "_time", signer_clock)
        urls = signer.presign_keys("my-bucket", [f"k={i}/x" for i in range(600)])
    first = {url.split("X-Amz-Credential=")[1].split("%2F")[0] for url in urls[:512]}
    second = {url.split("X-Amz-Credential=")[1].split("%2F")[0] for url in urls[512:]}
    assert first == {"ASIAROTATED1"} and second == {"ASIAROTATED2"}
    assert all("X-Amz-Security-Token=token-2" in url for url in urls[512:])


@pytest.mark.parametrize(("key", "message"), [
    ("", "empty"),
    ("x" * 1025, "at most 1024"),
    ("é" * 513, "at most 1024"),
    ("year=2026/bad\udcff", "lone surrogate"),
    ("bad\udcff=1/name", "lone surrogate"),
    (5, "must be a string"),
    (b"bytes/key", "must be a string"),
])
def test_a_bad_key_raises_what_presign_raises(pinned: list[float], key: object, message: str) -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    signer.presign_keys("my-bucket", ["year=2026/warm-the-cache"])
    with pytest.raises(InvalidRequestError, match=message):
        signer.presign_keys("my-bucket", ["year=2026/fine", key])  # type: ignore[list-item]
    with pytest.raises(InvalidRequestError, match=message):
        signer.presign("my-bucket", key)  # type: ignore[arg-type]


def test_method_and_expiry_are_checked_once(pinned: list[float]) -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    with pytest.raises(InvalidRequestError, match="invalid HTTP method"):
        signer.presign_keys("my-bucket", ["a"], "POST")
    with pytest.raises(InvalidRequestError, match="invalid expiry"):
        signer.presign_keys("my-bucket", ["a"], "GET", 604801)
    assert signer.presign_keys("my-bucket", [], "GET") == []


def test_sigv2_and_other_region_access_points_take_the_per_url_path(pinned: list[float]) -> None:
    v2 = Presigner(Credentials("AKIDEXAMPLE", SECRET), signature_version="v2")
    for url in v2.presign_keys("my-bucket", ["a=1/b", "été 2026/c"]):
        key = unquote(urlsplit(url).path[len("/"):])
        signed_at = datetime.fromtimestamp(int(parse_qs(urlsplit(url).query)["Expires"][0]) - 3600, timezone.utc)
        theirs = ref.presign("my-bucket", key, method="GET", expires_in=3600, now=signed_at,
                             access_key_id="AKIDEXAMPLE", secret_access_key=SECRET, session_token=None,
                             region=None, signature_version="v2")
        assert ref.parts(url) == ref.parts(theirs)
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    arn = "arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap"
    url = signer.presign_keys(arn, ["year=2026/x"])[0]
    assert url.startswith("https://my-ap-123456789012.s3-accesspoint.us-west-2.amazonaws.com/year%3D2026/x?")
    assert "%2Fus-west-2%2Fs3%2Faws4_request" in url


# -- blocks encoded whole: the command's one-bucket blocks --------------------------------------

# Keys whose encoding as part of a whole block must equal S3's encoding key by key: every ASCII
# character a line can hold (all but newline and carriage return), '%' before hex digits, UTF-8
# of two to four bytes, dot segments and doubled slashes, S3's longest key.
TRICKY = [
    "".join(chr(c) for c in range(1, 128) if chr(c) not in "\n\r"),
    "100%/%41%2F%%/x=%3D",
    "ventes/région=Île-de-France/année=2026/été 😀.csv",
    "./x/../y//z",
    "k" * 1024,
]


def _block(keys: list[str], bucket: str = "my-bucket") -> bytes:
    return "".join(f"s3://{bucket}/{k}\n" for k in keys).encode()


def _agree(urls: list[str], keys: list[str], **settings: object) -> None:
    assert len(urls) == len(keys)
    for key, url in zip(keys, urls, strict=True):
        theirs = _botocore(url, "my-bucket", key, access_key_id="AKIDEXAMPLE", secret_access_key=SECRET,
                           session_token=None, **settings)
        assert ref.parts(url) == ref.parts(theirs), key


@pytest.mark.parametrize("settings", [
    {"region": "eu-west-1"},
    {"region": "us-east-1", "endpoint_url": "http://127.0.0.1:8333", "addressing_style": "path"},
])
def test_a_block_encoded_whole_agrees_with_botocore(pinned: list[float], monkeypatch: pytest.MonkeyPatch,
                                                    settings: dict[str, str]) -> None:
    from s3presign._bulk import format_chunk

    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), **settings)  # type: ignore[arg-type]
    keys = [*KEYS[:-2], *TRICKY] * 2
    with monkeypatch.context() as patch:  # the block must not fall back to encoding key by key
        patch.setattr(Presigner, "presign_keys", lambda *a, **k: pytest.fail("encoded key by key"))
        result = format_chunk(signer, _block(keys), 1, method="GET", expires_in=3600, fmt="url", keep_going=False)
    assert not result.errors and result.count == len(keys)
    _agree(result.data.decode().splitlines(), keys, **settings)


def test_a_block_with_a_long_encoded_key_is_encoded_key_by_key(pinned: list[float]) -> None:
    # "é" * 512 is 1,024 bytes (S3 takes it) but 3,072 characters encoded: the block cannot tell
    # from the encoded length, so the key-by-key path signs it; a key S3 refuses is named.
    from s3presign._bulk import format_chunk

    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    keys = ["year=2026/a b", "é" * 512, "100%/x"]
    result = format_chunk(signer, _block(keys), 1, method="GET", expires_in=3600, fmt="url", keep_going=False)
    _agree(result.data.decode().splitlines(), keys, region="eu-west-1")
    for bad, message in (("é" * 513, "at most 1024"), ("", "no object key")):
        result = format_chunk(signer, _block(["year=2026/a b", bad, "c"]), 7, method="GET", expires_in=3600,
                              fmt="url", keep_going=True)
        assert result.count == 2 and [line for line, _ in result.errors] == [8]
        assert message in result.errors[0][1]


# -- presign_many ------------------------------------------------------------------------------


def test_presign_many_reads_ahead_at_most_512_items(pinned: list[float]) -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    taken = 0

    def endless() -> Iterator[str]:
        nonlocal taken
        for i in itertools.count():
            taken += 1
            yield f"s3://bkt/year=2026/part-{i}.parquet"

    urls = signer.presign_many(endless())
    assert next(urls).split("?")[0].endswith("/part-0.parquet") and taken == 1
    for n in range(2, 5000):
        next(urls)
        assert taken - n <= 512


def test_presign_many_yields_every_url_before_a_bad_item(pinned: list[float]) -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    items: list[object] = [f"s3://bkt/k={i}" for i in range(300)]
    items[200] = "s3://bkt/"
    got: list[str] = []
    with pytest.raises(InvalidRequestError, match="key"):
        for url in signer.presign_many(items):  # type: ignore[arg-type]
            got.append(url)
    assert len(got) == 200 and got[-1].split("?")[0].endswith("/k%3D199")

    items[200] = ("bkt", "k", "extra")
    got.clear()
    with pytest.raises(ValueError):
        for url in signer.presign_many(items):  # type: ignore[arg-type]
            got.append(url)
    assert len(got) == 200


def test_presign_many_mixes_buckets_uris_and_pairs(pinned: list[float]) -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    items: list[object] = []
    for i in range(700):
        bucket = "bkt-a" if i % 3 else "bkt-b"
        key = f"year=2026/été {i}.csv"
        items.append(f"s3://{bucket}/{key}" if i % 2 else [bucket, key])
    urls = list(signer.presign_many(items))  # type: ignore[arg-type]
    assert len(urls) == 700
    for item, url in zip(items, urls, strict=True):
        bucket, key = item.removeprefix("s3://").split("/", 1) if isinstance(item, str) else item
        theirs = _botocore(url, bucket, key, access_key_id="AKIDEXAMPLE", secret_access_key=SECRET,
                           session_token=None, region="eu-west-1")
        assert ref.parts(url) == ref.parts(theirs)


# -- a real server -----------------------------------------------------------------------------


def test_seaweedfs_serves_batch_signed_urls(seaweedfs: Server, dataset: list[str]) -> None:
    signer = signer_for(seaweedfs)
    assert fetch_all(signer.presign_keys(seaweedfs.bucket, dataset)) == [k.encode() for k in dataset]
    many = list(signer.presign_many(f"s3://{seaweedfs.bucket}/{k}" for k in dataset))
    assert fetch_all(many) == [k.encode() for k in dataset]


def test_command_one_bucket_blocks_are_served(seaweedfs: Server, dataset: list[str]) -> None:
    """`s3presign -` signs a block of one bucket's lines in one batch; SeaweedFS serves each URL."""
    lines = "".join(f"s3://{seaweedfs.bucket}/{k}\n" for k in dataset) * 2
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "AWS_ACCESS_KEY_ID": seaweedfs.access_key_id,
           "AWS_SECRET_ACCESS_KEY": seaweedfs.secret_access_key, "AWS_ENDPOINT_URL": seaweedfs.endpoint_url,
           "AWS_DEFAULT_REGION": "us-east-1", "PYTHONPATH": ":".join(sys.path)}
    for jobs in ("1", "2"):
        done = subprocess.run([sys.executable, "-m", "s3presign", "-", "--jobs", jobs], input=lines.encode(),
                              capture_output=True, env=env, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        urls = done.stdout.decode().splitlines()
        assert fetch_all(urls) == [k.encode() for k in dataset] * 2


@pytest.mark.parametrize("name", ["r2", "minio", "gcs"])
def test_store_limits_hold_for_batches(pinned: list[float], name: str) -> None:
    # A store preset's refusals reach every batch path, worded as for a single URL.
    from s3presign._stores import STORES

    signer = Presigner.for_provider(name, Credentials("AKIDEXAMPLE", SECRET), account_id="abc123",
                                    endpoint_url=None if name != "minio" else "http://127.0.0.1:9000")
    too_long = STORES[name].max_expires + 1
    title = STORES[name].title
    with pytest.raises(InvalidRequestError, match=f"{title} presigned URLs last at most"):
        signer.presign("bkt", "k", expires_in=too_long)
    with pytest.raises(InvalidRequestError, match=f"{title} presigned URLs last at most"):
        signer.presign_keys("bkt", ["a=1/k", "b"], "GET", too_long)
    with pytest.raises(InvalidRequestError, match=f"{title} presigned URLs last at most"):
        list(signer.presign_many([("bkt", "k")], expires_in=too_long))
    with pytest.raises(InvalidRequestError, match=f"{title} presigned URLs last at most"):
        signer.presign_paths("bkt", ["a%3D1/k", "b"], "GET", too_long)
