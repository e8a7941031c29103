"""The public surface: exactly the names in __all__, typed."""

from __future__ import annotations

from pathlib import Path

import s3presign


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in dir(s3presign) if not name.startswith("_")}
    assert set(s3presign.__all__) - {"__version__"} == public


def test_ships_py_typed() -> None:
    assert (Path(s3presign.__file__).parent / "py.typed").exists()
