"""A griffe extension for the API reference: docstring examples in doctest form become code.

The docstrings show examples as ``>>>`` lines (with ``...`` continuations and the output
after them), which Markdown would read as nested quotes. This wraps each such run of lines
in a ``pycon`` fence before mkdocstrings renders it. Loaded by mkdocs.yml.
"""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """``>>> x`` runs (and their output, up to a blank line) fenced as pycon; other lines as they were."""
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        stripped = line.strip()
        if not inside and stripped.startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}```pycon")
            inside = True
        elif inside and not stripped:
            out.append(f"{indent}```")
            inside = False
        out.append(line)
    if inside:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence the doctest examples of every documented object."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
