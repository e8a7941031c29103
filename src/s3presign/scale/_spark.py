"""Spark: a URL column for a Spark DataFrame, signed on the executors with ``mapInArrow``.

The signer travels as a broadcast variable: each executor fetches it once and every Python
worker there reuses it (under Spark Connect, which has no broadcasts, it rides in the task's
closure: once per task, still never per row). Rows arrive as Arrow record batches and each
batch is one ``presign_array`` call.

A wing: takes a ``Signer``; imports ``arrow``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from .._signer import Signer

__all__ = ["presign_spark"]


def presign_spark(signer: Signer, frame: Any, column: str, *, bucket: str | None = None, method: str = "GET",
                  expires_in: int = 3600, into: str = "url") -> Any:
    """``presign_spark(signer, df, "key", bucket="bkt")`` -> ``df`` with a string ``url`` column (lazy).

    ``column`` holds ``s3://`` URIs, or keys when ``bucket`` is given; nulls stay null.
    """
    from pyspark.sql.types import StringType, StructField, StructType

    try:
        shared: Any = frame.sparkSession.sparkContext.broadcast(signer)
    except Exception:  # noqa: BLE001 - Spark Connect: no SparkContext, no broadcasts
        shared = None
    schema = StructType([*frame.schema.fields, StructField(into, StringType(), True)])
    carried: Any = signer if shared is None else None  # the closure holds the signer only without a broadcast

    def sign_batches(batches: Iterator[Any]) -> Iterator[Any]:
        from ..arrow import presign_array

        local: Signer = shared.value if shared is not None else carried
        for batch in batches:
            urls = presign_array(local, batch.column(column), bucket=bucket, method=method, expires_in=expires_in)
            yield batch.append_column(into, urls)

    return frame.mapInArrow(sign_batches, schema)
