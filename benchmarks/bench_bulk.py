"""Bulk presigning, in one run: the command on 1,000,000 URIs, presign_many, obstore, boto3.

    python benchmarks/bench_bulk.py [--count N] [--boto3-sample N]

- the command: `s3presign - < uris > urls`, wall time and peak memory (the proportional set
  size of all its processes, sampled every 20 ms from /proc), with the default --jobs (cores)
  and with --jobs 1;
- `Presigner.presign_many` over the same keys (one thread), and obstore's `sign` given them as
  one list; boto3's `generate_presigned_url` in a loop on a sample, scaled.

Targets (issue 5): the command >= 250,000 URLs/s; presign_many >= 3x obstore; the command's
peak memory < 60 MiB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

AKID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "eu-west-1"
BUCKET = "bench-bucket"


def keys(n: int) -> list[str]:
    return [f"photos/été 2026/IMG_{i:07d}.jpg" if i % 10 == 0 else f"datasets/2026/11/27/part-{i:07d}.parquet"
            for i in range(n)]


def _tree_memory(pid: int) -> int:
    """Proportional set size (resident memory, shared pages split between sharers) of a process
    and all its descendants: forked workers share the parent's pages, so plain RSS would count
    them once per process."""
    total = 0
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    todo = [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def run_command(args: list[str], uris: Path, out: Path, env: dict[str, str]) -> tuple[float, int]:
    with uris.open("rb") as stdin, out.open("wb") as stdout:
        start = time.perf_counter()
        process = subprocess.Popen(args, stdin=stdin, stdout=stdout, env=env)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_memory(process.pid))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        code = process.wait()
        elapsed = time.perf_counter() - start
        done.set()
        sampler.join()
    if code != 0:
        raise SystemExit(f"{args} exited with {code}")
    return elapsed, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--boto3-sample", type=int, default=10_000)
    args = parser.parse_args()
    names = keys(args.count)
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        uris = Path(tmp) / "uris.txt"
        uris.write_text("".join(f"s3://{BUCKET}/{k}\n" for k in names), encoding="utf-8")
        env = {"PATH": os.environ.get("PATH", ""), "HOME": tmp, "AWS_ACCESS_KEY_ID": AKID,
               "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": REGION}
        command = str(Path(sys.executable).parent / "s3presign")
        peaks = {}
        for label, extra in ((f"s3presign - (--jobs {os.cpu_count()}, default)", []), ("s3presign - --jobs 1", ["--jobs", "1"])):
            elapsed, peak = run_command([command, "-", *extra], uris, Path(tmp) / "urls.txt", env)
            lines = sum(1 for _ in (Path(tmp) / "urls.txt").open("rb"))
            assert lines == args.count, lines
            rows.append((label + ", stdin to file", args.count / elapsed, f"peak {peak / 2**20:.0f} MiB"))
            peaks[label] = peak

    from s3presign import Credentials, Presigner

    signer = Presigner(Credentials(AKID, SECRET), region=REGION)
    start = time.perf_counter()
    for _ in signer.presign_many((BUCKET, k) for k in names):
        pass
    rows.append(("Presigner.presign_many (1 thread)", args.count / (time.perf_counter() - start), ""))
    ours = rows[-1][1]
    obstore_rate = None
    try:
        import obstore
        from obstore.store import S3Store

        store = S3Store(BUCKET, region=REGION, access_key_id=AKID, secret_access_key=SECRET)
        start = time.perf_counter()
        obstore.sign(store, "GET", names, timedelta(hours=1))
        obstore_rate = args.count / (time.perf_counter() - start)
        rows.append(("obstore.sign (one list)", obstore_rate, ""))
    except ImportError:
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

    print(f"# bulk presigning: {args.count:,} URIs, Python {sys.version.split()[0]}, {os.cpu_count()} cores\n")
    print("| what | URLs/s | note |")
    print("|---|---:|---|")
    for label, rate, note in rows:
        print(f"| {label} | {rate:,.0f} | {note} |")
    command_rate = rows[0][1]
    peak = max(peaks.values())
    checks = [
        ("command >= 250,000 URLs/s", command_rate >= 250_000, f"{command_rate:,.0f}/s"),
        ("command peak memory < 60 MiB", peak < 60 * 2**20, f"{peak / 2**20:.0f} MiB"),
    ]
    if obstore_rate:
        checks.append(("presign_many >= 3x obstore", ours >= 3 * obstore_rate, f"{ours / obstore_rate:.1f}x"))
    print()
    for name, ok, value in checks:
        print(f"target: {name}: {'met' if ok else 'MISSED'} ({value})")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
