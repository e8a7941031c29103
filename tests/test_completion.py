"""``s3presign completion bash|zsh|fish`` driven in the real shells: bash always (``complete -p``,
the completion function as bash calls it, ``compgen``), zsh when installed (``make zsh``; with
CI=true a missing zsh fails)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _script(shell: str) -> str:
    done = subprocess.run([sys.executable, "-m", "s3presign", "completion", shell], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": SRC})
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def profiles(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "config").write_text("[default]\nregion = eu-west-1\n[profile dev]\nregion = us-west-2\n"
                                     "[ profile  staging ]\n[sso-session corp]\n")
    (tmp_path / "credentials").write_text("[ci]\naws_access_key_id = A\n")
    return {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials")}


def _bash(script: str, words: list[str], env: dict[str, str]) -> list[str]:
    """What bash offers for the last word of ``words``, through the function ``complete`` registered."""
    line = " ".join(f"'{w}'" for w in words)
    program = (f"{script}\nfunc=$(complete -p s3presign | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p')\n"
               f"COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; COMPREPLY=()\n"
               '"$func" s3presign "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"\n'
               'printf "%s\\n" "${COMPREPLY[@]}"\n')
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return [w for w in done.stdout.split("\n") if w]


def test_bash_registers_and_completes(profiles: dict[str, str]) -> None:
    script = _script("bash")
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", f"{script}\ncomplete -p s3presign"],
                          capture_output=True, text=True, env=profiles)
    assert done.returncode == 0 and "-F _s3presign" in done.stdout and done.stdout.strip().endswith("s3presign")
    assert _bash(script, ["s3presign", "s3://b/k", "--expir"], profiles) == ["--expires-in"]
    assert "--no-sign-request" in _bash(script, ["s3presign", "s3://b/k", "--no-"], profiles)
    assert _bash(script, ["s3presign", "insp"], profiles) == ["inspect"]
    assert set(_bash(script, ["s3presign", "s3://b/k", "--provider", ""], profiles)) >= {"r2", "gcs", "minio", "aws"}
    assert _bash(script, ["s3presign", "s3://b/k", "--provider", "wa"], profiles) == ["wasabi"]
    assert sorted(_bash(script, ["s3presign", "s3://b/k", "--profile", ""], profiles)) == [
        "ci", "default", "dev", "staging"]
    assert _bash(script, ["s3presign", "s3://b/k", "--http-method", "P"], profiles) == ["PUT", "POST"]
    assert _bash(script, ["s3presign", "completion", "z"], profiles) == ["zsh"]
    assert _bash(script, ["s3presign", "help", "se"], profiles) == ["serve"]


def test_bash_compgen_sees_every_option_the_command_takes(profiles: dict[str, str]) -> None:
    from s3presign.cli import _FLAG_OPTIONS, _VALUE_OPTIONS

    offered = set(_bash(_script("bash"), ["s3presign", "s3://b/k", "--"], profiles))
    assert {name for name in (*_VALUE_OPTIONS, *_FLAG_OPTIONS) if name.startswith("--")} <= offered
    # and the command takes every option it offers
    from s3presign.cli import UsageError, parse_args

    for name in offered:
        try:
            parse_args(["s3://b/k", name, "1", "2"])
        except UsageError as exc:
            assert "unknown option" not in str(exc), name


def test_zsh_completes(profiles: dict[str, str], tmp_path: Path) -> None:
    if shutil.which("zsh") is None:
        if os.environ.get("CI"):
            pytest.fail("zsh is missing: make zsh")
        pytest.skip("zsh not installed (make zsh)")
    script = tmp_path / "s3presign.zsh"
    script.write_text(_script("zsh"))
    # compadd only works inside a completion widget: stand in for it with a function that records
    # what the completion function offers, then call the function as zsh's completion system would
    program = f"""
autoload -Uz compinit && compinit -u -d {tmp_path}/zcompdump
source {script}
offered=()
compadd() {{ while [[ "$1" == -* ]]; do [[ "$1" == -- ]] && {{ shift; break; }}; shift; done; offered+=("$@"); }}
_files() {{ offered+=(FILES); }}
try() {{ offered=(); words=("$@"); CURRENT=$#; _s3presign; print -r -- "${{(j:,:)offered}}"; }}
try s3presign s3://b/k --profile ''
try s3presign s3://b/k --provider ''
try s3presign ''
try s3presign s3://b/k --inp
try s3presign completion ''
"""
    done = subprocess.run(["zsh", "-f", "-c", program], capture_output=True, text=True, env=profiles, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().split("\n")
    assert sorted(lines[0].split(",")) == ["ci", "default", "dev", "staging"]
    assert {"r2", "gcs", "minio"} <= set(lines[1].split(","))
    assert {"inspect", "verify", "completion"} <= set(lines[2].split(","))
    assert "--input" in lines[3].split(",")
    assert lines[4].split(",") == ["bash", "zsh", "fish"]


def test_fish_script_names_every_subcommand_and_provider() -> None:
    text = _script("fish")
    assert "complete -c s3presign -l expires-in" in text and "-l provider -x -a '" in text
    if shutil.which("fish"):
        assert subprocess.run(["fish", "--no-execute", "-c", text]).returncode == 0


def test_unknown_shell_is_a_usage_error() -> None:
    done = subprocess.run([sys.executable, "-m", "s3presign", "completion", "tcsh"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": SRC})
    assert done.returncode == 252 and done.stderr.count("\n") == 1 and "bash, zsh or fish" in done.stderr
