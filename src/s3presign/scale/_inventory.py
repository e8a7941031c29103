"""S3 Inventory: the keys an inventory lists, read from its manifest and data files in S3.

Theory of operation. An inventory report is a ``manifest.json``
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-location.html) naming
its data files in the destination bucket, their format (``CSV``, ``ORC`` or ``Parquet``) and, for
CSV, the column order (``fileSchema``: ``"Bucket, Key, VersionId, IsLatest, ..."``). Each data
file is fetched with a presigned GET (the signer's credentials and endpoint, through
``s3presign._http``) and read as it arrives:

- CSV (gzip-compressed, no header row, every field quoted): decompressed and parsed a piece at
  a time. S3 URL-encodes keys in CSV inventories (form encoding: a space is ``+``), so keys are
  decoded with ``unquote_plus``; ORC and Parquet hold keys as they are.
- ORC and Parquet keep their index at the end of the file, so a file is first streamed to a
  temporary file on disk, then read a stripe or row group at a time (pyarrow).

Memory stays bounded by one piece or row group whatever the inventory's size. Delete markers
and noncurrent versions (rows with ``IsDeleteMarker`` true or ``IsLatest`` false, in
inventories that list versions) are skipped: a URL without a version id reaches the current
object.

A wing: takes a ``Signer``; imports ``_bulk``, ``_listing``, ``_http`` and ``_errors``.
"""

from __future__ import annotations

import json

from .._errors import Error, InvalidRequestError, ServiceError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from typing import IO, Any

    from .._signer import Signer

__all__ = ["Manifest", "inventory_keys", "presign_inventory", "read_manifest"]

MAX_MANIFEST_BYTES = 64 << 20  # a manifest lists data files, a few hundred bytes each
_CHUNK = 1 << 20
_FORMATS = ("CSV", "ORC", "Parquet")


class Manifest:
    """An inventory's ``manifest.json``: ``source_bucket``, ``destination_bucket``, ``file_format``
    (CSV, ORC or Parquet), ``columns`` (CSV's column order) and ``files`` (data file keys)."""

    __slots__ = ("columns", "destination_bucket", "file_format", "files", "source_bucket")

    def __init__(self, *, source_bucket: str, destination_bucket: str, file_format: str, columns: list[str],
                 files: list[str]) -> None:
        self.source_bucket = source_bucket
        self.destination_bucket = destination_bucket
        self.file_format = file_format
        self.columns = columns
        self.files = files

    @classmethod
    def parse(cls, data: bytes, *, where: str) -> Manifest:
        """``Manifest.parse(b'{"sourceBucket": ..., "files": [...]}', where="manifest.json")``."""
        try:
            doc = json.loads(data)
        except ValueError as exc:
            raise InvalidRequestError(f"{where} is not JSON ({exc}); give an S3 Inventory manifest.json") from None
        fields = ("sourceBucket", "destinationBucket", "fileFormat", "files")
        missing = [name for name in fields if not isinstance(doc, dict) or name not in doc]
        if missing:
            raise InvalidRequestError(f"{where} is not an S3 Inventory manifest.json (no {missing[0]})")
        formats = {name.lower(): name for name in _FORMATS}
        file_format = formats.get(str(doc["fileFormat"]).lower(), "")
        if not file_format:
            raise InvalidRequestError(f"{where}: unknown fileFormat {doc['fileFormat']!r}; S3 writes CSV, ORC or Parquet")
        try:
            files = [str(entry["key"]) for entry in doc["files"]]
        except (KeyError, TypeError):
            raise InvalidRequestError(f"{where}: files must be a list of {{\"key\": ...}} entries") from None
        source = str(doc["sourceBucket"])
        destination = str(doc["destinationBucket"]).rsplit(":", 1)[-1]  # arn:aws:s3:::NAME
        schema = str(doc.get("fileSchema", ""))
        columns = [name.strip() for name in schema.split(",")] if file_format == "CSV" else []
        if file_format == "CSV" and "Key" not in columns:
            raise InvalidRequestError(f"{where}: the CSV fileSchema has no Key column: {schema!r}")
        return cls(source_bucket=source, destination_bucket=destination, file_format=file_format, columns=columns,
                   files=files)

    def __repr__(self) -> str:
        return (f"Manifest(source_bucket={self.source_bucket!r}, file_format={self.file_format!r}, "
                f"{len(self.files)} files)")


def read_manifest(signer: Signer, location: str) -> Manifest:
    """Read a manifest from a local path or ``s3://BUCKET/KEY``: ``read_manifest(signer, "s3://inv/.../manifest.json")``."""
    if location.startswith("s3://"):
        from .._bulk import split_uri

        bucket, key = split_uri(location)
        return Manifest.parse(_get(signer, bucket, key, max_bytes=MAX_MANIFEST_BYTES), where=location)
    try:
        with open(location, "rb") as file:
            data = file.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        raise InvalidRequestError(f"cannot read the inventory manifest {location}: {exc.strerror}") from None
    if len(data) > MAX_MANIFEST_BYTES:
        raise InvalidRequestError(f"{location} is larger than any inventory manifest ({MAX_MANIFEST_BYTES} bytes)")
    return Manifest.parse(data, where=location)


def inventory_keys(signer: Signer, manifest: Manifest | str, *,
                   filters: Sequence[tuple[str, str]] = ()) -> Iterator[tuple[str, str]]:
    """Yield ``(bucket, key)`` for every current object an inventory lists, file by file.

    ``manifest``: a ``Manifest`` or where to read one. ``filters``: ``[("exclude", "*"),
    ("include", "*.parquet")]`` on the whole key, as ``--include/--exclude`` (the last match wins).
    """
    from .._listing import keep

    if isinstance(manifest, str):
        manifest = read_manifest(signer, manifest)
    reader = {"CSV": _csv_rows, "ORC": _columnar_rows, "Parquet": _columnar_rows}[manifest.file_format]
    for file_key in manifest.files:
        for bucket, key in reader(signer, manifest, file_key):
            if not filters or keep(key, filters):
                yield bucket, key


# -- data files ---------------------------------------------------------------------------------

def _open(signer: Signer, bucket: str, key: str) -> Any:
    import os

    from .._http import HTTPError, open_stream

    url = signer.presign(bucket, key, "GET", 900)
    try:
        stream = open_stream("GET", url, timeout=60.0, env=os.environ, what="the inventory's storage")
    except HTTPError as exc:
        raise Error(str(exc)) from None
    if stream.status != 200:
        body = stream.read_all(1 << 16) if stream.status >= 300 else b""
        stream.close()
        raise ServiceError(_describe(f"s3://{bucket}/{key}", stream.status, body))
    return stream


def _get(signer: Signer, bucket: str, key: str, *, max_bytes: int) -> bytes:
    from .._http import HTTPError

    with _open(signer, bucket, key) as stream:
        try:
            return stream.read_all(max_bytes)  # type: ignore[no-any-return]
        except HTTPError as exc:
            raise Error(str(exc)) from None


def _describe(where: str, status: int, body: bytes) -> str:
    from .._listing import error_detail

    return f"cannot read {where} ({error_detail(status, body)}); check the location and that the credentials may read it"


def _chunks(signer: Signer, bucket: str, key: str) -> Iterator[bytes]:
    from .._http import HTTPError

    with _open(signer, bucket, key) as stream:
        try:
            yield from stream.iter_chunks(_CHUNK)
        except HTTPError as exc:
            raise Error(str(exc)) from None


def _csv_rows(signer: Signer, manifest: Manifest, file_key: str) -> Iterator[tuple[str, str]]:
    import csv
    import zlib
    from urllib.parse import unquote_plus

    columns = manifest.columns
    bucket_at, key_at = columns.index("Bucket") if "Bucket" in columns else -1, columns.index("Key")
    latest_at = columns.index("IsLatest") if "IsLatest" in columns else -1
    marker_at = columns.index("IsDeleteMarker") if "IsDeleteMarker" in columns else -1
    gzipped = file_key.endswith(".gz")
    # wbits 47: a gzip or zlib stream, header detected (S3 writes gzip).
    inflate = zlib.decompressobj(47) if gzipped else None
    where = f"s3://{manifest.destination_bucket}/{file_key}"
    carry = b""

    def rows(text: bytes) -> Iterator[tuple[str, str]]:
        try:
            lines = text.decode("utf-8").splitlines()
        except UnicodeDecodeError:
            raise ServiceError(f"{where} is not UTF-8 text; is it a CSV inventory file?") from None
        for row in csv.reader(lines):
            if not row:
                continue
            try:
                if (latest_at >= 0 and row[latest_at] == "false") or (marker_at >= 0 and row[marker_at] == "true"):
                    continue
                yield (row[bucket_at] if bucket_at >= 0 else manifest.source_bucket), unquote_plus(row[key_at])
            except IndexError:
                raise ServiceError(f"{where}: a row has fewer columns than the manifest's fileSchema") from None

    for chunk in _chunks(signer, manifest.destination_bucket, file_key):
        if inflate is not None:
            try:
                chunk = inflate.decompress(chunk)
            except zlib.error as exc:
                raise ServiceError(f"{where} is not valid gzip ({exc})") from None
        data = carry + chunk
        cut = data.rfind(b"\n") + 1  # CSV inventories quote keys, and URL-encoding leaves no newline in them
        carry = data[cut:]
        yield from rows(data[:cut])
    if inflate is not None:
        carry += inflate.flush()
    if carry.strip():
        yield from rows(carry)


def _columnar_rows(signer: Signer, manifest: Manifest, file_key: str) -> Iterator[tuple[str, str]]:
    import tempfile

    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InvalidRequestError(
            f"reading a {manifest.file_format} inventory needs pyarrow: pip install 's3presign[arrow]'") from None
    with tempfile.TemporaryFile() as spool:
        for chunk in _chunks(signer, manifest.destination_bucket, file_key):
            spool.write(chunk)
        spool.seek(0)
        yield from _read_columnar(spool, manifest, f"s3://{manifest.destination_bucket}/{file_key}")


def _read_columnar(file: IO[bytes], manifest: Manifest, where: str) -> Iterator[tuple[str, str]]:
    import pyarrow as pa

    wanted = ("bucket", "key", "is_latest", "is_delete_marker")
    try:
        if manifest.file_format == "Parquet":
            import pyarrow.parquet as pq

            parquet = pq.ParquetFile(file)
            names = parquet.schema_arrow.names
            batches: Iterator[Any] = parquet.iter_batches(columns=[n for n in wanted if n in names])
        else:
            import pyarrow.orc as orc

            orc_file = orc.ORCFile(file)
            names = orc_file.schema.names
            columns = [n for n in wanted if n in names]
            batches = (orc_file.read_stripe(i, columns=columns) for i in range(orc_file.nstripes))
        if "key" not in names:
            raise ServiceError(f"{where} has no key column; is it an S3 Inventory file?")
        for batch in batches:
            keys = batch.column("key").to_pylist()
            buckets = batch.column("bucket").to_pylist() if "bucket" in names else [manifest.source_bucket] * len(keys)
            latest = batch.column("is_latest").to_pylist() if "is_latest" in names else None
            markers = batch.column("is_delete_marker").to_pylist() if "is_delete_marker" in names else None
            for i, key in enumerate(keys):
                if key is None or (latest is not None and latest[i] is False) or (markers is not None and markers[i]):
                    continue
                yield buckets[i] or manifest.source_bucket, key
    except (pa.ArrowException, OSError) as exc:
        raise ServiceError(f"cannot read {where} as {manifest.file_format} ({exc})") from None


def presign_inventory(signer: Signer, manifest: Manifest | str, *, method: str = "GET", expires_in: int = 3600,
                      filters: Sequence[tuple[str, str]] = ()) -> Iterator[str]:
    """URLs for every current object an inventory lists, lazily and in its order:
    ``for url in presign_inventory(signer, "s3://inv/src/cfg/2026-11-27T01-00Z/manifest.json"): ...``."""
    from .._bulk import presign_many

    return presign_many(signer, inventory_keys(signer, manifest, filters=filters), method=method,
                        expires_in=expires_in)
