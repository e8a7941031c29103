"""A new user's walk through the README and the documentation: a short README whose links lead
somewhere, help and docs that name every option the parser takes, exit codes as the command has
them, and no tracker numbers in anything a user reads. (The recipes themselves run in
tests/test_docs_blocks.py, with every block marked runnable.)"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from s3presign import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = {str(page.relative_to(ROOT)): page.read_text(encoding="utf-8") for page in sorted((ROOT / "docs").rglob("*.md"))}
DOCS = README + "\n".join(PAGES.values())
PARSED = sorted({*cli._VALUE_OPTIONS, *cli._PAIR_OPTIONS, *cli._REPEATED_OPTIONS, *cli._FLAG_OPTIONS})
# "issue 12", "issues 5 and 12", "Issue #3", "#15": a tracker a user does not have
TRACKER = re.compile(r"\bissues? ?#?\d+|(?<![\w&/:])#\d{1,4}\b", re.I)


def test_readme_is_short() -> None:
    lines = README.splitlines()
    assert len(lines) <= 250, len(lines)
    assert not [line for line in lines if len(line) > 200]


def test_readme_links_lead_somewhere() -> None:
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README)
    local = [link for link in links if "://" not in link]
    assert "docs/getting-started.md" in local and "LICENSE" in local
    assert [link for link in local if not (ROOT / link).exists()] == []


def test_readme_says_how_to_install_and_what_each_target_installs() -> None:
    assert "not on PyPI yet" in README
    for target in ("demo", "test", "docs", "serve", "bench", "dist"):
        assert re.search(rf"^\| `make {target}` \| [^|]*\w[^|]* \|", README, re.M), target
        assert re.search(rf"^{re.escape(target)}:", (ROOT / "Makefile").read_text(), re.M), target


def test_readme_and_getting_started_name_every_extra() -> None:
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert [name for name in extras if f"`.[{name}]`" not in README] == []
    assert [name for name in extras if f"`.[{name}]`" not in PAGES["docs/getting-started.md"]] == []


@pytest.mark.parametrize("option", PARSED)
def test_help_and_docs_name_every_option(option: str) -> None:
    assert re.search(rf"{re.escape(option)}\b", cli.HELP), f"help does not mention {option}"
    assert re.search(rf"`[^`]*{re.escape(option)}\b", DOCS), f"no page of the docs mentions {option}"


@pytest.mark.parametrize("fact", [
    "aws:kms:dsse", "1 verify", "assume role", "web identity", "SSO", "container", "instance metadata",
    "--output table|json", "verify/explain",
])
def test_help_tells(fact: str) -> None:
    assert fact in cli.HELP


def test_exit_code_tables_are_the_commands() -> None:
    expected = {0, 1, 130, *(v for k, v in vars(cli.ExitCode).items() if k.isupper())}
    tables = {name: text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
              for name, text in PAGES.items() if "## Exit codes" in text}
    assert tables, "no page has an exit codes table"
    for name, table in tables.items():
        assert {int(c) for c in re.findall(r"^\| (\d+) \|", table, re.M)} == expected, name


def _user_facing() -> dict[str, str]:
    texts = {"README.md": README, "CHANGELOG.md": (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), **PAGES}
    texts["s3presign --help"] = cli.HELP
    for script in sorted((ROOT / "benchmarks").glob("*.py")):  # their docstrings, --help and printed lines
        texts[str(script.relative_to(ROOT))] = script.read_text(encoding="utf-8")
    return texts


def test_no_tracker_numbers_where_users_read() -> None:
    found = {name: TRACKER.findall(text) for name, text in _user_facing().items()}
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_the_tracker_pattern_finds_what_it_should() -> None:
    hits = [TRACKER.search(text) is not None for text in (
        "Targets (issue 12): met", "issues 5 and 12", "see #15", "Issue #3",  # found
        "PKCS#1 v1.5", "color:#222", "boto/boto3#3678", "&#8203;", "an issue with keys")]  # left alone
    assert hits == [True, True, True, True, False, False, False, False, False]


def test_benchmark_help_names_no_tracker() -> None:
    for script in ("bench_presign.py", "bench_bulk.py", "bench_startup.py", "bench_serve.py"):
        done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), "--help"], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, (script, done.stderr)
        assert not TRACKER.search(done.stdout), (script, done.stdout)
