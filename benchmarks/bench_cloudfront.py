"""CloudFront signed URLs, side by side in one run: the bare key operation, CloudFrontSigner,
botocore's CloudFrontSigner, ECDSA, and sign_many on every core against one.

    python benchmarks/bench_cloudfront.py [--count N] [--rounds R] [--many N]

URLs: ``https://d111111abcdef8.cloudfront.net/videos/...`` paths, one in ten with a space and
non-ASCII. Every figure is the median over ``--rounds`` (default 5) of rounds that run each
contender once on the same URLs, interleaved, so the ratios compare like with like on a machine
whose speed swings:

- bare RSA: ``cryptography``'s RSA-2048 PKCS#1 v1.5 SHA-1 signature over each URL's canned
  policy, built beforehand (the floor: nothing but the private-key operation);
- ``CloudFrontSigner.sign_url`` (RSA, SHA-1), and botocore's ``CloudFrontSigner`` with the same
  key through ``cryptography`` (``generate_presigned_url`` with ``date_less_than``);
- ECDSA P-256 with SHA-256: the bare signature and ``sign_url``;
- ``sign_many`` over ``--many`` URLs with every core and with ``jobs=1``, and two plain
  ``sign_url`` loops in two processes on half the URLs each: what two processes get from the
  machine at that moment (cores shared with other work), the ceiling for two jobs.

Target: one RSA URL within 1.15x of the bare RSA signature (median of per-round ratios).
Always exits 0 unless it crashes: a missed target is printed, not a failure.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from collections.abc import Callable

from botocore.signers import CloudFrontSigner as BotocoreSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from s3presign import CloudFrontSigner

EXPIRES = datetime.datetime(2031, 1, 1, tzinfo=datetime.timezone.utc)
KEY_PAIR_ID = "K2JCJMDEHXQW5F"


def urls(n: int) -> list[str]:
    base = "https://d111111abcdef8.cloudfront.net/videos"
    return [f"{base}/été {i // 100}/seg {i:07d}.ts" if i % 10 == 0 else f"{base}/show-{i // 1000}/seg-{i:07d}.ts"
            for i in range(n)]


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="URLs per round, one by one (default 2000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; figures are medians (default 5)")
    parser.add_argument("--many", type=int, default=8000, help="URLs per sign_many run (default 8000)")
    args = parser.parse_args()

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    rsa_pem = rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    ec_pem = ec_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    ours = CloudFrontSigner(KEY_PAIR_ID, rsa_pem)
    ours_ec = CloudFrontSigner(KEY_PAIR_ID, ec_pem)
    theirs = BotocoreSigner(KEY_PAIR_ID, lambda m: rsa_key.sign(m, padding.PKCS1v15(), hashes.SHA1()))
    batch = urls(args.count)
    epoch = int(EXPIRES.timestamp())
    policies = [('{"Statement":[{"Resource":' + json.dumps(u) + ',"Condition":{"DateLessThan":{"AWS:EpochTime":'
                 + str(epoch) + "}}}]}").encode() for u in batch]
    now = time.time()
    assert ours.sign_url(batch[0], expires_at=EXPIRES, now=now) == theirs.generate_presigned_url(
        batch[0], date_less_than=EXPIRES)  # the same URL, or the comparison means nothing

    block = 50  # contenders take turns every 50 URLs: a swing in the machine's speed hits them all alike
    blocks = [(batch[i:i + block], policies[i:i + block]) for i in range(0, len(batch), block)]
    contenders: dict[str, Callable[[list[str], list[bytes]], object]] = {
        "bare RSA-2048 SHA-1 signature (cryptography)": lambda us, ps: [
            rsa_key.sign(p, padding.PKCS1v15(), hashes.SHA1()) for p in ps],
        "CloudFrontSigner.sign_url, RSA SHA-1": lambda us, ps: [
            ours.sign_url(u, expires_at=epoch, now=now) for u in us],
        "botocore CloudFrontSigner (cryptography)": lambda us, ps: [
            theirs.generate_presigned_url(u, date_less_than=EXPIRES) for u in us],
        "bare ECDSA P-256 SHA-256 signature": lambda us, ps: [ec_key.sign(p, ec.ECDSA(hashes.SHA256())) for p in ps],
        "CloudFrontSigner.sign_url, ECDSA SHA-256": lambda us, ps: [
            ours_ec.sign_url(u, expires_at=epoch, now=now) for u in us],
    }
    many = urls(args.many)
    jobs = os.cpu_count() or 1
    bulk: dict[str, Callable[[], object]] = {
        f"sign_many, jobs={jobs} (every core)": lambda: list(ours.sign_many(many, expires_at=epoch, now=now)),
        "sign_many, jobs=1": lambda: list(ours.sign_many(many, expires_at=epoch, jobs=1, now=now)),
    }
    def two_processes() -> None:  # the ceiling: what two processes get from this machine right now
        import multiprocessing

        context = multiprocessing.get_context("fork")
        half = many[: len(many) // 2]
        workers = [context.Process(target=lambda: [ours.sign_url(u, expires_at=epoch, now=now) for u in half])
                   for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    bulk["two bare sign_url loops in two processes (the ceiling)"] = two_processes
    per_url: dict[str, list[float]] = {name: [] for name in contenders}
    per_bulk: dict[str, list[float]] = {name: [] for name in bulk}
    ratios: list[float] = []
    botocore_ratios: list[float] = []
    for _ in range(args.rounds):
        round_times = dict.fromkeys(contenders, 0.0)
        for us, ps in blocks:
            for name, work in contenders.items():
                round_times[name] += timed(lambda: work(us, ps)) / args.count  # noqa: B023 - called at once
        for name, seconds in round_times.items():
            per_url[name].append(seconds)
        bare = round_times["bare RSA-2048 SHA-1 signature (cryptography)"]
        ratios.append(round_times["CloudFrontSigner.sign_url, RSA SHA-1"] / bare)
        botocore_ratios.append(round_times["botocore CloudFrontSigner (cryptography)"] / bare)
        for name, work in bulk.items():
            per_bulk[name].append(args.many / timed(work))

    print(f"CloudFront signed URLs, {args.count} URLs a round, median of {args.rounds} rounds "
          f"(Python {sys.version.split()[0]}, {jobs} cores)")
    width = max(map(len, [*contenders, *bulk]))
    for name, values in per_url.items():
        print(f"  {name:<{width}}  {statistics.median(values) * 1e6:8.1f} µs/URL")
    for name, values in per_bulk.items():
        print(f"  {name:<{width}}  {statistics.median(values):8.0f} URLs/s")
    ratio = statistics.median(ratios)
    scale = statistics.median(per_bulk[f"sign_many, jobs={jobs} (every core)"]) / statistics.median(
        per_bulk["sign_many, jobs=1"])
    print(f"  sign_url / bare RSA signature: {ratio:.3f}x (target <= 1.15x: {'met' if ratio <= 1.15 else 'MISSED'})")
    print(f"  botocore / bare RSA signature: {statistics.median(botocore_ratios):.3f}x")
    ceiling = statistics.median(per_bulk["two bare sign_url loops in two processes (the ceiling)"]) / statistics.median(
        per_bulk["sign_many, jobs=1"])
    print(f"  sign_many, every core / one: {scale:.2f}x (two processes reach {ceiling:.2f}x on this machine now)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
