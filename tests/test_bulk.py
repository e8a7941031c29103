"""Bulk presigning: order, count, formats, bad lines, closed pipes, the library generator."""

from __future__ import annotations

import csv
import io
import json
import os
import pickle
import subprocess
import sys
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from s3presign import Credentials, Presigner
from s3presign.cli import ExitCode

from . import botocore_reference as ref
from .test_cli import SECRET, signed_at

COMMAND = [sys.executable, "-m", "s3presign"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    # PYTHONPATH passes through so the command runs the code under test (a work tree's src).
    return {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": "AKIDCLI",
            "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": "eu-west-1",
            **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"}}


def uris(n: int) -> list[str]:
    return [f"s3://bulk-bucket/set/{i:06d} é+{i % 7}.bin" if i % 3 else f"bulk-bucket/plain/{i}" for i in range(n)]


def run(args: list[str], env: dict[str, str], stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], input=stdin, env=env, capture_output=True, text=True)


def key_of(url: str) -> str:
    path = urlsplit(url).path
    assert path.startswith("/")
    return unquote(path[1:])


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_order_and_count_are_preserved(env: dict[str, str], jobs: str) -> None:
    items = uris(10_000)  # three chunks: with --jobs 2 they go through worker processes
    done = run(["-", "--jobs", jobs], env, "\n".join(items) + "\n")
    assert (done.returncode, done.stderr) == (0, "")
    urls = done.stdout.splitlines()
    assert len(urls) == len(items)
    assert [key_of(u) for u in urls] == [i.removeprefix("s3://").split("/", 1)[1] for i in items]


def test_sample_agrees_with_botocore(env: dict[str, str]) -> None:
    items = uris(300)
    urls = run(["-", "--http-method", "PUT", "--expires-in", "7200"], env, "\n".join(items)).stdout.splitlines()
    for uri, url in list(zip(items, urls, strict=True))[::7]:
        bucket, key = uri.removeprefix("s3://").split("/", 1)
        theirs = ref.presign(bucket, key, method="PUT", expires_in=7200, now=signed_at(url), access_key_id="AKIDCLI",
                             secret_access_key=SECRET, session_token=None, region="eu-west-1")
        assert ref.parts(url) == ref.parts(theirs)


def test_input_file_and_formats(env: dict[str, str], tmp_path: Path) -> None:
    items = uris(20) + ['s3://bulk-bucket/with,comma and "quote"']
    source = tmp_path / "list.txt"
    source.write_text("\n".join(items) + "\n", encoding="utf-8")
    outputs = {fmt: run(["--input", str(source), "--output", fmt], env, "") for fmt in ("jsonl", "csv", "tsv", "url")}
    assert all(o.returncode == 0 for o in outputs.values())
    records = [json.loads(line) for line in outputs["jsonl"].stdout.splitlines()]
    assert [r["uri"] for r in records] == items
    assert all(set(r) == {"uri", "url", "expires_at"} for r in records)
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        rows = list(csv.reader(io.StringIO(outputs[fmt].stdout), delimiter=delimiter))
        assert rows[0] == ["uri", "url", "expires_at"]
        assert [r[0] for r in rows[1:]] == items
        assert [key_of(r[1]) for r in rows[1:]] == [key_of(r["url"]) for r in records]
    assert len(outputs["url"].stdout.splitlines()) == len(items)


BAD = ["s3://okay/one", "s3://no-key", "s3://okay/two", "s3://okay/" + "k" * 1025, "s3://okay/three"]


def test_bad_line_stops_with_its_number(env: dict[str, str]) -> None:
    done = run(["-"], env, "\n".join(BAD) + "\n")
    assert done.returncode == ExitCode.USAGE
    assert [key_of(u) for u in done.stdout.splitlines()] == ["one"]
    assert done.stderr.splitlines() == [
        "s3presign: error: line 2: no object key in 's3://no-key': give s3://no-key/KEY (a presigned URL is for one object)"]


def test_keep_going_reports_every_bad_line(env: dict[str, str]) -> None:
    done = run(["-", "--keep-going"], env, "\n".join(BAD) + "\n")
    assert done.returncode == ExitCode.USAGE
    assert [key_of(u) for u in done.stdout.splitlines()] == ["one", "two", "three"]
    errors = done.stderr.splitlines()
    assert [e.split(":")[2].strip() for e in errors] == ["line 2", "line 4"]
    assert "1025 bytes" in errors[1]


def test_bad_encoding_is_a_bad_line(env: dict[str, str]) -> None:
    done = subprocess.run([*COMMAND, "-", "--keep-going"], input=b"s3://ok/a\ns3://ok/\xff\n", env=env,
                          capture_output=True)
    assert done.returncode == ExitCode.USAGE
    assert b"line 2: the line is not valid UTF-8" in done.stderr


def test_closed_pipe_ends_quietly(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "many.txt"
    source.write_text("".join(f"s3://bulk-bucket/k{i}\n" for i in range(200_000)))
    with source.open("rb") as stdin:
        producer = subprocess.Popen([*COMMAND, "-"], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=env)
        assert producer.stdout is not None
        first = producer.stdout.readline()
        producer.stdout.close()
        _, err = producer.communicate(timeout=60)
    assert first.startswith(b"https://bulk-bucket.s3.eu-west-1.amazonaws.com/k0?")
    assert producer.returncode == 0
    assert err == b""


def test_unreadable_input_file(env: dict[str, str], tmp_path: Path) -> None:
    done = run(["--input", str(tmp_path / "missing.txt")], env, "")
    assert done.returncode == ExitCode.USAGE and "cannot read --input" in done.stderr


def test_presign_many_is_lazy_and_ordered() -> None:
    signer = Presigner(Credentials("AKIDCLI", SECRET), region="eu-west-1")
    seen: list[str] = []

    def items() -> object:
        for i in range(3):
            seen.append(str(i))
            yield f"s3://bkt/{i}" if i % 2 else ("bkt", str(i))

    urls = signer.presign_many(items())  # type: ignore[arg-type]
    assert seen == []
    first = next(urls)
    assert seen == ["0"] and key_of(first) == "0"
    assert [key_of(u) for u in urls] == ["1", "2"]


def _sign_in_worker(payload: bytes) -> str:
    signer = pickle.loads(payload)
    return signer.presign("bkt", "from-a-worker", now=None)  # type: ignore[no-any-return]


def test_presigner_works_in_worker_processes() -> None:
    signer = Presigner(Credentials("AKIDCLI", SECRET, session_token="tok"), region="eu-west-1")
    with get_context("spawn").Pool(1) as pool:
        url = pool.apply(_sign_in_worker, (pickle.dumps(signer),))
    assert url.startswith("https://bkt.s3.eu-west-1.amazonaws.com/from-a-worker?")
    assert "X-Amz-Security-Token=tok" in url


def _endless_input(tmp_path: Path) -> Path:
    source = tmp_path / "many.txt"
    source.write_text("".join(f"s3://bulk-bucket/k{i}\n" for i in range(3_000_000)))
    return source


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_exits_130_quietly(env: dict[str, str], tmp_path: Path, jobs: str) -> None:
    import signal

    source = _endless_input(tmp_path)
    with source.open("rb") as stdin:
        process = subprocess.Popen([*COMMAND, "-", "--jobs", jobs], stdin=stdin, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=env)
        assert process.stdout is not None
        for _ in range(20_000):  # well into the run: URLs are streaming out
            assert process.stdout.readline().startswith(b"https://")
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert b"Traceback" not in err


def test_progress_only_on_a_terminal(env: dict[str, str], tmp_path: Path) -> None:
    import pty

    source = tmp_path / "some.txt"
    source.write_text("".join(f"s3://bulk-bucket/k{i}\n" for i in range(300_000)))
    master, slave = pty.openpty()
    with source.open("rb") as stdin:
        done = subprocess.run([*COMMAND, "-", "--jobs", "1"], stdin=stdin, stdout=subprocess.DEVNULL, stderr=slave,
                              env=env, timeout=120)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    assert done.returncode == 0
    assert b"300,000 URLs in " in shown  # the closing line of the progress display
    with source.open("rb") as stdin:  # and nothing when stderr is not a terminal
        assert subprocess.run([*COMMAND, "-"], stdin=stdin, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env=env).stderr == b""


def test_stream_reads_lazily() -> None:
    # Memory stays flat only if input is read a chunk at a time as output is written.
    from s3presign._bulk import stream

    events: list[str] = []

    class Source:
        def __init__(self) -> None:
            self.left = 5

        def readlines(self, hint: int = -1) -> list[bytes]:
            events.append("read")
            if not self.left:
                return []
            self.left -= 1
            return [b"s3://bulk-bucket/k\n"] * 10

    signer = Presigner(Credentials("AKIDCLI", SECRET), region="eu-west-1")
    written, bad = stream(signer, Source(), lambda data: events.append("write") if data else None,  # type: ignore[arg-type]
                          method="GET", expires_in=60, fmt="url", keep_going=False, jobs=1,
                          on_error=lambda line, message: None)
    assert (written, bad) == (50, 0)
    # Two chunks are read up front (to decide whether worker processes pay off), then one per write:
    # never more than two chunks ahead of the output.
    ahead = [events[: i + 1].count("read") - events[: i + 1].count("write") for i in range(len(events))]
    assert max(ahead) == 2
    assert events.count("read") == 6 and events.count("write") == 5
