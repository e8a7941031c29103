"""Start-up: one presign, end to end, against starting Python itself, in one run.

    python benchmarks/bench_startup.py [--runs N]

Runs each command N times (static keys in the environment, an empty HOME so no config files
are read) and reports the median wall time and its ratio to `python -c pass` on the same
interpreter. `aws s3 presign` is timed too when `aws` is on PATH. Target: the
command within 1.5x of `python -c pass`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def median_seconds(command: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed: {done.stderr.decode().strip()}")
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    python = sys.executable
    script = Path(python).parent / "s3presign"
    home = tempfile.mkdtemp(prefix="s3presign-bench-home-")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": home,
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    uri = "s3://my-bucket/reports/2026 Q3.csv"
    commands = {
        "python -c pass": [python, "-c", "pass"],
        "s3presign URI": [str(script), uri],
        "python -m s3presign URI": [python, "-m", "s3presign", uri],
    }
    aws = shutil.which("aws")
    if aws:
        version = subprocess.run([aws, "--version"], capture_output=True, text=True, env=env)
        commands[f"aws s3 presign URI ({(version.stdout or version.stderr).split()[0]})"] = [aws, "s3", "presign", uri]
    for command in commands.values():  # warm the page cache
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = {name: median_seconds(command, env, args.runs) for name, command in commands.items()}
    base = results["python -c pass"]
    print(f"# start-up: median of {args.runs} runs, Python {sys.version.split()[0]}")
    print()
    print("| command | median ms | vs python -c pass |")
    print("|---|---:|---:|")
    for name, seconds in results.items():
        print(f"| {name} | {seconds * 1000:.1f} | {seconds / base:.2f}x |")
    ratio = results["s3presign URI"] / base
    print(f"\ntarget: s3presign within 1.5x of python -c pass: {'met' if ratio <= 1.5 else 'MISSED'} ({ratio:.2f}x)")
    shutil.rmtree(home, ignore_errors=True)
    return 0  # a missed target is reported above, not an error: `make bench` runs every benchmark


if __name__ == "__main__":
    sys.exit(main())
