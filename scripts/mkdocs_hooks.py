"""MkDocs hooks for this site (loaded by mkdocs.yml).

Table cells write a pipe inside code as ``\\|`` (`--output url\\|json`), as GitHub's tables
require; Python-Markdown's tables already keep a pipe inside a code span in its cell and would
show the backslash. So on table rows, ``\\|`` inside backticks becomes ``|`` before the page is
rendered; the Markdown files stay as GitHub reads them.
"""

from __future__ import annotations

import re
from typing import Any

_CODE = re.compile(r"(`+)(.+?)\1")


def unescape_table_code(markdown: str) -> str:
    """``| `a\\|b` |`` -> ``| `a|b` |`` on lines that are table rows; everything else as it was."""
    lines = []
    fence = False
    for line in markdown.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        if not fence and line.lstrip().startswith("|") and "\\|" in line:
            line = _CODE.sub(lambda m: m.group(1) + m.group(2).replace("\\|", "|") + m.group(1), line)
        lines.append(line)
    return "\n".join(lines)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    return unescape_table_code(markdown)
