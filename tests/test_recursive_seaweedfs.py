"""--recursive against SeaweedFS: a prefix of 2,500 objects (three pages), filters, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from s3presign import Credentials, Presigner
from s3presign.cli import ExitCode

from .http import send
from .seaweedfs import Server

COUNT = 2_500


def _key(i: int) -> str:
    folder = "photos" if i % 5 == 0 else "data"
    ext = "jpg" if i % 5 == 0 else "txt"
    return f"listing/{folder}/item {i:05d}+ü.{ext}"


@pytest.fixture(scope="module")
def prefix_of_2500(seaweedfs: Server) -> list[str]:
    signer = Presigner(Credentials(seaweedfs.access_key_id, seaweedfs.secret_access_key),
                       endpoint_url=seaweedfs.endpoint_url)
    keys = [_key(i) for i in range(COUNT)]

    def put(key: str) -> int:
        return send(signer.presign(seaweedfs.bucket, key, "PUT"), "PUT", key.encode()).status

    with ThreadPoolExecutor(16) as pool:
        assert set(pool.map(put, keys)) == {200}
    return keys


def _run(seaweedfs: Server, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": seaweedfs.access_key_id,
           "AWS_SECRET_ACCESS_KEY": seaweedfs.secret_access_key, "AWS_ENDPOINT_URL": seaweedfs.endpoint_url,
           **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"}}  # the code under test, not an install
    return subprocess.run([sys.executable, "-m", "s3presign", *args], env=env, capture_output=True, text=True)


def test_lists_every_page_and_presigns_each(seaweedfs: Server, prefix_of_2500: list[str], tmp_path: Path) -> None:
    done = _run(seaweedfs, tmp_path, f"s3://{seaweedfs.bucket}/listing/", "--recursive", "--output", "jsonl")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert sorted(r["uri"] for r in records) == sorted(f"s3://{seaweedfs.bucket}/{k}" for k in prefix_of_2500)
    for record in records[::250]:  # a sample, fetched through the URLs
        got = send(record["url"])
        assert (got.status, got.body) == (200, record["uri"].split("/", 3)[3].encode())


def test_filters_like_aws_s3_cp(seaweedfs: Server, prefix_of_2500: list[str], tmp_path: Path) -> None:
    done = _run(seaweedfs, tmp_path, f"s3://{seaweedfs.bucket}/listing/", "--recursive",
                "--exclude", "*", "--include", "photos/*.jpg", "--exclude", "*00+ü.jpg")
    assert done.returncode == 0, done.stderr
    # Every fifth object is a photo (500); the last filter drops those numbered *00 (25).
    expected = {f"listing/photos/item {i:05d}+ü.jpg" for i in range(0, COUNT, 5) if i % 100}
    assert len(expected) == 475
    got = {unquote(urlsplit(u).path).split("/", 2)[2] for u in done.stdout.splitlines()}
    assert got == expected


def test_missing_bucket_is_a_service_error(seaweedfs: Server, tmp_path: Path) -> None:
    done = _run(seaweedfs, tmp_path, "s3://no-such-bucket-here/x/", "--recursive")
    assert done.returncode == ExitCode.SERVICE
    assert done.stdout == ""
    assert done.stderr.startswith("s3presign: error: listing failed (NoSuchBucket")
