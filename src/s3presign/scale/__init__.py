"""Bulk presigning beyond one process: S3 Inventory reports, Dask and Spark.

Public surface:

- ``inventory_keys(signer, manifest, filters=())`` -> ``(bucket, key)`` for every current object
  an S3 Inventory lists (CSV.gz, ORC, Parquet), read from S3 with the signer's credentials;
- ``presign_inventory(signer, manifest, method="GET", expires_in=3600, filters=())`` -> URLs;
- ``read_manifest(signer, location)`` and ``Manifest``: the report's ``manifest.json``;
- ``presign_dask(signer, frame, column, ...)``: a Dask DataFrame gains a URL column;
- ``presign_spark(signer, frame, column, ...)``: a Spark DataFrame gains a URL column.

Each signer reaches each worker once (it pickles to its settings); rows are signed in
batches with ``s3presign.arrow``.

Wings: each takes a ``Signer`` and imports ``arrow``, ``_bulk``, ``_listing``, ``_http`` and the ground;
never the front door.
"""

from ._dask import presign_dask
from ._inventory import Manifest, inventory_keys, presign_inventory, read_manifest
from ._spark import presign_spark

__all__ = ["Manifest", "inventory_keys", "presign_dask", "presign_inventory", "presign_spark", "read_manifest"]
