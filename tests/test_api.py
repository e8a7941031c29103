"""The public surface: exactly the names in __all__, typed."""

from __future__ import annotations

import types
from pathlib import Path

import s3presign


def test_all_lists_exactly_the_public_names() -> None:
    # Submodules (s3presign.cli) appear as attributes once imported; they are not re-exports.
    public = {name for name in dir(s3presign)
              if not name.startswith("_") and not isinstance(getattr(s3presign, name), types.ModuleType)}
    assert set(s3presign.__all__) - {"__version__"} == public


def test_ships_py_typed() -> None:
    assert (Path(s3presign.__file__).parent / "py.typed").exists()
