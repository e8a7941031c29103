"""Presign a column: Arrow arrays in, Arrow arrays of URLs out; pandas and Polars on top.

    >>> import pyarrow as pa
    >>> from s3presign.arrow import presign_array
    >>> urls = presign_array(signer, pa.array(["s3://bkt/a.parquet", None]))  # [url, null]

Needs pyarrow (``pip install 's3presign[arrow]'``); pandas and Polars only for their helpers.
A chunk whose rows name one bucket (the usual column) has its keys encoded for the URL by
Arrow's kernels (one pass per distinct byte that needs it), then converted to Python strings
and signed in slices of rows by the batch form of the signer's fast path
(``Signer.sign_paths``: the signatures; the URLs are joined by Arrow), so a column signs
faster than ``presign_many`` over a list.
Rows of several buckets, and a chunk holding a key S3 refuses, are signed row by row.

A wing: takes a ``Signer`` (``signs_paths``, ``sign_paths``, ``presign_keys``) and imports ``_bulk``,
``_encoding``, the shared rules and the ground; never the front door.
"""

from __future__ import annotations

from ._bulk import split_s3_uri
from ._encoding import path_escapes
from ._errors import CredentialsError, Error, InvalidRequestError
from ._checks import MAX_KEY_BYTES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    import pandas
    import polars
    import pyarrow

    from ._signer import Signer

__all__ = ["presign_array", "presign_pandas", "presign_polars"]

def _require(*extras: tuple[str, str]) -> None:
    """Import each (module, extra) or raise ImportError naming the extra to install."""
    import importlib

    for module, extra in extras:
        try:
            importlib.import_module(module)
        except ImportError:
            raise ImportError(f"this needs {module}: pip install 's3presign[{extra}]'") from None


_ENCODE_SLICE = 1 << 16  # rows encoded at a time: a few MiB of temporaries
_SLICE = 4096  # rows converted to Python strings at a time (smaller slices kept the cache warm: ~1.2x)


def presign_array(signer: Signer, values: pyarrow.Array | pyarrow.ChunkedArray, *, bucket: str | None = None,
                  method: str = "GET", expires_in: int = 3600) -> pyarrow.StringArray:
    """URLs for a column of ``s3://bucket/key`` (or of keys, with ``bucket``); nulls stay null.

    ``presign_array(signer, pa.array(["a/1.csv", None]), bucket="bkt")`` -> ``["https://...", null]``.
    Raises ``InvalidRequestError`` naming the first bad row.
    """
    _require(("pyarrow", "arrow"))
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
        urls = _sign_chunk(signer, chunk, bucket, method, expires_in)
        if urls is None:
            rows = chunk.to_pylist()
            urls = pa.array(_sign_rows(signer, rows, row, bucket, method, expires_in, nulls=chunk.null_count > 0),
                            type=pa.string())
        results.append(urls)
        row += len(chunk)
    if len(results) == 1:
        return results[0]
    return pa.concat_arrays(results) if results else pa.array([], type=pa.string())


def _sign_chunk(signer: Signer, chunk: pyarrow.Array, bucket: str | None, method: str,
                expires_in: int) -> pyarrow.StringArray | None:
    """The URLs of a chunk whose rows all name one bucket, keys encoded by Arrow's kernels; None
    for the row-by-row path (several buckets, a key S3 refuses, a signer that cannot take paths).

    In slices of ``_ENCODE_SLICE`` rows (memory holds one slice's temporaries), the keys are
    encoded for the URL path in one ``replace_substring`` pass per distinct byte that needs it (as
    ``encode_path_lines`` does for a block of bulk input), then converted to Python strings
    ``_SLICE`` rows at a time and signed by ``Signer.sign_paths``: no per-row encoding.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
        chunk = chunk.cast(pa.large_string())  # string_view
    keys = chunk
    if bucket is None:
        first = pc.index(chunk.is_valid(), True).as_py()
        if first < 0:
            return None  # all null
        try:
            bucket = split_s3_uri(chunk[first].as_py())[0]
        except Error:
            return None
        prefix = f"s3://{bucket}/"
        if not prefix.isascii() or not pc.all(pc.starts_with(chunk, prefix)).as_py():
            return None
        keys = pc.utf8_slice_codeunits(chunk, len(prefix))  # the prefix is ASCII: one code unit a byte
    if not signer.signs_paths(bucket):
        return None
    lengths = pc.min_max(pc.binary_length(keys))
    if not lengths["min"].as_py() or lengths["max"].as_py() > MAX_KEY_BYTES:
        return None  # all null (None), an empty key, a key too long: the row-by-row path names its row
    raw = keys.cast(pa.large_binary())
    parts = []
    try:
        for start in range(0, len(raw), _ENCODE_SLICE):
            part = raw.slice(start, _ENCODE_SLICE)
            if part.null_count == len(part):
                parts.append(pa.nulls(len(part), pa.string()))
                continue
            paths = _encoded_paths(part.drop_null() if part.null_count else part)
            urls = pa.concat_arrays([  # Python strings a few at a time: made, signed, freed in the cache
                _joined_urls(signer, bucket, paths.slice(at, _SLICE), method, expires_in)
                for at in range(0, len(paths), _SLICE)])
            if part.null_count:
                urls = pc.replace_with_mask(pa.nulls(len(part), pa.string()), part.is_valid(), urls)
            parts.append(urls)
    except CredentialsError:
        raise  # not a row's fault: refreshing the credentials failed
    except Error:
        return None  # the row-by-row path raises it, naming the row
    return pa.concat_arrays(parts)


def _joined_urls(signer: Signer, bucket: str, paths: pyarrow.LargeStringArray, method: str,
                 expires_in: int) -> pyarrow.StringArray:
    """The URLs of encoded paths, joined in Arrow's buffers: the signer gives only the signatures
    (``Signer.sign_paths``), so no URL is made as a Python string and converted (about 13% of the
    time per row), and the Python objects per slice are the path strings and the signatures."""
    import pyarrow as pa
    import pyarrow.compute as pc

    prefix, runs, signatures = signer.sign_paths(bucket, paths.to_pylist(), method, expires_in)
    text = pa.large_string()
    if len(runs) == 1:
        query: Any = pa.scalar(runs[0][1], text)
    else:  # the signing second changed within the slice: each row takes its run's query
        ends = [start for start, _ in runs[1:]] + [len(paths)]
        query = pa.array([middle for (start, middle), end in zip(runs, ends) for _ in range(end - start)], text)
    urls = pc.binary_join_element_wise(pa.scalar(prefix, text), paths, query, pa.array(signatures, text),
                                       pa.scalar("", text))
    return urls.cast(pa.string())


def _encoded_paths(raw: pyarrow.LargeBinaryArray) -> pyarrow.LargeStringArray:
    """Keys (UTF-8, no nulls) encoded for the URL path."""
    import pyarrow as pa
    import pyarrow.compute as pc

    _, offsets, data = raw.buffers()
    offsets = memoryview(offsets).cast("q")  # row i's bytes: data[offsets[offset + i]:offsets[offset + i + 1]]
    start, end = offsets[raw.offset], offsets[raw.offset + len(raw)]
    for byte, escape in path_escapes(data.slice(start, end - start).to_pybytes()):
        raw = pc.replace_substring(raw, byte, escape)
    return raw.cast(pa.large_string())


def _sign_rows(signer: Signer, items: list[Any], first_row: int, bucket: str | None, method: str,
               expires_in: int, *, nulls: bool) -> Sequence[str | None]:
    presign: Callable[..., str] = signer.presign
    try:
        if bucket is None:
            pairs = [None if uri is None else split_s3_uri(uri) for uri in items]
            buckets = {pair[0] for pair in pairs if pair is not None}
            if len(buckets) != 1:  # several buckets (or none): row by row
                return [None if pair is None else presign(*pair, method, expires_in) for pair in pairs]
            bucket = buckets.pop()
            items = [None if pair is None else pair[1] for pair in pairs]
        if not nulls:
            return signer.presign_keys(bucket, items, method, expires_in)
        urls = iter(signer.presign_keys(bucket, [key for key in items if key is not None], method, expires_in))
        return [None if key is None else next(urls) for key in items]
    except CredentialsError:
        raise  # not a row's fault: refreshing the credentials failed
    except Error:
        pass
    for offset, item in enumerate(items):  # find the row to name in the error
        try:
            if item is not None:
                where = (bucket, item) if bucket is not None else split_s3_uri(item)
                presign(*where, method, expires_in)
        except Error as exc:
            raise InvalidRequestError(f"row {first_row + offset}: {exc}") from None
    raise AssertionError("unreachable: a row failed once and not again")  # pragma: no cover


def presign_pandas(signer: Signer, series: pandas.Series, *, bucket: str | None = None, method: str = "GET",
                   expires_in: int = 3600) -> pandas.Series:
    """``df["url"] = presign_pandas(signer, df["key"], bucket="bkt")``: same index, missing values stay missing."""
    _require(("pyarrow", "pandas"), ("pandas", "pandas"))
    import pandas as pd
    import pyarrow as pa

    urls = presign_array(signer, pa.Array.from_pandas(series), bucket=bucket, method=method, expires_in=expires_in)
    result: pd.Series = urls.to_pandas()
    result.index = series.index
    return result.rename(series.name)


def presign_polars(signer: Signer, series: polars.Series, *, bucket: str | None = None, method: str = "GET",
                   expires_in: int = 3600) -> polars.Series:
    """``df.with_columns(url=pl.col("key").map_batches(lambda s: presign_polars(signer, s, bucket="bkt")))``."""
    _require(("pyarrow", "polars"), ("polars", "polars"))
    import polars as pl

    urls = presign_array(signer, series.to_arrow(), bucket=bucket, method=method, expires_in=expires_in)
    return pl.Series(series.name, urls)
