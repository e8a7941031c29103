"""--inventory and s3presign.scale against S3 Inventory reports written into SeaweedFS.

The reports follow S3's documented layout
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-location.html):
``manifest.json`` naming gzip-compressed CSV data files (no header, every field quoted, keys
URL-encoded), or ORC / Parquet files with snake_case columns. They list the test data set plus
a noncurrent version and a delete marker, which must not become URLs.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote_plus, unquote, urlsplit

import pytest

from s3presign.cli import ExitCode
from s3presign.scale import inventory_keys, presign_inventory, read_manifest

from .dataset import dataset, fetch_all, signer_for  # noqa: F401 - dataset is a fixture
from .http import send
from .seaweedfs import Server

SCHEMA = "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass"
OLD_VERSION = "dataset/old version=1/part-0.parquet"  # IsLatest false: skipped
DELETED = "dataset/deleted=1/part-0.parquet"  # a delete marker: skipped


def _rows(bucket: str, keys: list[str]) -> list[tuple[str, str, str, bool, bool]]:
    rows = [(bucket, key, "", True, False) for key in keys]
    rows.insert(3, (bucket, OLD_VERSION, "v1", False, False))
    rows.insert(7, (bucket, DELETED, "v2", True, True))
    return rows


def _csv_gz(rows: list[tuple[str, str, str, bool, bool]]) -> bytes:
    lines = [",".join(f'"{v}"' for v in (b, quote_plus(k, safe="/"), ver, str(latest).lower(), str(marker).lower(),
                                          "12", "2026-11-27T00:00:00.000Z", "d41d8cd98f00b204e9800998ecf8427e",
                                          "STANDARD"))
             for b, k, ver, latest, marker in rows]
    return gzip.compress(("\n".join(lines) + "\n").encode())


def _columnar(rows: list[tuple[str, str, str, bool, bool]], fmt: str) -> bytes:
    import pyarrow as pa

    table = pa.table({
        "bucket": [r[0] for r in rows], "key": [r[1] for r in rows], "version_id": pa.array([r[2] or None for r in rows], pa.string()),
        "is_latest": [r[3] for r in rows], "is_delete_marker": [r[4] for r in rows],
        "size": pa.array([12] * len(rows), pa.int64()),
    })
    sink = io.BytesIO()
    if fmt == "Parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, sink, row_group_size=16)  # several row groups
    else:
        import pyarrow.orc as orc

        orc.write_table(table, sink, stripe_size=1024)
    return sink.getvalue()


@pytest.fixture(scope="module")
def inventories(seaweedfs: Server, dataset: list[str]) -> dict[str, str]:
    """One report per format, as s3:// URIs of their manifest.json."""
    signer = signer_for(seaweedfs)
    bucket = seaweedfs.bucket
    rows = _rows(bucket, dataset)
    base = f"inventory/{bucket}"
    manifests = {}
    for fmt in ("CSV", "Parquet", "ORC"):
        config = f"{base}/daily-{fmt.lower()}"
        halves = [rows[: len(rows) // 2], rows[len(rows) // 2:]]
        files = []
        for n, half in enumerate(halves):
            suffix = {"CSV": "csv.gz", "Parquet": "parquet", "ORC": "orc"}[fmt]
            key = f"{config}/data/0b5c{n}-file.{suffix}"
            body = _csv_gz(half) if fmt == "CSV" else _columnar(half, fmt)
            assert send(signer.presign(bucket, key, "PUT"), "PUT", body).status == 200
            files.append({"key": key, "size": len(body), "MD5checksum": "0" * 32})
        manifest = {
            "sourceBucket": bucket, "destinationBucket": f"arn:aws:s3:::{bucket}", "version": "2016-11-30",
            "creationTimestamp": "1795741200000", "fileFormat": fmt, "files": files,
            "fileSchema": SCHEMA if fmt == "CSV" else "message s3.inventory { required binary bucket (UTF8); ... }",
        }
        key = f"{config}/2026-11-27T01-00Z/manifest.json"
        assert send(signer.presign(bucket, key, "PUT"), "PUT", json.dumps(manifest).encode()).status == 200
        manifests[fmt] = f"s3://{bucket}/{key}"
    return manifests


def _run(seaweedfs: Server, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": seaweedfs.access_key_id,
           "AWS_SECRET_ACCESS_KEY": seaweedfs.secret_access_key, "AWS_ENDPOINT_URL": seaweedfs.endpoint_url,
           **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"}}
    return subprocess.run([sys.executable, "-m", "s3presign", *args], env=env, capture_output=True, text=True)


@pytest.mark.parametrize("fmt", ["CSV", "Parquet"])
def test_command_presigns_every_current_object(seaweedfs: Server, dataset: list[str], inventories: dict[str, str],
                                               tmp_path: Path, fmt: str) -> None:
    done = _run(seaweedfs, tmp_path, "--inventory", inventories[fmt], "--output", "jsonl")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["uri"] for r in records] == [f"s3://{seaweedfs.bucket}/{k}" for k in dataset]  # the report's order
    assert fetch_all([r["url"] for r in records]) == [k.encode() for k in dataset]


def test_filters_and_csv_output(seaweedfs: Server, dataset: list[str], inventories: dict[str, str],
                                tmp_path: Path) -> None:
    done = _run(seaweedfs, tmp_path, "--inventory", inventories["CSV"], "--output", "csv",
                "--exclude", "*", "--include", "*region=us east/*", "--exclude", "*year=2021*")
    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()
    assert rows[0] == "uri,url,expires_at"
    expected = [k for k in dataset if "region=us east/" in k and "year=2021" not in k]
    assert 0 < len(expected) < len(dataset)
    assert [r.split(",")[0] for r in rows[1:]] == [f"s3://{seaweedfs.bucket}/{k}" for k in expected]
    assert fetch_all([r.split(",")[1] for r in rows[1:]]) == [k.encode() for k in expected]


def test_local_manifest(seaweedfs: Server, dataset: list[str], inventories: dict[str, str], tmp_path: Path) -> None:
    signer = signer_for(seaweedfs)
    local = tmp_path / "manifest.json"
    bucket, key = inventories["CSV"][5:].split("/", 1)
    local.write_bytes(send(signer.presign(bucket, key)).body)
    done = _run(seaweedfs, tmp_path, "--inventory", str(local))
    assert done.returncode == 0, done.stderr
    assert [unquote(urlsplit(u).path).split("/", 2)[2] for u in done.stdout.splitlines()] == dataset


@pytest.mark.parametrize("fmt", ["CSV", "Parquet", "ORC"])
def test_library(seaweedfs: Server, dataset: list[str], inventories: dict[str, str], fmt: str) -> None:
    signer = signer_for(seaweedfs)
    manifest = read_manifest(signer, inventories[fmt])
    assert (manifest.file_format, len(manifest.files), manifest.source_bucket) == (fmt, 2, seaweedfs.bucket)
    assert [k for _, k in inventory_keys(signer, manifest)] == dataset
    urls = list(presign_inventory(signer, inventories[fmt], method="HEAD", expires_in=120,
                                  filters=[("exclude", "*.parquet"), ("include", "*part-0000[0-4].parquet")]))
    assert len(urls) == 5
    assert all(send(url, "HEAD").status == 200 for url in urls)


def test_errors(seaweedfs: Server, inventories: dict[str, str], tmp_path: Path) -> None:
    missing = _run(seaweedfs, tmp_path, "--inventory", f"s3://{seaweedfs.bucket}/inventory/none/manifest.json")
    assert missing.returncode == ExitCode.SERVICE
    assert missing.stderr.startswith(f"s3presign: error: cannot read s3://{seaweedfs.bucket}/inventory/none/"
                                     "manifest.json (NoSuchKey")
    not_json = tmp_path / "manifest.json"
    not_json.write_text('{"files": []}')
    bad = _run(seaweedfs, tmp_path, "--inventory", str(not_json))
    assert (bad.returncode, bad.stderr) == (
        ExitCode.USAGE, f"s3presign: error: {not_json} is not an S3 Inventory manifest.json (no sourceBucket)\n")
    both = _run(seaweedfs, tmp_path, "--inventory", str(not_json), "-")
    assert both.returncode == ExitCode.USAGE and "--inventory reads the keys from the report" in both.stderr
    assert seaweedfs.secret_access_key not in missing.stderr + bad.stderr
