"""A small Hive-partitioned data set in SeaweedFS, for the column, inventory, Dask and Spark tests.

Each object's body is its own key, so a test that GETs a presigned URL knows which object
answered. Keys hold what real data sets hold: ``=``, spaces, ``+`` and non-ASCII letters.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from s3presign import Credentials, Presigner

from .http import send
from .seaweedfs import Server

__all__ = ["dataset", "fetch_all", "hive_key", "signer_for"]

COUNT = 40


def hive_key(i: int) -> str:
    region = "Île-de-France" if i % 4 == 0 else "us east" if i % 4 == 1 else "eu+west"
    return f"dataset/region={region}/year={2020 + i % 3}/part-{i:05d}.parquet"


def signer_for(server: Server) -> Presigner:
    return Presigner(Credentials(server.access_key_id, server.secret_access_key), endpoint_url=server.endpoint_url)


def fetch_all(urls: list[str]) -> list[bytes]:
    """GET every URL; every one must answer 200."""
    def get(url: str) -> bytes:
        response = send(url)
        assert response.status == 200, (url, response.status, response.body[:300])
        return response.body

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(get, urls))


@pytest.fixture(scope="session")
def dataset(seaweedfs: Server) -> list[str]:
    """The keys of the data set, uploaded once per test session."""
    signer = signer_for(seaweedfs)
    keys = [hive_key(i) for i in range(COUNT)]

    def put(key: str) -> int:
        return send(signer.presign(seaweedfs.bucket, key, "PUT"), "PUT", key.encode()).status

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(put, keys)) == {200}
    return keys
