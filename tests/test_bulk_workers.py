"""Worker processes in bulk runs: they read the input themselves (a file or a pipe), take turns,
and write in input order; line sources (listings, inventories) are fed to them by the parent.

Expected output and line numbers come from how each input is built here, never from a run of
the command with other settings.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from s3presign import Credentials, Presigner

from .test_bulk import COMMAND, SECRET, env, key_of  # noqa: F401 - env is a fixture


def _input(n: int) -> tuple[bytes, list[str], dict[int, str]]:
    """Many blocks of Hive-style lines with a byte-order mark, CRLF lines, blank lines, bad lines
    and one line far over the 64 KiB cap; returns the bytes, the keys that must come out in
    order and the bad line numbers with the start of their messages."""
    lines: list[bytes] = []
    keys: list[str] = []
    bad: dict[int, str] = {}
    for i in range(n):
        number = i + 1
        if i % 9_973 == 500:
            lines.append(b"s3://bkt-without-key")
            bad[number] = "no object key"
        elif i % 12_007 == 700:
            lines.append(b"s3://bkt/" + b"\xff\xfe" + str(i).encode())
            bad[number] = "the line is not valid UTF-8"
        elif i == n // 2:
            lines.append(b"s3://bkt/" + b"x" * 100_000)  # crosses block boundaries
            bad[number] = "the line is longer than 65,536 bytes"
        elif i % 5_000 == 42:
            lines.append(b"   ")  # skipped, but counted in line numbers
        else:
            key = f"sales/year=2026/région={i % 3}/part-{i:06d}.parquet" if i % 4 else f"plain/{i}"
            line = f"s3://bkt/{key}".encode()
            lines.append(line + b"\r" if i % 11_000 == 99 else line)
            keys.append(key)
    return b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n", keys, bad


def _check(done: subprocess.CompletedProcess[bytes], keys: list[str], bad: dict[int, str]) -> None:
    assert done.returncode == 252, done.stderr[-500:]
    assert [key_of(url) for url in done.stdout.decode().splitlines()] == keys
    errors = done.stderr.decode().splitlines()
    assert len(errors) == len(bad)
    for error, (number, message) in zip(errors, sorted(bad.items()), strict=True):
        assert error.startswith(f"s3presign: error: line {number}: {message}"), error


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_workers_reading_a_file_keep_order_and_line_numbers(env: dict[str, str], tmp_path: Path, jobs: str) -> None:
    data, keys, bad = _input(60_000)
    source = tmp_path / "list.txt"
    source.write_bytes(data)
    for args in (["--input", str(source)], ["-"]):
        with source.open("rb") as stdin:
            done = subprocess.run([*COMMAND, *args, "--jobs", jobs, "--keep-going"], stdin=stdin, env=env,
                                  capture_output=True, timeout=300)
        _check(done, keys, bad)


def test_workers_reading_a_pipe_keep_order_and_line_numbers(env: dict[str, str]) -> None:
    # A pipe hands out at most its buffer per read: many small turns, in order all the same.
    data, keys, bad = _input(40_000)
    done = subprocess.run([*COMMAND, "-", "--jobs", "2", "--keep-going"], input=data, env=env,
                          capture_output=True, timeout=300)
    _check(done, keys, bad)


def test_a_file_that_ends_without_a_newline(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "list.txt"
    source.write_bytes(b"\n".join(f"s3://bkt/k{i}".encode() for i in range(30_000)))
    done = subprocess.run([*COMMAND, "--input", str(source), "--jobs", "2"], env=env, capture_output=True,
                          timeout=300)
    assert (done.returncode, done.stderr) == (0, b"")
    assert [key_of(u) for u in done.stdout.decode().splitlines()] == [f"k{i}" for i in range(30_000)]


class _Lines:
    """A line source, as a listing is: batches of lines from ``readlines``."""

    def __init__(self, lines: list[bytes]) -> None:
        self._lines = lines

    def readlines(self, hint: int = -1) -> list[bytes]:
        batch, self._lines = self._lines[:1000], self._lines[1000:]
        return batch


@pytest.mark.parametrize("keep_going", [True, False])
def test_line_sources_fed_to_workers(tmp_path: Path, keep_going: bool) -> None:
    from s3presign._bulk import stream

    lines = [f"s3://bkt/year=2026/k{i}\n".encode() for i in range(12_000)]
    lines[7_500] = b"s3://bkt/\n"
    errors: list[tuple[int, str]] = []
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET), region="eu-west-1")
    out = tmp_path / "out.txt"
    with out.open("wb") as sink:
        written, bad = stream(signer, _Lines(lines), sink.write, method="GET", expires_in=60,  # type: ignore[arg-type]
                              fmt="url", keep_going=keep_going, jobs=2,
                              on_error=lambda line, message: errors.append((line, message)), out_fd=sink.fileno())
    expected = [f"year=2026/k{i}" for i in range(12_000) if i != 7_500]
    if not keep_going:
        expected = expected[:7_500]
    assert [key_of(u) for u in out.read_text().splitlines()] == expected
    assert (written, bad) == (len(expected), 1)
    assert errors[0][0] == 7_501 and "key" in errors[0][1]


def test_no_worker_is_left_behind(env: dict[str, str], tmp_path: Path) -> None:
    # The run ends early (a bad line, no --keep-going) with turns still being read and signed:
    # the command exits promptly and no worker process outlives it.
    source = tmp_path / "left-behind-list.txt"  # the processes' command line names it
    lines = [f"s3://bkt/k{i}" for i in range(200_000)]
    lines[3_000] = "s3://bkt-without-key"
    source.write_text("\n".join(lines) + "\n")
    done = subprocess.run([*COMMAND, "--input", str(source), "--jobs", "2"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env=env, timeout=60)
    assert done.returncode == 252 and done.stderr.startswith(b"s3presign: error: line 3001: ")
    left = subprocess.run(["pgrep", "-f", str(source)], capture_output=True, text=True)
    assert left.stdout == ""


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_workers_write_tables_with_one_header(env: dict[str, str], tmp_path: Path, fmt: str) -> None:
    import csv
    import io
    import json

    source = tmp_path / "list.txt"
    keys = [f"year=2026/month=11/part {i:05d}, copy.csv" for i in range(30_000)]
    source.write_text("".join(f"s3://bkt/{k}\n" for k in keys))
    done = subprocess.run([*COMMAND, "--input", str(source), "--jobs", "2", "--output", fmt], env=env,
                          capture_output=True, timeout=300)
    assert (done.returncode, done.stderr) == (0, b"")
    text = done.stdout.decode()
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["uri", "url", "expires_at"] and len(rows) == len(keys) + 1
        records = [dict(zip(rows[0], row)) for row in rows[1:]]
    else:
        records = [json.loads(line) for line in text.splitlines()]
    assert [r["uri"] for r in records] == [f"s3://bkt/{k}" for k in keys]
    assert [key_of(r["url"]) for r in records] == keys
