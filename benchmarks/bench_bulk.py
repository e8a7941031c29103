"""Bulk presigning, in one run: the command on 1,000,000 URIs, presign_many, obstore, boto3.

    python benchmarks/bench_bulk.py [--count N] [--rounds R] [--boto3-sample N] [--against PYTHON]

Keys: Hive-style (``_keys.hive_keys``: ``sales/year=2026/month=11/day=27/part-....parquet``,
10% non-ASCII, some spaces). Every rate is the median of ``--rounds`` (default 3), all in this
one run, so the ratios compare like with like on a machine whose absolute speed swings.

- the command: `s3presign - < uris > urls`, wall time with the default --jobs (cores) and with
  --jobs 1; then peak memory (the proportional set size of all its processes, sampled every
  50 ms from /proc) in one more run of each, apart from the timed rounds: reading /proc costs
  the sampler CPU time on the two cores the command needs, which slowed timed runs by ~10%;
- two `--jobs 1` commands started together, each on half the URIs: what two processes reach on
  this machine at that moment (cores shared with other machines' work run slower together),
  the ceiling for ``--jobs 2``;
- `Presigner.presign_many` over the same keys (one thread), and obstore's `sign` given them as
  one list; boto3's `generate_presigned_url` in a loop on a sample, scaled;
- with ``--against PYTHON``: the command installed beside another interpreter (another version
  of s3presign in its own virtualenv), with the default --jobs and with --jobs 1, in the same
  rounds, and each rate's ratio to it: whether a change moved the bulk rate.

Targets: the command >= 2.5x obstore and >= 1.5x one thread of presign_many;
presign_many >= 3x obstore; the command's peak memory < 60 MiB. Always exits 0 unless it
crashes: a missed target is printed, not a failure.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from typing import Any
from pathlib import Path

from _keys import hive_keys

AKID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "eu-west-1"
BUCKET = "bench-bucket"


def _tree_memory(pid: int) -> int:
    """Proportional set size (resident memory, shared pages split between sharers) of a process
    and all its descendants: forked workers share the parent's pages, so plain RSS would count
    them once per process. Descendants come from /proc/PID/task/TID/children, so a sample reads
    a few files rather than every process on the machine (the sampler shares the cores it measures)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                todo.extend(int(c) for c in Path(f"/proc/{p}/task/{task}/children").read_text().split())
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def run_command(args: list[str], uris: Path, out: Path, env: dict[str, str],
                sample: bool = False) -> tuple[float, int, float]:
    """Wall seconds, peak memory (bytes, with ``sample``; else 0) and CPU seconds (user + system,
    all its processes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with uris.open("rb") as stdin, out.open("wb") as stdout:
        start = time.perf_counter()
        process = subprocess.Popen(args, stdin=stdin, stdout=stdout, env=env)
        peak = 0
        done = threading.Event()

        def sampling() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_memory(process.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sampling)
        if sample:
            sampler.start()
        code = process.wait()
        elapsed = time.perf_counter() - start
        done.set()
        if sample:
            sampler.join()
    if code != 0:
        raise SystemExit(f"{args} exited with {code}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return elapsed, peak, cpu


def median(run: Any, rounds: int) -> float:
    """Seconds, median of ``rounds`` calls."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--boto3-sample", type=int, default=10_000)
    parser.add_argument("--against", metavar="PYTHON",
                        help="also time `PYTHON -m s3presign` (another install) side by side")
    args = parser.parse_args()
    names = hive_keys(args.count)
    rows: list[tuple[str, float, str]] = []
    peaks: dict[str, int] = {}
    from s3presign import Credentials, Presigner

    signer = Presigner(Credentials(AKID, SECRET), region=REGION)
    pairs = [(BUCKET, k) for k in names]
    try:
        import obstore
        from obstore.store import S3Store

        store = S3Store(BUCKET, region=REGION, access_key_id=AKID, secret_access_key=SECRET)
    except ImportError:
        obstore = None
    with tempfile.TemporaryDirectory() as tmp:
        uris = Path(tmp) / "uris.txt"
        uris.write_text("".join(f"s3://{BUCKET}/{k}\n" for k in names), encoding="utf-8")
        halves = [Path(tmp) / "first-half.txt", Path(tmp) / "second-half.txt"]
        half = len(names) // 2
        for path, part in zip(halves, (names[:half], names[half:])):
            path.write_text("".join(f"s3://{BUCKET}/{k}\n" for k in part), encoding="utf-8")
        env = {"PATH": os.environ.get("PATH", ""), "HOME": tmp, "AWS_ACCESS_KEY_ID": AKID,
               "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": REGION}
        if os.environ.get("PYTHONPATH"):
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        command = [sys.executable, "-m", "s3presign"]
        default = f"s3presign - (--jobs {os.cpu_count()}, default), stdin to file"
        single = "s3presign - --jobs 1, stdin to file"
        pair = "two `--jobs 1` commands side by side, half the URIs each (the two-process ceiling)"
        many = "Presigner.presign_many (1 thread)"
        obstore_label = "obstore.sign (one list)"
        times: dict[str, list[float]] = {default: [], single: [], pair: [], many: []}
        cpus: dict[str, list[float]] = {}
        if obstore is not None:
            times[obstore_label] = []

        other_default = f"--against: s3presign - (--jobs {os.cpu_count()}, default)"
        other_single = "--against: s3presign - --jobs 1"
        other_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}  # the other install's own code
        if args.against:
            times[other_default], times[other_single] = [], []

        def run(label: str, extra: list[str], sample: bool = False) -> None:
            other = label in (other_default, other_single)
            elapsed, used, cpu = run_command([*([args.against, "-m", "s3presign"] if other else command), "-", *extra],
                                             uris, Path(tmp) / "urls.txt", other_env if other else env, sample)
            lines = sum(1 for _ in (Path(tmp) / "urls.txt").open("rb"))
            assert lines == args.count, lines
            if sample:
                peaks[label] = used
            else:
                cpus.setdefault(label, []).append(cpu)
                times[label].append(elapsed)

        def run_pair() -> None:
            """How fast two independent processes go on this machine now: what --jobs 2 could reach
            if its workers cost nothing to coordinate (no shared input, no ordering)."""
            start = time.perf_counter()
            with halves[0].open("rb") as in0, halves[1].open("rb") as in1, \
                    (Path(tmp) / "out0.txt").open("wb") as out0, (Path(tmp) / "out1.txt").open("wb") as out1:
                processes = [subprocess.Popen([*command, "-", "--jobs", "1"], stdin=source, stdout=sink, env=env)
                             for source, sink in ((in0, out0), (in1, out1))]
                codes = [process.wait() for process in processes]
            times[pair].append(time.perf_counter() - start)
            assert codes == [0, 0], codes
            lines = sum(1 for name in ("out0.txt", "out1.txt") for _ in (Path(tmp) / name).open("rb"))
            assert lines == args.count, lines

        def consume() -> None:
            for _ in signer.presign_many(pairs):
                pass

        # Rounds interleave the contenders, so a slow spell on a shared machine hits them all alike.
        commands = [lambda: run(default, []), lambda: run(single, ["--jobs", "1"]), run_pair]
        if args.against:
            commands += [lambda: run(other_default, []), lambda: run(other_single, ["--jobs", "1"])]
        for round_ in range(args.rounds):
            turn = round_ % len(commands)
            for go in commands[turn:] + commands[:turn]:  # each goes first in turn
                go()
            times[many].append(median(consume, 1))
            if obstore is not None:
                times[obstore_label].append(median(lambda: obstore.sign(store, "GET", names, timedelta(hours=1)), 1))
        run(default, [], sample=True)
        run(single, ["--jobs", "1"], sample=True)
    rates = {label: args.count / statistics.median(spent) for label, spent in times.items()}
    for label, rate in rates.items():
        notes = []
        if label in peaks:
            notes.append(f"peak {peaks[label] / 2**20:.0f} MiB")
        if label in cpus:  # CPU time tells what wall time hides on a shared machine
            notes.append(f"{statistics.median(cpus[label]) / args.count * 1e6:.2f} µs CPU per URL (all processes)")
        note = ", ".join(notes)
        rows.append((label, rate, note))
    ours = rates[many]
    obstore_rate = rates.get(obstore_label)
    if obstore is None:
        rows.append(("obstore.sign", 0.0, "not installed"))
    try:
        import boto3
        from botocore.config import Config

        client = boto3.client("s3", region_name=REGION, aws_access_key_id=AKID, aws_secret_access_key=SECRET,
                              config=Config(s3={"addressing_style": "virtual"}))
        sample = names[: args.boto3_sample]
        start = time.perf_counter()
        for k in sample:
            client.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": k}, ExpiresIn=3600)
        rows.append((f"boto3 generate_presigned_url (loop, {len(sample):,} scaled)",
                     len(sample) / (time.perf_counter() - start), ""))
    except ImportError:
        rows.append(("boto3", 0.0, "not installed"))

    print(f"# bulk presigning: {args.count:,} Hive-style URIs, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, median of {args.rounds}\n")
    print("| what | URLs/s | note |")
    print("|---|---:|---|")
    for label, rate, note in rows:
        print(f"| {label} | {rate:,.0f} | {note} |")
    command_rate = rates[default]
    peak = max(peaks.values())
    checks = [
        ("command >= 1.5x presign_many (1 thread)", command_rate >= 1.5 * ours, f"{command_rate / ours:.2f}x"),
        ("command peak memory < 60 MiB", peak < 60 * 2**20, f"{peak / 2**20:.0f} MiB"),
    ]
    if obstore_rate:
        checks.insert(0, ("command >= 2.5x obstore", command_rate >= 2.5 * obstore_rate,
                          f"{command_rate / obstore_rate:.2f}x"))
        checks.append(("presign_many >= 3x obstore", ours >= 3 * obstore_rate, f"{ours / obstore_rate:.2f}x"))
    print()
    print(f"this machine now: two processes side by side reach {rates[pair] / ours:.2f}x presign_many; "
          f"--jobs {os.cpu_count()} reaches {command_rate / rates[pair]:.0%} of that")
    for name, ok, value in checks:
        print(f"target: {name}: {'met' if ok else 'MISSED'} ({value})")
    if args.against:
        print(f"against {args.against}: --jobs {os.cpu_count()} {rates[default] / rates[other_default]:.3f}x, "
              f"--jobs 1 {rates[single] / rates[other_single]:.3f}x the other install's rate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
