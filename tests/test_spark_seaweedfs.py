"""The Spark recipe end to end: ``local[2]`` adds a URL column with mapInArrow that SeaweedFS
serves; the signer travels as a broadcast, not with every task or row. One Spark session for
the module (starting one costs seconds)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3presign.scale import presign_spark

from .counting_signer import CountingPresigner, arrivals
from .dataset import dataset, fetch_all, signer_for  # noqa: F401 - dataset is a fixture
from .seaweedfs import Server

PARTITIONS = 8


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        pytest.fail("Spark needs Java: 'make test' installs Debian's default-jre-headless", pytrace=False)
    from pyspark.sql import SparkSession

    before = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = sys.executable  # Python workers run this interpreter
    session = (SparkSession.builder.master("local[2]").appName("s3presign-tests")
               .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.executorEnv.PYTHONPATH", os.pathsep.join(p for p in sys.path if p))
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
        if before is None:
            del os.environ["PYSPARK_PYTHON"]
        else:
            os.environ["PYSPARK_PYTHON"] = before


def test_url_column_with_map_in_arrow(seaweedfs: Server, dataset: list[str], spark: object,
                                      tmp_path: Path) -> None:
    log = str(tmp_path / "arrivals.txt")
    signer = CountingPresigner.wrap(signer_for(seaweedfs), log)
    rows = [(i, key) for i, key in enumerate([*dataset, None])]
    frame = spark.createDataFrame(rows, "n long, key string").repartition(PARTITIONS)  # type: ignore[attr-defined]
    result = presign_spark(signer, frame, "key", bucket=seaweedfs.bucket, expires_in=900).orderBy("n").collect()
    assert [r["key"] for r in result] == [*dataset, None]
    urls = [r["url"] for r in result]
    assert urls[-1] is None
    assert fetch_all(urls[:-1]) == [k.encode() for k in dataset]
    travelled = [pid for pid in arrivals(log) if pid != os.getpid()]
    # Each Python worker reads the broadcast once; local[2] runs at most two at a time, and a
    # worker is reused across tasks. Without the broadcast every one of the 8 tasks would carry it.
    assert 0 < len(travelled) < PARTITIONS, f"the signer arrived {len(travelled)} times for {PARTITIONS} tasks"
    assert len(travelled) == len(set(travelled))


def test_uri_column(seaweedfs: Server, dataset: list[str], spark: object) -> None:
    uris = [(f"s3://{seaweedfs.bucket}/{k}",) for k in dataset[:5]]
    frame = spark.createDataFrame(uris, "uri string")  # type: ignore[attr-defined]
    result = presign_spark(signer_for(seaweedfs), frame, "uri", into="link").collect()
    assert fetch_all([r["link"] for r in result]) == [k.encode() for k in dataset[:5]]
