"""``python -m s3presign``: the same as the ``s3presign`` command."""

from .cli import run

run()
