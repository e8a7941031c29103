"""The Dask recipe end to end: a LocalCluster of two worker processes adds a URL column that
SeaweedFS serves; the signer reaches each worker once, not once per partition or row."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from s3presign.scale import presign_dask

from .counting_signer import CountingPresigner, arrivals
from .dataset import dataset, fetch_all, signer_for  # noqa: F401 - dataset is a fixture
from .seaweedfs import Server

PARTITIONS = 8


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as dask_client:
        yield dask_client


def test_url_column_from_workers(seaweedfs: Server, dataset: list[str], client: object, tmp_path: Path) -> None:
    import dask.dataframe as dd

    log = str(tmp_path / "arrivals.txt")
    signer = CountingPresigner.wrap(signer_for(seaweedfs), log)
    keys = [*dataset, None]
    frame = dd.from_pandas(pd.DataFrame({"key": keys, "n": range(len(keys))}), npartitions=PARTITIONS)
    with_urls = presign_dask(signer, frame, "key", bucket=seaweedfs.bucket, expires_in=600)
    result = with_urls.compute().sort_values("n")
    assert list(result.columns) == ["key", "n", "url"]
    urls = result["url"].tolist()
    assert pd.isna(urls[-1])
    assert fetch_all(urls[:-1]) == [k.encode() for k in dataset]
    assert all("X-Amz-Expires=600&" in u for u in urls[:-1])
    # Arrivals in this process are copies dask makes while building the graph, not travel.
    worker_pids = set(client.run(os.getpid).values())  # type: ignore[attr-defined]
    travelled = [pid for pid in arrivals(log) if pid != os.getpid()]
    assert set(travelled) <= worker_pids
    assert travelled and len(travelled) == len(set(travelled)), (
        f"the signer arrived {len(travelled)} times on {len(worker_pids)} workers for {PARTITIONS} partitions")


def test_uri_column(seaweedfs: Server, dataset: list[str], client: object) -> None:
    import dask.dataframe as dd

    uris = [f"s3://{seaweedfs.bucket}/{k}" for k in dataset[:6]]
    frame = dd.from_pandas(pd.DataFrame({"uri": uris}), npartitions=3)
    result = presign_dask(signer_for(seaweedfs), frame, "uri", into="link").compute()
    assert fetch_all(result["link"].tolist()) == [k.encode() for k in dataset[:6]]
