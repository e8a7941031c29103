"""What `s3presign -` accepts: a byte-order mark, blank lines, lines too long to be an S3 URI.

Each case runs the real command in a subprocess, as a user pipes a file into it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from s3presign.cli import ExitCode

from .test_bulk import COMMAND, env, key_of  # noqa: F401 - env is a fixture

TOO_LONG = "line 1: the line is longer than 65,536 bytes (no S3 URI is); it was skipped"


def run(args: list[str], env: dict[str, str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*COMMAND, *args], input=stdin, env=env, capture_output=True)


def test_byte_order_mark_on_the_first_line_is_skipped(env: dict[str, str]) -> None:
    done = run(["-", "--output", "jsonl"], env, "\ufeffs3://bkt/k1\r\ns3://bkt/k2\r\n".encode())
    assert (done.returncode, done.stderr) == (0, b"")
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["uri"] for r in records] == ["s3://bkt/k1", "s3://bkt/k2"]
    assert [key_of(r["url"]) for r in records] == ["k1", "k2"]


def test_a_byte_order_mark_later_is_part_of_the_key(env: dict[str, str]) -> None:
    done = run(["-"], env, "s3://bkt/a\ns3://bkt/\ufeffb\n".encode())
    assert done.returncode == 0
    assert [key_of(u) for u in done.stdout.decode().splitlines()] == ["a", "\ufeffb"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_blank_and_white_space_lines_are_skipped(env: dict[str, str], jobs: str) -> None:
    lines = ["s3://bkt/first", "", "   ", "\t", "\u00a0\u3000", "s3://bkt/second", "\r", "bkt/third"] * 3000
    done = run(["-", "--jobs", jobs, "--keep-going"], env, ("\n".join(lines) + "\n").encode())
    assert (done.returncode, done.stderr) == (0, b"")
    assert [key_of(u) for u in done.stdout.decode().splitlines()] == ["first", "second", "third"] * 3000


def test_line_numbers_count_skipped_lines(env: dict[str, str]) -> None:
    done = run(["-", "--keep-going"], env, b"s3://bkt/a\n\n   \ns3://no-key\n")
    assert done.returncode == ExitCode.USAGE
    assert done.stderr.decode().startswith("s3presign: error: line 4: no object key")


def test_line_over_the_cap_inside_the_input_is_refused_with_its_number(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "list.txt"
    with source.open("wb") as file:
        file.write(b"s3://bkt/" + b"k" * 100_000 + b"\n")  # fits in one read: refused all the same
        file.write(b"s3://bkt/after\n")
        file.write(b"s3://bkt/" + b"k" * 3_000_000 + b"\n")  # spans many reads
        file.write(b"s3://bkt/last\n")
    done = subprocess.run([*COMMAND, "--input", str(source), "--keep-going"], env=env, capture_output=True)
    assert done.returncode == ExitCode.USAGE
    assert [key_of(u) for u in done.stdout.decode().splitlines()] == ["after", "last"]
    assert done.stderr.decode().splitlines() == [
        "s3presign: error: " + TOO_LONG, "s3presign: error: " + TOO_LONG.replace("line 1", "line 3")]


def test_without_keep_going_an_overlong_line_stops_the_run(env: dict[str, str]) -> None:
    done = run(["-"], env, b"s3://bkt/ok\n" + b"x" * 70_000 + b"\ns3://bkt/never\n")
    assert done.returncode == ExitCode.USAGE
    assert [key_of(u) for u in done.stdout.decode().splitlines()] == ["ok"]
    assert done.stderr.decode() == "s3presign: error: " + TOO_LONG.replace("line 1", "line 2") + "\n"


def test_a_200_mb_line_is_refused_in_bounded_memory(env: dict[str, str], tmp_path: Path) -> None:
    # One 200 MB line without a newline, as a broken export produces. The command must refuse it
    # without holding it: a wrapper process reports the command's peak resident memory.
    source = tmp_path / "huge.txt"
    block = b"k" * (1 << 20)
    with source.open("wb") as file:
        file.write(b"s3://bkt/")
        for _ in range(200):
            file.write(block)
    wrapper = (
        "import resource, subprocess, sys\n"
        "with open(sys.argv[1], 'rb') as stdin:\n"
        "    done = subprocess.run(sys.argv[2:], stdin=stdin, capture_output=True)\n"
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.stderr.buffer.write(done.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", wrapper, str(source), *COMMAND, "-"], env=env, capture_output=True,
                          timeout=120)
    code, peak_kib = map(int, done.stdout.split())
    assert code == ExitCode.USAGE
    assert done.stderr.decode() == "s3presign: error: " + TOO_LONG + "\n"
    assert peak_kib < 40 * 1024, f"peak {peak_kib / 1024:.0f} MiB"


def test_invalid_utf8_is_still_a_bad_line_in_a_block(env: dict[str, str]) -> None:
    lines = [b"s3://bkt/k%d" % i for i in range(5000)]
    lines[4321] = b"s3://bkt/\xff\xfe"
    done = run(["-", "--keep-going", "--jobs", "2"], env, b"\n".join(lines) + b"\n")
    assert done.returncode == ExitCode.USAGE
    assert done.stderr == b"s3presign: error: line 4322: the line is not valid UTF-8\n"
    assert len(done.stdout.splitlines()) == 4999


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_bad_key_among_one_buckets_lines_is_named(env: dict[str, str], jobs: str) -> None:
    # Blocks of one bucket sign in one pass; a bad key there still gets its own line number.
    lines = [f"s3://bkt/k{i}" for i in range(6000)]
    lines[2999] = "s3://bkt/" + "k" * 1025
    lines[4999] = "s3://bkt/"
    done = run(["-", "--keep-going", "--jobs", jobs], env, ("\n".join(lines) + "\n").encode())
    assert done.returncode == ExitCode.USAGE
    errors = done.stderr.decode().splitlines()
    assert [e.split(":")[2].strip() for e in errors] == ["line 3000", "line 5000"]
    assert [key_of(u) for u in done.stdout.decode().splitlines()] == [
        f"k{i}" for i in range(6000) if i not in (2999, 4999)]


def test_workers_stop_at_the_first_bad_line(env: dict[str, str], tmp_path: Path) -> None:
    # Many blocks through two worker processes: output ends exactly before the bad line.
    source = tmp_path / "list.txt"
    lines = [f"s3://bkt/k{i}" for i in range(40_000)]
    lines[25_000] = "s3://bkt-without-key"
    source.write_text("\n".join(lines) + "\n")
    done = subprocess.run([*COMMAND, "--input", str(source), "--jobs", "2"], env=env, capture_output=True)
    assert done.returncode == ExitCode.USAGE
    assert done.stderr.decode().startswith("s3presign: error: line 25001: no object key")
    assert [key_of(u) for u in done.stdout.decode().splitlines()] == [f"k{i}" for i in range(25_000)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_access_point_arns_in_blocks(env: dict[str, str], jobs: str) -> None:
    # An ARN holds '/', so a block of ARN lines must not be cut at the first '/' as a bucket.
    arn = "arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap"
    lines = [f"s3://{arn}/k{i}" for i in range(8000)]
    done = run(["-", "--jobs", jobs], env, ("\n".join(lines) + "\n").encode())
    assert (done.returncode, done.stderr) == (0, b"")
    urls = done.stdout.decode().splitlines()
    assert [u.split("?")[0] for u in urls] == [
        f"https://my-ap-123456789012.s3-accesspoint.us-west-2.amazonaws.com/k{i}" for i in range(8000)]
