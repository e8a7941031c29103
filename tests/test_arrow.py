"""Presigning Arrow columns (and pandas / Polars series built on them)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import pyarrow as pa  # a test dependency: missing it fails, never skips

from s3presign import Credentials, InvalidRequestError, Presigner
from s3presign.arrow import presign_array, presign_pandas, presign_polars

from . import botocore_reference as ref
from .dataset import dataset, fetch_all, signer_for  # noqa: F401 - dataset is a fixture
from .seaweedfs import Server

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_uris_keys_nulls_and_chunks_agree_with_botocore() -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    keys = ["year=2026/month=11/part-1.parquet", None, "été 2026/a+b.csv", "plain/key.txt"]
    by_key = presign_array(signer, pa.chunked_array([keys[:2], keys[2:]]), bucket="my-bucket")
    by_uri = presign_array(signer, pa.array([None if k is None else f"s3://my-bucket/{k}" for k in keys],
                                            type=pa.large_string()))
    for urls in (by_key, by_uri):
        assert isinstance(urls, pa.StringArray) and urls.type == pa.string()
        assert urls.null_count == 1 and urls[1].as_py() is None
        for key, url in zip(keys, urls.to_pylist(), strict=True):
            if key is None:
                continue
            signed_at = datetime.strptime(url.split("X-Amz-Date=")[1][:16], "%Y%m%dT%H%M%SZ").replace(
                tzinfo=timezone.utc)
            theirs = ref.presign("my-bucket", key, method="GET", expires_in=3600, now=signed_at,
                                 access_key_id="AKIDEXAMPLE", secret_access_key=SECRET, session_token=None,
                                 region="eu-west-1")
            assert ref.parts(url) == ref.parts(theirs)


def test_columns_encoded_whole_agree_with_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-bucket chunk's keys are encoded by Arrow kernels, in slices of rows: every ASCII
    character, '%', a newline (a key may hold one), S3's longest keys; sliced arrays, large and
    view strings, nulls, slices that need different escapes; several buckets and bad rows take
    the row path."""
    from s3presign import _signer, arrow

    monkeypatch.setattr(_signer, "_time", lambda: 1795780800.0)  # every URL in the same second
    monkeypatch.setattr(arrow, "_ENCODE_SLICE", 1500)  # smaller slices, so a test can hold several
    monkeypatch.setattr(arrow, "_SLICE", 512)
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    distinct = ["".join(chr(c) for c in range(1, 128)), "100%/%41%2F/x=%3D", "line\nbreak/a b",
                "ventes/région=Île-de-France/été 😀.csv", "k" * 1024, "é" * 512, "year=2026/part-1.parquet",
                "plain/key.txt"]
    # The first slice holds plain keys only (nothing to escape), the next none, the others every kind.
    keys = ["plain/key.txt"] * 1500 + [None] * 1500 + [
        None if i % 11 == 3 else distinct[i % len(distinct)] for i in range(2500)]
    expected = {}
    for key in distinct:
        theirs = ref.presign("my-bucket", key, method="GET", expires_in=3600,
                             now=datetime.fromtimestamp(1795780800, timezone.utc), access_key_id="AKIDEXAMPLE",
                             secret_access_key=SECRET, session_token=None, region="eu-west-1")
        expected[key] = ref.parts(theirs)
    uris = [None if k is None else f"s3://my-bucket/{k}" for k in keys]
    columns = {
        "keys": (pa.array(keys), "my-bucket"),
        "sliced": (pa.array([None, "x", *keys, "y"]).slice(2, len(keys)), "my-bucket"),
        "large": (pa.array(keys, type=pa.large_string()), "my-bucket"),
        "view": (pa.array(keys, type=pa.string_view()), "my-bucket"),
        "uris": (pa.array(uris), None),
    }
    with monkeypatch.context() as patch:
        patch.setattr(arrow, "_sign_rows", lambda *a, **k: pytest.fail("signed row by row"))
        for name, (column, bucket) in columns.items():
            urls = presign_array(signer, column, bucket=bucket).to_pylist()
            assert [url is None for url in urls] == [key is None for key in keys], name
            assert [None if url is None else ref.parts(url) for url in urls] == [
                None if key is None else expected[key] for key in keys], name
    # Only the rows of a slice are read for the bytes to encode: here the last row's '=' and 'é'.
    tail = presign_array(signer, pa.array(["x y", "year=2026/été"]).slice(1), bucket="my-bucket").to_pylist()
    theirs = ref.presign("my-bucket", "year=2026/été", method="GET", expires_in=3600,
                         now=datetime.fromtimestamp(1795780800, timezone.utc), access_key_id="AKIDEXAMPLE",
                         secret_access_key=SECRET, session_token=None, region="eu-west-1")
    assert [ref.parts(url) for url in tail] == [ref.parts(theirs)]
    # Rows of two buckets, and bad rows, are signed (or named) row by row.
    mixed = presign_array(signer, pa.array(["s3://my-bucket/" + distinct[1], "s3://other/x"])).to_pylist()
    assert ref.parts(mixed[0]) == expected[distinct[1]] and mixed[1].startswith("https://other.s3.")
    for bad, message in (("é" * 513, "at most 1024"), ("", "empty")):
        with pytest.raises(InvalidRequestError, match=f"^row 2: .*{message}"):
            presign_array(signer, pa.array(["a", None, bad]), bucket="my-bucket")


def test_dictionary_and_empty_columns() -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    column = pa.array(["a", "b", "a", None]).dictionary_encode()
    urls = presign_array(signer, column, bucket="bkt", method="PUT", expires_in=60)
    assert [u.split("?")[0] if u else u for u in urls.to_pylist()] == [
        "https://bkt.s3.eu-west-1.amazonaws.com/a", "https://bkt.s3.eu-west-1.amazonaws.com/b",
        "https://bkt.s3.eu-west-1.amazonaws.com/a", None]
    assert all("X-Amz-Expires=60&" in u for u in urls.to_pylist() if u)
    assert len(presign_array(signer, pa.array([], type=pa.string()), bucket="bkt")) == 0
    assert len(presign_array(signer, pa.chunked_array([], type=pa.string()), bucket="bkt")) == 0


def test_bad_rows_and_types_are_named() -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    with pytest.raises(InvalidRequestError, match=r"^row 3: no object key in 's3://no-key'"):
        presign_array(signer, pa.chunked_array([["s3://b/1", "s3://b/2"], [None, "s3://no-key"]]))
    with pytest.raises(InvalidRequestError, match="must be strings"):
        presign_array(signer, pa.array([1, 2]), bucket="b")
    with pytest.raises(InvalidRequestError, match="pyarrow Array or ChunkedArray"):
        presign_array(signer, ["s3://b/k"], bucket="b")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="invalid HTTP method"):
        presign_array(signer, pa.array(["k"]), bucket="b", method="POST")


def test_columns_sign_urls_seaweedfs_serves(seaweedfs: Server, dataset: list[str]) -> None:
    import pandas as pd
    import polars as pl

    signer = signer_for(seaweedfs)
    keys = [*dataset, None]
    arrow_urls = presign_array(signer, pa.array(keys), bucket=seaweedfs.bucket).to_pylist()
    assert arrow_urls[-1] is None
    assert fetch_all(arrow_urls[:-1]) == [k.encode() for k in dataset]

    frame = pd.DataFrame({"key": keys}, index=range(100, 100 + len(keys)))
    frame["url"] = presign_pandas(signer, frame["key"], bucket=seaweedfs.bucket)
    assert list(frame.index) == list(range(100, 100 + len(keys)))
    assert frame["url"].isna().tolist() == [False] * len(dataset) + [True]
    assert fetch_all(frame["url"].tolist()[:3]) == [k.encode() for k in dataset[:3]]

    table = pl.DataFrame({"uri": [f"s3://{seaweedfs.bucket}/{k}" for k in dataset]})
    table = table.with_columns(url=pl.col("uri").map_batches(lambda s: presign_polars(signer, s),
                                                                return_dtype=pl.String))
    assert table["url"].dtype == pl.String
    assert fetch_all(table["url"].to_list()[-3:]) == [k.encode() for k in dataset[-3:]]


def test_a_slice_signed_across_seconds_joins_each_row_with_its_own_query(monkeypatch: pytest.MonkeyPatch) -> None:
    """The signer reads its clock every 512 rows; Arrow joins each URL with the query of the
    second its row was signed in (``Signer.sign_paths``' runs), checked against botocore."""
    from s3presign import _signer

    readings = [1795780800.0, 1795780801.0, 1795780802.0]
    monkeypatch.setattr(_signer, "_time", lambda: readings.pop(0) if len(readings) > 1 else readings[0])
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    keys = [f"year=2026/part {i:05d}.parquet" for i in range(1100)]
    urls = presign_array(signer, pa.array(keys), bucket="my-bucket").to_pylist()
    dates = [url.split("X-Amz-Date=")[1][:16] for url in urls]
    assert dates[:512] == ["20261127T120000Z"] * 512 and dates[512:1024] == ["20261127T120001Z"] * 512
    assert dates[1024:] == ["20261127T120002Z"] * 76
    for i in (0, 511, 512, 1023, 1024, 1099):
        signed_at = datetime.strptime(dates[i], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        theirs = ref.presign("my-bucket", keys[i], method="GET", expires_in=3600, now=signed_at,
                             access_key_id="AKIDEXAMPLE", secret_access_key=SECRET, session_token=None,
                             region="eu-west-1")
        assert ref.parts(urls[i]) == ref.parts(theirs)
