"""Presign a column: Arrow arrays in, Arrow arrays of URLs out; pandas and Polars on top.

    >>> import pyarrow as pa
    >>> from s3presign.arrow import presign_array
    >>> urls = presign_array(signer, pa.array(["s3://bkt/a.parquet", None]))  # [url, null]

Needs pyarrow (``pip install 's3presign[arrow]'``); pandas and Polars only for their helpers.
A chunk whose rows name one bucket (the usual column) is signed by the batch form of the
signer's fast path (``Presigner._presign_keys``); rows of several buckets are signed one by one.
The Arrow side is one conversion to Python strings and one back, each a single C loop, so a
column signs at least as fast as ``presign_many`` over a list.
"""

from __future__ import annotations

from ._bulk import split_uri
from ._errors import CredentialsError, Error, InvalidRequestError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    import pandas
    import polars
    import pyarrow

    from ._presigner import Presigner

__all__ = ["presign_array", "presign_pandas", "presign_polars"]


def presign_array(signer: Presigner, values: pyarrow.Array | pyarrow.ChunkedArray, *, bucket: str | None = None,
                  method: str = "GET", expires_in: int = 3600) -> pyarrow.StringArray:
    """URLs for a column of ``s3://bucket/key`` (or of keys, with ``bucket``); nulls stay null.

    ``presign_array(signer, pa.array(["a/1.csv", None]), bucket="bkt")`` -> ``["https://...", null]``.
    Raises ``InvalidRequestError`` naming the first bad row.
    """
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        chunks = values.chunks
    elif isinstance(values, pa.Array):
        chunks = [values]
    else:
        raise InvalidRequestError(f"values must be a pyarrow Array or ChunkedArray, not {type(values).__name__}")
    kind = values.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)):
        raise InvalidRequestError(f"values must be strings (s3:// URIs or keys), not {values.type}")
    results = []
    row = 0
    for chunk in chunks:
        if pa.types.is_dictionary(chunk.type):
            chunk = chunk.dictionary_decode()
        rows = chunk.to_pylist()
        results.append(pa.array(_sign_rows(signer, rows, row, bucket, method, expires_in, nulls=chunk.null_count > 0),
                                type=pa.string()))
        row += len(chunk)
    if len(results) == 1:
        return results[0]
    return pa.concat_arrays(results) if results else pa.array([], type=pa.string())


def _sign_rows(signer: Presigner, items: list[Any], first_row: int, bucket: str | None, method: str,
               expires_in: int, *, nulls: bool) -> Sequence[str | None]:
    presign: Callable[..., str] = signer.presign
    try:
        if bucket is None:
            pairs = [None if uri is None else split_uri(uri) for uri in items]
            buckets = {pair[0] for pair in pairs if pair is not None}
            if len(buckets) != 1:  # several buckets (or none): row by row
                return [None if pair is None else presign(*pair, method, expires_in) for pair in pairs]
            bucket = buckets.pop()
            items = [None if pair is None else pair[1] for pair in pairs]
        if not nulls:
            return signer._presign_keys(bucket, items, method, expires_in)
        urls = iter(signer._presign_keys(bucket, [key for key in items if key is not None], method, expires_in))
        return [None if key is None else next(urls) for key in items]
    except CredentialsError:
        raise  # not a row's fault: refreshing the credentials failed
    except Error:
        pass
    for offset, item in enumerate(items):  # find the row to name in the error
        try:
            if item is not None:
                where = (bucket, item) if bucket is not None else split_uri(item)
                presign(*where, method, expires_in)
        except Error as exc:
            raise InvalidRequestError(f"row {first_row + offset}: {exc}") from None
    raise AssertionError("unreachable: a row failed once and not again")  # pragma: no cover


def presign_pandas(signer: Presigner, series: pandas.Series, *, bucket: str | None = None, method: str = "GET",
                   expires_in: int = 3600) -> pandas.Series:
    """``df["url"] = presign_pandas(signer, df["key"], bucket="bkt")``: same index, missing values stay missing."""
    import pandas as pd
    import pyarrow as pa

    urls = presign_array(signer, pa.Array.from_pandas(series), bucket=bucket, method=method, expires_in=expires_in)
    result: pd.Series = urls.to_pandas()
    result.index = series.index
    return result.rename(series.name)


def presign_polars(signer: Presigner, series: polars.Series, *, bucket: str | None = None, method: str = "GET",
                   expires_in: int = 3600) -> polars.Series:
    """``df.with_columns(url=pl.col("key").map_batches(lambda s: presign_polars(signer, s, bucket="bkt")))``."""
    import polars as pl

    urls = presign_array(signer, series.to_arrow(), bucket=bucket, method=method, expires_in=expires_in)
    return pl.Series(series.name, urls)
