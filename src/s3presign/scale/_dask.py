"""Dask: a URL column for a Dask DataFrame, signed partition by partition on the workers.

The signer enters the task graph once, as a single ``dask.delayed`` value every partition task
depends on: the distributed scheduler ships it to each worker once and keeps it there, rather
than once per task (and it is never sent per row). Each partition is one ``presign_pandas`` call.

A wing: takes a ``Signer``; imports ``arrow``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    import pandas

    from .._signer import Signer

__all__ = ["presign_dask"]


def presign_dask(signer: Signer, frame: Any, column: str, *, bucket: str | None = None, method: str = "GET",
                 expires_in: int = 3600, into: str = "url") -> Any:
    """``presign_dask(signer, ddf, "key", bucket="bkt")`` -> ``ddf`` with a ``url`` column (lazy; ``.compute()``).

    ``column`` holds ``s3://`` URIs, or keys when ``bucket`` is given; nulls stay null.
    """
    from dask.delayed import delayed

    shared = delayed(signer, pure=True, traverse=False)
    meta = _presign_partition(frame._meta, signer, column, bucket, method, expires_in, into)
    return frame.map_partitions(_presign_partition, shared, column, bucket, method, expires_in, into, meta=meta)


def _presign_partition(part: pandas.DataFrame, signer: Signer, column: str, bucket: str | None, method: str,
                       expires_in: int, into: str) -> pandas.DataFrame:
    from ..arrow import presign_pandas

    return part.assign(**{into: presign_pandas(signer, part[column], bucket=bucket, method=method,
                                               expires_in=expires_in)})
