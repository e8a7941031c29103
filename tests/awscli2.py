"""Where AWS CLI v2 (the command's oracle; not on PyPI) is: ``S3PRESIGN_AWS2`` (its ``aws``), or
``.venv-awscli2`` made by ``make awscli2``. With CI=true a missing oracle fails the test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_GIVEN = os.environ.get("S3PRESIGN_AWS2")  # read at import: the home fixture clears S3PRESIGN_*


def aws2() -> str | None:
    """The path of ``aws``, or None."""
    if _GIVEN:
        return _GIVEN
    for local in (ROOT / ".venv-awscli2" / "bin" / "aws", ROOT / ".venv-awscli2" / "aws"):
        if local.exists():
            return str(local)
    return None


def require_aws2() -> str:
    """The path of ``aws``; skips the test without it, or fails it when CI is set."""
    found = aws2()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("AWS CLI v2 is missing: make awscli2, or set S3PRESIGN_AWS2")
        pytest.skip("AWS CLI v2 not installed (make awscli2, or S3PRESIGN_AWS2=path/to/aws)")
    return found
