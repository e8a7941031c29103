"""Single-threaded presign throughput, side by side, in one run on the same keys.

    python benchmarks/bench_presign.py [--keys N] [--rounds R] [--sample N] [--addresses-only] [--against DIR]

Plain GET, SigV4, static credentials, one bucket, two key sets (``_keys.py``): a mixed set (one in
ten with a space or accented letter) and Hive-style partitioned keys (``=`` in every folder, 10% non-ASCII, some spaces). Each
contender signs the same keys; the slow ones (boto3, minio) sign a sample and are scaled. Every
library that is not installed is reported as missing, not guessed. Rates are medians of the
rounds. Prints URLs/s, microseconds per URL and how many times faster s3presign is, then the
targets (2.5x the faster compiled library, 80x boto3; 3x obstore on Hive keys); then the
hot-path cost of RefreshableCredentials against static credentials, the
two alternating round by round. Always exits 0 unless it crashes: a missed target is printed.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from _keys import hive_keys, readme_keys

AKID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "eu-west-1"
BUCKET = "bench-bucket"


def contenders() -> dict[str, tuple[Callable[[Any], object] | None, str]]:
    found: dict[str, tuple[Callable[[Any], object] | None, str]] = {}

    from s3presign import Credentials, Presigner

    signer = Presigner(Credentials(AKID, SECRET), region=REGION)
    found["s3presign"] = (lambda keys: [signer.presign(BUCKET, k) for k in keys], "full")
    found["s3presign presign_many"] = (lambda keys: list(signer.presign_many((BUCKET, k) for k in keys)), "full")
    try:
        import pyarrow as pa

        from s3presign.arrow import presign_array

        # The column is made before the clock starts (see measure), as it exists in a table.
        found["s3presign.arrow.presign_array"] = (
            lambda column: presign_array(signer, column, bucket=BUCKET), "arrow")
    except ImportError:
        found["s3presign.arrow.presign_array"] = (None, "not installed (pip install 's3presign[arrow]')")

    try:
        import obstore
        from obstore.store import S3Store

        store = S3Store(BUCKET, region=REGION, access_key_id=AKID, secret_access_key=SECRET)
        hour = timedelta(hours=1)
        found["obstore.sign (whole list)"] = (lambda keys: obstore.sign(store, "GET", keys, hour), "full")
    except ImportError:
        found["obstore.sign (whole list)"] = (None, "not installed")

    try:
        import libpresign

        found["libpresign.get"] = (
            lambda keys: [libpresign.get(AKID, SECRET, REGION, BUCKET, k, 3600) for k in keys], "full")
    except ImportError:
        found["libpresign.get"] = (None, "not installed")

    try:
        import boto3
        from botocore.config import Config

        # The configuration that gives boto3's fastest path to the same URL as ours (regional
        # virtual-hosted SigV4); naming signature_version="s3v4" as well makes it ~1.5x slower.
        s3 = boto3.client("s3", region_name=REGION, aws_access_key_id=AKID, aws_secret_access_key=SECRET,
                          config=Config(s3={"addressing_style": "virtual"}))
        found["boto3 generate_presigned_url"] = (
            lambda keys: [s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": k},
                                                    ExpiresIn=3600) for k in keys], "sample")
    except ImportError:
        found["boto3 generate_presigned_url"] = (None, "not installed")

    try:
        from minio import Minio

        client = Minio("s3.amazonaws.com", access_key=AKID, secret_key=SECRET, region=REGION)
        hour = timedelta(hours=1)
        found["minio presigned_get_object"] = (
            lambda keys: [client.presigned_get_object(BUCKET, k, expires=hour) for k in keys], "sample")
    except ImportError:
        found["minio presigned_get_object"] = (None, "not installed")
    return found


def measure(label: str, keys: list[str], sample: list[str], rounds: int) -> dict[str, float]:
    print(f"\n## {label}: {len(keys):,} keys ({len(sample):,} for boto3 and minio), median of {rounds} "
          "rounds (each round runs every contender once), single thread\n")
    missing = []
    runs: dict[str, tuple[Callable[[Any], object], Any]] = {}
    for name, (run, size) in contenders().items():
        if run is None:
            missing.append(f"{name}: {size}")
            continue
        given: Any = sample if size == "sample" else keys
        if size == "arrow":
            import pyarrow as pa

            given = pa.array(keys)
        run(given[:100])  # warm caches, build clients
        runs[name] = (run, given)
    # Rounds interleave the contenders, so a slow spell on a shared machine hits them all alike,
    # and each round starts with the next contender: going first after another's garbage differs.
    times: dict[str, list[float]] = {name: [] for name in runs}
    order = list(runs)
    for round_ in range(rounds):
        for name in order[round_ % len(order):] + order[:round_ % len(order)]:
            run, given = runs[name]
            start = time.perf_counter()
            run(given)
            times[name].append(time.perf_counter() - start)
    rates = {name: len(runs[name][1]) / statistics.median(spent) for name, spent in times.items()}
    ours = rates["s3presign"]
    print("| presigner | URLs/s | µs per URL | s3presign is |")
    print("|---|---:|---:|---:|")
    for name, rate in sorted(rates.items(), key=lambda item: -item[1]):
        ratio = "—" if name.startswith("s3presign") else f"{ours / rate:.1f}x faster"
        print(f"| {name} | {rate:,.0f} | {1e6 / rate:.2f} | {ratio} |")
    for line in missing:
        print(f"(missing) {line}")
    return rates


def target(name: str, ok: bool, value: str) -> None:
    print(f"target: {name}: {'met' if ok else 'MISSED'} ({value})")


def address_rows(keys: list[str], rounds: int) -> None:
    """Every kind of S3 address, as a ratio to plain SigV4 in the same run (median of rounds).

    An access point ARN in the client's region takes the plain fast path; in another region it
    signs SigV4 for the ARN's region through the step-by-step path (signing key cached); a
    Multi-Region Access Point signs SigV4A, one ECDSA P-256 signature per URL (the cryptography
    package, OpenSSL); an S3 Express directory bucket signs SigV4 with a warm session (no
    CreateSession in the loop: the session is already held, as after the first URL).
    """
    import statistics
    from datetime import datetime, timezone

    from s3presign import Credentials, Presigner
    from s3presign._express import ExpressSessions

    signer = Presigner(Credentials(AKID, SECRET), region=REGION)
    sessions = ExpressSessions()
    express = Presigner(Credentials(AKID, SECRET), region=REGION, express_sessions=sessions)
    directory = "bench--euw1-az1--x-s3"
    sessions.remember(express, directory, Credentials(
        "ASIASESSIONEXAMPLE", "session/secret/EXAMPLE", "session-token-EXAMPLE",
        datetime(2099, 1, 1, tzinfo=timezone.utc)))
    cases = [
        ("plain bucket (SigV4)", signer, BUCKET, keys),
        ("access point ARN, client's region (SigV4)", signer, "arn:aws:s3:eu-west-1:123456789012:accesspoint/bench",
         keys),
        ("access point ARN, another region (SigV4)", signer, "arn:aws:s3:us-east-2:123456789012:accesspoint/bench",
         keys),
        ("Multi-Region Access Point (SigV4A)", signer, "arn:aws:s3::123456789012:accesspoint/bench.mrap",
         keys[: max(1, len(keys) // 10)]),
        ("S3 Express, warm session", express, directory, keys),
    ]
    for _, who, bucket, sample in cases:
        who.presign(bucket, sample[0])  # warm: endpoint, keys, SigV4A key derivation
    # Rounds interleave the cases, each going first in turn: run one after the other, the first
    # paid for filling the folder-encoding cache the others then found full (1.2x apart).
    times: dict[str, list[float]] = {name: [] for name, *_ in cases}
    for round_ in range(max(3, rounds)):
        for name, who, bucket, sample in cases[round_ % len(cases):] + cases[:round_ % len(cases)]:
            start = time.perf_counter()
            for k in sample:
                who.presign(bucket, k)
            times[name].append(time.perf_counter() - start)
    rates = {name: len(sample) / statistics.median(times[name]) for name, _, _, sample in cases}
    base = rates["plain bucket (SigV4)"]
    print(f"\n# addresses (median of {max(3, rounds)} rounds; SigV4A on {len(cases[3][3])} keys)")
    print("| address | URLs/s | µs per URL | vs plain SigV4 |")
    print("|---|---:|---:|---:|")
    for name, rate in rates.items():
        print(f"| {name} | {rate:,.0f} | {1e6 / rate:.2f} | {rate / base:.3f}x |")


def refresh_overhead(keys: list[str], rounds: int) -> tuple[float, float, float]:
    """(URLs/s static, URLs/s with RefreshableCredentials and no refresh due, time ratio): each
    round signs the keys in blocks of 1,000, the two signers back to back on each block (who goes
    first alternates), so a burst of load from elsewhere hits both; medians over the rounds of the
    rates and of the per-block ratios."""
    from datetime import datetime, timezone
    from statistics import median

    from s3presign import Credentials, Presigner, RefreshableCredentials

    later = datetime.now(timezone.utc).replace(year=datetime.now(timezone.utc).year + 1)
    static = Presigner(Credentials(AKID, SECRET, "session-token"), region=REGION)
    refreshing = Presigner(RefreshableCredentials(lambda: Credentials(AKID, SECRET, "session-token", later)),
                           region=REGION)

    def timed(signer: Presigner, block: list[str]) -> float:
        presign = signer.presign
        start = time.perf_counter()
        for key in block:
            presign(BUCKET, key)
        return time.perf_counter() - start

    rates: dict[str, list[float]] = {"static": [], "refreshing": []}
    ratios = []
    blocks = [keys[i:i + 1000] for i in range(0, len(keys), 1000)]
    for _ in range(rounds):
        totals = {"static": 0.0, "refreshing": 0.0}
        block_ratios = []
        for number, block in enumerate(blocks):
            if number % 2:
                a, b = timed(static, block), timed(refreshing, block)
            else:
                b, a = timed(refreshing, block), timed(static, block)
            totals["static"] += a
            totals["refreshing"] += b
            block_ratios.append(b / a)
        for name, total in totals.items():
            rates[name].append(len(keys) / total)
        ratios.append(median(block_ratios))
    return median(rates["static"]), median(rates["refreshing"]), median(ratios)


def column_vs_list(keys: list[str], rounds: int) -> float | None:
    """Time of ``presign_array`` over time of ``presign_many`` on the same keys, as the
    median of per-block ratios: each round signs the keys in blocks of 10,000 (a column chunk), the
    two back to back on each block, who goes first alternating, so load from elsewhere hits both
    alike (the tables' medians of whole runs moved by 10% between runs: too coarse for this)."""
    from statistics import median

    try:
        import pyarrow as pa

        from s3presign.arrow import presign_array
    except ImportError:
        return None
    from s3presign import Credentials, Presigner

    signer = Presigner(Credentials(AKID, SECRET), region=REGION)
    blocks = [(keys[i:i + 10_000], pa.array(keys[i:i + 10_000])) for i in range(0, len(keys), 10_000)]

    def as_list(block: list[str]) -> float:
        start = time.perf_counter()
        list(signer.presign_many((BUCKET, k) for k in block))
        return time.perf_counter() - start

    def as_column(column: Any) -> float:
        start = time.perf_counter()
        presign_array(signer, column, bucket=BUCKET)
        return time.perf_counter() - start

    ratios = []
    for _ in range(rounds):
        block_ratios = []
        for number, (block, column) in enumerate(blocks):
            if number % 2:
                many, arrow = as_list(block), as_column(column)
            else:
                arrow, many = as_column(column), as_list(block)
            block_ratios.append(arrow / many)
        ratios.append(median(block_ratios))
    return median(ratios)


def load_base(checkout: str) -> Any:
    """Another version of s3presign (a checkout's ``src/s3presign``), imported as ``s3presign_base``
    beside this one, so both are timed in one process on the same keys."""
    import importlib.util
    from pathlib import Path

    root = Path(checkout) / "src" / "s3presign"
    spec = importlib.util.spec_from_file_location("s3presign_base", root / "__init__.py",
                                                  submodule_search_locations=[str(root)])
    assert spec is not None and spec.loader is not None, f"no s3presign package under {root}"
    module = importlib.util.module_from_spec(spec)
    sys.modules["s3presign_base"] = module
    spec.loader.exec_module(module)
    return module


def paired(first: Callable[[Any], object], second: Callable[[Any], object], blocks: list[Any],
           rounds: int) -> float:
    """Time of ``second`` over time of ``first``: the median over rounds of the median per-block
    ratio, the two run back to back on each block, who goes first alternating."""
    from statistics import median

    def timed(run: Callable[[Any], object], block: Any) -> float:
        start = time.perf_counter()
        run(block)
        return time.perf_counter() - start

    first(blocks[0])
    second(blocks[0])  # warm both
    ratios = []
    for _ in range(rounds):
        block_ratios = []
        for number, block in enumerate(blocks):
            if number % 2:
                a, b = timed(first, block), timed(second, block)
            else:
                b, a = timed(second, block), timed(first, block)
            block_ratios.append(b / a)
        ratios.append(median(block_ratios))
    return median(ratios)


def against(checkout: str, keys: list[str], rounds: int) -> None:
    """This version against another (``--against DIR``), side by side in one process: ``presign``
    and ``presign_many``, a store preset against a plain signer, and ``presign_array`` against
    ``presign_many`` with the garbage collector on while the process holds a large heap (a
    200,000-key list and its (bucket, key) pairs, as a data job does)."""
    import gc

    import s3presign

    base = load_base(checkout)
    new, old = (module.Presigner(module.Credentials(AKID, SECRET), region=REGION) for module in (s3presign, base))
    store_new, store_old = (module.Presigner.for_provider("minio", module.Credentials(AKID, SECRET), region=REGION,
                                                          endpoint_url="http://127.0.0.1:9000")
                            for module in (s3presign, base))
    # The same settings as the preset chose, without its limits: the preset's cost alone.
    plain_new = s3presign.Presigner(s3presign.Credentials(AKID, SECRET), region=REGION,
                                    endpoint_url="http://127.0.0.1:9000", addressing_style="path")
    plain_old = base.Presigner(base.Credentials(AKID, SECRET), region=REGION, endpoint_url="http://127.0.0.1:9000",
                               addressing_style="path")
    blocks = [keys[i:i + 2000] for i in range(0, len(keys), 2000)]
    print(f"\n# this tree against {checkout} (time ratio new / old, median of {rounds} rounds of "
          f"back-to-back blocks of 2,000 keys; below 1 is faster)\n")
    print("| case | time ratio |")
    print("|---|---:|")

    def one(signer: Any) -> Callable[[list[str]], object]:
        return lambda block: [signer.presign(BUCKET, k) for k in block]

    def many(signer: Any) -> Callable[[list[str]], object]:
        return lambda block: list(signer.presign_many((BUCKET, k) for k in block))

    rows = {
        "presign": paired(one(old), one(new), blocks, rounds),
        "presign_many": paired(many(old), many(new), blocks, rounds),
        "presign, store preset (minio)": paired(one(store_old), one(store_new), blocks, rounds),
        "store preset / plain signer (same endpoint), this tree": paired(one(plain_new), one(store_new), blocks,
                                                                          rounds),
        "store preset / plain signer (same endpoint), base": paired(one(plain_old), one(store_old), blocks, rounds),
    }
    for name, ratio in rows.items():
        print(f"| {name} | {ratio:.3f} |")
    try:
        import pyarrow as pa
    except ImportError:
        print("(missing) pyarrow: presign_array not measured")
        return
    import importlib

    heap = [f"held/{i:07d}.parquet" for i in range(200_000)]
    held = [(BUCKET, key) for key in heap]  # noqa: F841 (kept alive: the large heap)
    gc.enable()
    columns = [pa.array(keys[i:i + 10_000]) for i in range(0, len(keys), 10_000)]
    lists = {id(c): c.to_pylist() for c in columns}
    print()
    print(f"| presign_array / presign_many, {len(heap):,} keys and pairs held "
          "(blocks of 10,000 keys) | time ratio |")
    print("|---|---:|")
    for collector in (True, False):
        gc.enable() if collector else gc.disable()
        for label, module, signer in (("this tree", s3presign, new), ("base", base, old)):
            arrow = importlib.import_module(module.__name__ + ".arrow")
            ratio = paired(lambda column, s=signer: list(s.presign_many((BUCKET, k) for k in lists[id(column)])),
                           lambda column, s=signer, a=arrow: a.presign_array(s, column, bucket=BUCKET),
                           columns, rounds)
            print(f"| {label}, collector {'on' if collector else 'off'} | {ratio:.3f} |")
    gc.enable()
    del held


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=20_000, help="keys every contender signs")
    parser.add_argument("--sample", type=int, default=0,
                        help="sign only this many keys with boto3 and minio, and scale (0: all keys)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--addresses-only", action="store_true",
                        help="only the access point / SigV4A / S3 Express rows")
    parser.add_argument("--against", metavar="DIR",
                        help="only compare this tree with another checkout of s3presign, side by side")
    args = parser.parse_args()
    if args.against:
        against(args.against, readme_keys(args.keys), max(args.rounds, 5))
        return 0
    if args.addresses_only:
        address_rows(readme_keys(args.keys), args.rounds)
        return 0
    print(f"# presign throughput: Python {platform.python_version()}, {platform.machine()}")
    results = {}
    for label, make in (("mixed keys", readme_keys), ("Hive-style keys", hive_keys)):
        keys = make(args.keys)
        results[label] = measure(label, keys, keys[: args.sample] if args.sample else keys, args.rounds)
    address_rows(readme_keys(args.keys), args.rounds)
    print()
    rates = results["mixed keys"]
    ours = rates["s3presign"]
    keys = readme_keys(args.keys)
    static, refreshing, ratio = refresh_overhead(keys, max(args.rounds, 3))
    print(f"| credentials (session token) | URLs/s, median of {max(args.rounds, 3)} rounds | µs per URL |")
    print("|---|---:|---:|")
    print(f"| Credentials (static) | {static:,.0f} | {1e6 / static:.2f} |")
    print(f"| RefreshableCredentials, no refresh due | {refreshing:,.0f} | {1e6 / refreshing:.2f} |")
    print()
    target("RefreshableCredentials at most 5% slower than static", ratio <= 1.05,
           f"time ratio {ratio:.3f}, the median of back-to-back blocks")
    compiled = [rates[n] for n in ("obstore.sign (whole list)", "libpresign.get") if n in rates]
    if compiled:
        target("mixed keys: >= 2.5x the faster compiled library", ours >= 2.5 * max(compiled),
               f"{ours / max(compiled):.1f}x")
    if "boto3 generate_presigned_url" in rates:
        boto = rates["boto3 generate_presigned_url"]
        target("mixed keys: >= 80x boto3", ours >= 80 * boto, f"{ours / boto:.0f}x")
    hive = results["Hive-style keys"]
    obstore = hive.get("obstore.sign (whole list)")
    if obstore:
        many = hive["s3presign presign_many"]
        target("Hive keys: presign_many >= 3x obstore.sign", many >= 3 * obstore, f"{many / obstore:.1f}x")
    for keys_label, make in (("mixed keys", readme_keys), ("Hive keys", hive_keys)):
        ratio = column_vs_list(make(args.keys), max(args.rounds, 3))  # a column no slower than a list
        if ratio is not None:
            target(f"{keys_label}: presign_array no slower than presign_many", ratio <= 1.0,
                   f"{1 / ratio:.2f}x the rate; time ratio {ratio:.3f}, the median of back-to-back blocks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
