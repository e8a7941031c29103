"""Every code block the documentation marks runnable runs, against the demo server (SeaweedFS).

A block is marked by the HTML comment ``<!-- run -->`` on the line just before its fence (the
convention is written in docs/contributing.md). ``python`` blocks of one page run in order in one
namespace; ``sh`` blocks run one by one in bash, with the command on PATH, and what they print is
used: a printed ``curl`` command runs too, a printed URL is downloaded. Both see the demo server's
variables, exactly as after ``make serve`` and its exports. A snippet that rots fails here: the
last tests feed the runners broken snippets (the Polars example as it was, an unknown option)
and check that they fail.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from .seaweedfs import Server

ROOT = Path(__file__).resolve().parent.parent
MARK = "<!-- run -->"
_BLOCK = re.compile(r"^<!-- run -->\n```(\w+)[^\n]*\n(.*?)^```", re.M | re.S)
LANGUAGES = {"python", "sh"}


@dataclass(frozen=True)
class Block:
    page: str  # relative to the repository
    line: int  # of the fence
    language: str
    code: str

    @property
    def name(self) -> str:
        return f"{self.page}:{self.line}"


def blocks_of(text: str, page: str) -> list[Block]:
    """The runnable blocks of a page, in order; a mark not followed by a known fence is an error."""
    found = []
    for match in _BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 2
        assert match.group(1) in LANGUAGES, f"{page}:{line}: runnable blocks are python or sh, not {match.group(1)}"
        found.append(Block(page, line, match.group(1), match.group(2)))
    marks = len(re.findall(rf"^{MARK}$", text, re.M))
    assert marks == len(found), f"{page}: a {MARK} mark must sit on the line just before a fence"
    return found


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


ALL = [block for page in _pages()
       for block in blocks_of(page.read_text(encoding="utf-8"), str(page.relative_to(ROOT)))]
PYTHON_PAGES = sorted({block.page for block in ALL if block.language == "python"})
SH_BLOCKS = [block for block in ALL if block.language == "sh"]


def demo_env(server: Server, home: Path) -> dict[str, str]:
    """What `make serve` tells you to export, and no more (HOME empty: no ~/.aws)."""
    return {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "HOME": str(home),
            "AWS_ACCESS_KEY_ID": server.access_key_id, "AWS_SECRET_ACCESS_KEY": server.secret_access_key,
            "AWS_ENDPOINT_URL": server.endpoint_url, "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_DEFAULT_REGION": "us-east-1", "PYTHONPATH": os.environ.get("PYTHONPATH", "")}


_DRIVER = textwrap.dedent("""
    import json, sys
    namespace = {"__name__": "__main__"}
    for name, code in json.load(sys.stdin):
        exec(compile(code, name, "exec"), namespace)
""")


def run_python(blocks: list[Block], server: Server, workdir: Path) -> subprocess.CompletedProcess[str]:
    """Run one page's python blocks in order in one namespace; a traceback names page and fence line."""
    import json

    # Each block compiles as if it sat at its place on the page, so a traceback's line is the page's.
    script = json.dumps([(block.page, "\n" * block.line + block.code) for block in blocks])
    return subprocess.run([sys.executable, "-c", _DRIVER], input=script, cwd=workdir, env=demo_env(server, workdir),
                          capture_output=True, text=True, timeout=300)


def run_sh(block: Block, server: Server, workdir: Path) -> str | None:
    """Run one sh block and what it prints; None when all went well, else what went wrong."""
    env = demo_env(server, workdir)
    (workdir / "README.md").write_text("a report\n")
    (workdir / "day.csv").write_text("day,count\n2026-11-28,3\n")
    (workdir / "big.bin").write_bytes(os.urandom(6 << 20))
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", block.code], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or "error" in done.stderr.lower():
        return f"exit {done.returncode}: {done.stderr}"
    if (workdir / "upload.html").exists() and "<form" not in (workdir / "upload.html").read_text():
        return "upload.html holds no form"
    if not done.stdout.strip():
        return None
    last = done.stdout.strip().splitlines()[-1]
    if last.startswith("curl "):  # what it printed runs too, with a file where it says FILE
        (workdir / "FILE").write_bytes(b"uploaded by the block\n")
        comment = last.split(" # ", 1)[1] if " # " in last else ""
        cut = re.search(r"(dd if=\S+ of=\S+ bs=\S+ skip=\d+ count=\d+)", comment)
        if cut:
            subprocess.run(["bash", "-c", cut.group(1)], cwd=workdir, check=True, capture_output=True)
        ran = subprocess.run(["bash", "-c", last], cwd=workdir, env=env, capture_output=True, text=True, timeout=60)
        return None if ran.returncode == 0 else f"the printed curl failed: {last}\n{ran.stdout}{ran.stderr}"
    if last.startswith(("http://", "https://")):  # a printed URL is downloaded
        got = subprocess.run(["curl", "--globoff", "-sf", "-o", os.devnull, "-w", "%{http_code}", last],
                             capture_output=True, text=True, timeout=60)
        return None if got.returncode == 0 else f"the printed URL answered {got.stdout}: {last}"
    return None


def test_the_docs_have_runnable_blocks() -> None:
    # Not a vacuous pass: the pages that show the library and the recipes do mark them.
    pages = {block.page for block in ALL}
    assert {"docs/getting-started.md", "docs/uploads.md", "docs/many-urls.md"} <= pages, pages
    assert len(SH_BLOCKS) >= 6 and PYTHON_PAGES


@pytest.mark.parametrize("page", PYTHON_PAGES)
def test_python_blocks_run(page: str, seaweedfs: Server, tmp_path: Path) -> None:
    done = run_python([block for block in ALL if block.page == page and block.language == "python"],
                      seaweedfs, tmp_path)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("block", SH_BLOCKS, ids=lambda block: block.name)
def test_sh_block_runs(block: Block, seaweedfs: Server, tmp_path: Path) -> None:
    problem = run_sh(block, seaweedfs, tmp_path)
    assert problem is None, f"{block.name}: {problem}"


# -- the runners catch rot --------------------------------------------------------------------------

BROKEN_POLARS = '''<!-- run -->
```python
import polars as pl
from s3presign import Presigner
from s3presign.arrow import presign_polars

signer = Presigner.from_config()
pl_df = pl.DataFrame({"uri": ["s3://test-bucket/a.csv"]})
pl_df = pl_df.with_columns(url=pl.col("uri").map_batches(lambda s: presign_polars(signer, s)))
```
'''

BROKEN_SH = '''<!-- run -->
```sh
s3presign s3://test-bucket/reports/q3.bin --expires-in 86400 --response-content-dispositon inline
```
'''


def test_a_broken_python_snippet_fails(seaweedfs: Server, tmp_path: Path) -> None:
    # The Polars example as the README had it, without return_dtype: current Polars refuses it.
    done = run_python(blocks_of(BROKEN_POLARS, "broken.md"), seaweedfs, tmp_path)
    assert done.returncode != 0
    assert 'File "broken.md", line 9' in done.stderr, done.stderr  # the page and its line


def test_a_broken_sh_snippet_fails(seaweedfs: Server, tmp_path: Path) -> None:
    problem = run_sh(blocks_of(BROKEN_SH, "broken.md")[0], seaweedfs, tmp_path)
    assert problem is not None and "--response-content-dispositon" in problem


def test_a_printed_url_that_fails_fails(seaweedfs: Server, tmp_path: Path) -> None:
    block = Block("broken.md", 1, "sh", "s3presign s3://test-bucket/never/uploaded.txt\n")
    problem = run_sh(block, seaweedfs, tmp_path)
    assert problem is not None and "answered 404" in problem


def test_a_mark_without_a_fence_is_refused() -> None:
    with pytest.raises(AssertionError, match="just before a fence"):
        blocks_of("<!-- run -->\n\n```python\nprint(1)\n```\n", "broken.md")
