"""The providers page holds exactly the table scripts/providers_table.py makes from the presets,
and names every source of every rule, with its link."""

from __future__ import annotations

import runpy
from pathlib import Path

from s3presign._stores import STORES

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "docs" / "providers.md").read_text(encoding="utf-8")
GENERATOR = runpy.run_path(str(ROOT / "scripts" / "providers_table.py"))


def test_page_holds_the_generated_table() -> None:
    start = PAGE.index(GENERATOR["START"]) + len(GENERATOR["START"])
    end = PAGE.index(GENERATOR["END"], start)
    # regenerate with: python scripts/providers_table.py --write
    assert PAGE[start:end] == GENERATOR["table"](), "docs/providers.md is stale: run scripts/providers_table.py --write"


def test_every_store_has_a_row_and_its_sources() -> None:
    for name, store in STORES.items():
        assert any(line.startswith(f"| `{name}` {store.title} |") for line in PAGE.splitlines()), name
        section = PAGE.split(f"{{#sources-{name}}}", 1)[1].split("\n### ", 1)[0]
        for rule, source in store.sources.items():
            for word in source.split():
                if word.startswith("https://"):  # each link, as a link
                    assert f"<{word.rstrip('.,;)')}" in section, (name, rule, word)
            assert f"- {rule}: " in section, (name, rule)
