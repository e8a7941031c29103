"""A new user's walk through the README: help and README name every option the parser takes,
and every recipe runs against the demo server (SeaweedFS), the curl commands it prints too."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from s3presign import cli

from .seaweedfs import Server

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PARSED = sorted({*cli._VALUE_OPTIONS, *cli._PAIR_OPTIONS, *cli._REPEATED_OPTIONS, *cli._FLAG_OPTIONS})


@pytest.mark.parametrize("option", PARSED)
def test_help_and_readme_name_every_option(option: str) -> None:
    assert re.search(rf"{re.escape(option)}\b", cli.HELP), f"help does not mention {option}"
    assert re.search(rf"`[^`]*{re.escape(option)}\b", README), f"README does not mention {option}"


@pytest.mark.parametrize("fact", [
    "aws:kms:dsse", "1 verify", "assume role", "web identity", "SSO", "container", "instance metadata",
    "--output table|json", "verify/explain",
])
def test_help_tells(fact: str) -> None:
    assert fact in cli.HELP


def test_readme_exit_codes_are_the_commands() -> None:
    codes = {int(c) for c in re.findall(r"^\| (\d+) \|", README.split("### Exit codes")[1], re.M)}
    assert codes == {0, 1, 130, *(v for k, v in vars(cli.ExitCode).items() if k.isupper())}


def _recipes() -> list[str]:
    section = README.split("### Recipes", 1)[1].split("\n### ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


@pytest.mark.parametrize("recipe", _recipes(), ids=lambda r: r.split("\n")[0][:40])
def test_readme_recipe_against_the_demo_server(recipe: str, seaweedfs: Server, tmp_path: Path) -> None:
    env = {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "HOME": str(tmp_path),
           "AWS_ACCESS_KEY_ID": seaweedfs.access_key_id, "AWS_SECRET_ACCESS_KEY": seaweedfs.secret_access_key,
           "AWS_ENDPOINT_URL": seaweedfs.endpoint_url, "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_DEFAULT_REGION": "us-east-1", "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    (tmp_path / "README.md").write_text("a report\n")
    (tmp_path / "day.csv").write_text("day,count\n2026-11-28,3\n")
    (tmp_path / "big.bin").write_bytes(os.urandom(6 << 20))
    commands = "\n".join(line for line in recipe.splitlines() if not line.lstrip().startswith("#"))
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", commands], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "error" not in done.stderr.lower(), done.stderr
    if not done.stdout.strip():  # it wrote a page
        assert "<form" in (tmp_path / "upload.html").read_text()
        return
    last = done.stdout.strip().splitlines()[-1]
    if last.startswith("curl "):  # what it printed runs too, with a file where it says FILE
        (tmp_path / "FILE").write_bytes(b"uploaded by the recipe\n")
        comment = last.split(" # ", 1)[1] if " # " in last else ""
        cut = re.search(r"(dd if=\S+ of=\S+ bs=\S+ skip=\d+ count=\d+)", comment)
        if cut:
            subprocess.run(["bash", "-c", cut.group(1)], cwd=tmp_path, check=True, capture_output=True)
        ran = subprocess.run(["bash", "-c", last], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert ran.returncode == 0, (last, ran.stdout, ran.stderr)
    else:
        assert last.startswith("http://127.0.0.1"), done.stdout
        got = subprocess.run(["curl", "--globoff", "-sf", last], capture_output=True, text=True)
        assert got.returncode == 0 and got.stdout == "a report\n"
