"""boto3's own presign calls against s3presign.from_boto3 on the same client, side by side.

    python benchmarks/bench_boto3.py [--keys N] [--sample N] [--rounds R]

Two clients as boto3 users make them: SigV4 (``Config(signature_version="s3v4")``, eu-central-1)
and boto3's default in us-east-1, which presigns with SigV2. Three calls each: get_object, get_object
with ResponseContentDisposition and VersionId, put_object with ContentType and Metadata. Keys are
``_keys.readme_keys`` (one in ten with a space and accented letters). Each round times the client's
own ``generate_presigned_url`` on a sample and ``from_boto3(client).generate_presigned_url`` on
every key, one after the other; the figures are medians over the rounds (per URL, and the ratio
of each round). Which SigV4 signer botocore uses (its own, or the CRT's when awscrt is installed)
is printed. Target: 25x on every line. Exits 0 unless it crashes: a missed target is printed.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from _keys import readme_keys

AKID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
BUCKET = "bench-bucket"
TARGET = 25.0


def calls() -> list[tuple[str, Callable[[str], dict[str, Any]], str]]:
    return [
        ("get_object", lambda k: {"Bucket": BUCKET, "Key": k}, "get_object"),
        ("get_object + Params", lambda k: {"Bucket": BUCKET, "Key": k, "VersionId": "3HL4kqtJlcpXroDTDmJ",
                                           "ResponseContentDisposition": 'attachment; filename="report.csv"'},
         "get_object"),
        ("put_object ContentType+Metadata", lambda k: {"Bucket": BUCKET, "Key": k, "ContentType": "image/jpeg",
                                                       "Metadata": {"owner": "u1", "source": "upload"}}, "put_object"),
    ]


def per_url(sign: Callable[[str, dict[str, Any]], str], method: str, params: list[dict[str, Any]]) -> float:
    start = time.perf_counter()
    for p in params:
        sign(method, p)
    return (time.perf_counter() - start) / len(params)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    import boto3
    import botocore
    import botocore.auth
    from botocore.config import Config

    from s3presign import from_boto3

    signer_class = botocore.auth.AUTH_TYPE_MAPS["s3v4-query"]
    print(f"boto3 {boto3.__version__}, botocore {botocore.__version__}, SigV4 signer {signer_class.__module__}."
          f"{signer_class.__name__}; Python {platform.python_version()}; {args.rounds} rounds, "
          f"{args.keys} keys (client's own: a sample of {args.sample})")
    clients = {
        "SigV4": boto3.client("s3", region_name="eu-central-1", aws_access_key_id=AKID, aws_secret_access_key=SECRET,
                              config=Config(signature_version="s3v4")),
        "SigV2 (us-east-1 default)": boto3.client("s3", region_name="us-east-1", aws_access_key_id=AKID,
                                                  aws_secret_access_key=SECRET),
    }
    keys = readme_keys(args.keys)
    rows = []
    missed = []
    for version, client in clients.items():
        fast = from_boto3(client)
        for label, make, method in calls():
            params = [make(k) for k in keys]
            sample = params[:: max(1, len(params) // args.sample)]
            fast.generate_presigned_url(method, Params=make("warm-up"))  # the route is learned here
            own_times, ours_times, ratios = [], [], []
            for _ in range(args.rounds):
                own = per_url(client.generate_presigned_url, method, sample)
                ours = per_url(fast.generate_presigned_url, method, params)
                own_times.append(own)
                ours_times.append(ours)
                ratios.append(own / ours)
            ratio = statistics.median(ratios)
            rows.append((version, label, statistics.median(own_times) * 1e6, statistics.median(ours_times) * 1e6, ratio))
            if ratio < TARGET:
                missed.append(f"{version} {label}: {ratio:.1f}x")
    print(f"\n{'client':<27} {'call':<32} {'boto3 µs':>9} {'s3presign µs':>13} {'faster':>8}")
    for version, label, own, ours, ratio in rows:
        print(f"{version:<27} {label:<32} {own:>9.1f} {ours:>13.2f} {ratio:>7.1f}x")
    print(f"\ntarget: {TARGET:.0f}x on every line: " + ("met" if not missed else "MISSED: " + "; ".join(missed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
