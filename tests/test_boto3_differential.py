"""from_boto3(client).generate_presigned_url against client.generate_presigned_url, byte for byte.

Thousands of generated cases: client configuration (region, signature version, addressing,
accelerate, dual-stack, FIPS, custom endpoint, session token, botocore's or the CRT's SigV4
signer) x operation x Params (names in random order, random values) x HttpMethod x ExpiresIn.
Both sides sign at the same pinned second. Each case is preceded by a sibling with the same
Params names and other values, so the compared call runs on the fast path learned from the
sibling, not on the route's own proof. Errors must match in type and message; Params must be
left as the client leaves them (botocore's handlers rewrite some in place).

S3PRESIGN_BOTO3_CASES sets the number of cases (default 6000); S3PRESIGN_BOTO3_SEED the seed.
"""

from __future__ import annotations

import copy
import os
import random
from collections import Counter
from typing import Any


from s3presign import from_boto3

from . import boto3_cases as cases

CASES = int(os.environ.get("S3PRESIGN_BOTO3_CASES", "6000"))
SEED = int(os.environ.get("S3PRESIGN_BOTO3_SEED", "20250102"))
PER_CLIENT = 40
EXPIRIES = [3600, 3600, 1, 60, 604800, 604801, 0, -5, 86400 * 30]


class Counting:
    """Wraps the presigner's handle on the client's own method: how often it was consulted."""

    def __init__(self, original: Any) -> None:
        self.original = original
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.original(*args, **kwargs)


def _kind(url: Any) -> str:
    if not isinstance(url, str):
        return "error"
    if "X-Amz-Algorithm=" in url:
        return "v4"
    return "v2" if "AWSAccessKeyId=" in url else "unsigned"


def test_generated_cases_equal_boto3(home: object) -> None:
    rng = random.Random(SEED)
    fast: Counter[tuple[str, str]] = Counter()
    seen: Counter[tuple[str, str]] = Counter()
    done = 0
    while done < CASES:
        settings = cases.client_settings(rng)
        client = cases.make_client(settings)
        presigner = from_boto3(client)
        counting = presigner._original_url = Counting(presigner._original_url)  # type: ignore[method-assign]
        with cases.pinned(crt=settings["crt"]):
            for _ in range(min(PER_CLIENT, CASES - done)):
                done += 1
                operation = rng.choice(list(cases.OPERATIONS))
                bucket = rng.choice(cases.BUCKETS)
                ordered = cases.names(rng, operation)
                http_method = rng.choice(cases.HTTP_METHODS)
                expires = rng.choice(EXPIRIES)
                sibling = cases.values(rng, bucket, ordered)
                case = cases.values(rng, bucket, ordered)
                for params in (sibling, case):
                    theirs_params, ours_params = copy.deepcopy(params), copy.deepcopy(params)
                    expected = cases.outcome(lambda: client.generate_presigned_url(
                        operation, Params=theirs_params, ExpiresIn=expires, HttpMethod=http_method))
                    before = counting.calls
                    got = cases.outcome(lambda: presigner.generate_presigned_url(
                        operation, Params=ours_params, ExpiresIn=expires, HttpMethod=http_method))
                    context = (settings, operation, params, http_method, expires)
                    assert got == expected, context
                    assert ours_params == theirs_params, context
                if expected[0] == "ok":
                    kind = _kind(expected[1])
                    signer = kind + ("-crt" if settings["crt"] and kind == "v4" else "")
                    answered = counting.calls == before
                    for feature in (("operation", operation, kind), ("bucket", bucket, kind), ("signer", signer)):
                        seen[feature] += 1
                        fast[feature] += answered
    # The comparison above passes trivially if everything is delegated: the fast path must have
    # answered nearly every case, under each signer, for every operation and every kind of bucket.
    for feature, count in seen.items():
        if feature[0] == "signer":
            assert fast[feature] >= 0.8 * count, (feature, fast[feature], count)
        elif CASES >= 3000 and feature[2] in ("v4", "v2"):
            assert fast[feature] > 0, (feature, count)


def test_generated_posts_equal_boto3(home: object) -> None:
    """generate_presigned_post: the same url and the same fields, in the same order."""
    rng = random.Random(SEED + 1)
    fast = seen = 0
    for _ in range(max(CASES // 40, 10)):
        settings = cases.client_settings(rng)
        client = cases.make_client(settings)
        presigner = from_boto3(client)
        counting = presigner._original_post = Counting(presigner._original_post)  # type: ignore[method-assign]
        with cases.pinned(crt=settings["crt"]):
            for _ in range(10):
                bucket = rng.choice(cases.BUCKETS)
                expires = rng.choice(EXPIRIES)
                for _ in range(2):  # a sibling first, then the compared call
                    key, fields, conditions = cases.post_key(rng), cases.post_fields(rng), cases.post_conditions(rng)
                    before_fields, before_conditions = copy.deepcopy(fields), copy.deepcopy(conditions)
                    expected = cases.outcome(lambda: client.generate_presigned_post(
                        bucket, key, Fields=copy.deepcopy(fields), Conditions=copy.deepcopy(conditions),
                        ExpiresIn=expires))
                    before = counting.calls
                    got = cases.outcome(lambda: presigner.generate_presigned_post(
                        bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires))
                    context = (settings, bucket, key, fields, conditions, expires)
                    assert got == expected, context
                    if got[0] == "ok":
                        assert list(got[1]["fields"]) == list(expected[1]["fields"]), context
                    assert (fields, conditions) == (before_fields, before_conditions), "the caller's values changed"
                if expected[0] == "ok":
                    seen += 1
                    fast += counting.calls == before
    assert fast >= 0.8 * seen, (fast, seen)
