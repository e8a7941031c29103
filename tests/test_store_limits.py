"""A store preset's limits hold at every way of signing, because the core runs them.

A preset is settings plus a limit check (``Signer(store=...)``); there is no subclass that each
entry point must remember to override. Each test below signs through one entry point with a
store whose limits are tighter than S3's (60 seconds, no POST, no ACLs), so a limit the core
skipped at that entry point would sign a URL instead of raising. The messages are the store's
own (``_stores.Store.check_request``), written here as literals.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from s3presign import Credentials, InvalidRequestError, Presigner
from s3presign._bulk import format_chunk
from s3presign._stores import Store

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=timezone.utc)
BUCKET = "bkt"
TOO_LONG = "Tiny Store presigned URLs last at most 60 seconds: use --expires-in 60 or less"
TINY = Store("tiny", "Tiny Store", endpoint=None, sources={}, max_expires=60, post=False,
             unsupported={"acl": "Tiny Store has no ACLs: drop --acl"})


def signer() -> Presigner:
    return Presigner(Credentials("AKIDEXAMPLE", "SECRET/KEY"), region="us-east-1",
                     endpoint_url="http://127.0.0.1:9000", addressing_style="path", store=TINY)


def test_one_url() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        signer().presign(BUCKET, "k", expires_in=61)
    assert str(caught.value) == TOO_LONG


def test_one_url_after_the_second_is_cached() -> None:
    # The fast path caches the X-Amz-* query per (second, expiry): a longer expiry in the same
    # second is a new slot, checked again.
    s = signer()
    s.presign(BUCKET, "k", expires_in=60, now=NOW)
    with pytest.raises(InvalidRequestError, match="at most 60 seconds"):
        s.presign(BUCKET, "k", expires_in=61, now=NOW)
    with pytest.raises(InvalidRequestError, match="at most 60 seconds"):
        s.presign(BUCKET, "k", expires_in=61)


def test_the_fast_path_of_a_preset_is_the_plain_one() -> None:
    plain = Presigner(Credentials("AKIDEXAMPLE", "SECRET/KEY"), region="us-east-1",
                      endpoint_url="http://127.0.0.1:9000", addressing_style="path")
    assert signer().presign(BUCKET, "a b/c", expires_in=60, now=NOW) == plain.presign(BUCKET, "a b/c", expires_in=60,
                                                                                      now=NOW)


def test_request_and_details() -> None:
    s = signer()
    with pytest.raises(InvalidRequestError, match="at most 60 seconds"):
        s.presign_request(BUCKET, "k", expires_in=61, now=NOW)
    with pytest.raises(InvalidRequestError, match="at most 60 seconds"):
        s.presign_details(BUCKET, "k", "GET", 61, NOW)
    with pytest.raises(InvalidRequestError, match="^Tiny Store has no ACLs: drop --acl$"):
        s.presign_request(BUCKET, "k", method="PUT", expires_in=30, headers={"x-amz-acl": "private"}, now=NOW)
    with pytest.raises(InvalidRequestError, match="^Tiny Store has no ACLs"):
        s.presign(BUCKET, "k", "PUT", 30, NOW, headers=[("X-Amz-Acl", "private")])


def test_post() -> None:
    with pytest.raises(InvalidRequestError, match="^Tiny Store has no POST Object"):
        signer().presign_post(BUCKET, "uploads/a.txt", expires_in=30, now=NOW)


def test_batch_door() -> None:
    s = signer()
    for sign in (lambda: s.presign_keys(BUCKET, ["a=1/k", "b"], "GET", 61),
                 lambda: s.presign_paths(BUCKET, ["a%3D1/k", "b"], "GET", 61),
                 lambda: s.presign_paths(BUCKET, [], "GET", 61),
                 lambda: list(s.presign_many([(BUCKET, "k"), f"s3://{BUCKET}/j"], expires_in=61))):
        with pytest.raises(InvalidRequestError, match="at most 60 seconds"):
            sign()


def test_column() -> None:
    pa = pytest.importorskip("pyarrow")
    from s3presign.arrow import presign_array

    with pytest.raises(InvalidRequestError, match="at most 60 seconds"):
        presign_array(signer(), pa.array(["a=1/k", "b", None]), bucket=BUCKET, expires_in=61)
    with pytest.raises(InvalidRequestError, match="at most 60 seconds"):
        presign_array(signer(), pa.array([f"s3://{BUCKET}/a", f"s3://{BUCKET}/b"]), expires_in=61)


def test_bulk_command_block() -> None:
    # What the command's bulk loop (and each worker process) runs for a block of input lines.
    result = format_chunk(signer(), f"s3://{BUCKET}/a\ns3://{BUCKET}/b\n".encode(), 1, method="GET",
                          expires_in=61, fmt="url", keep_going=True)
    assert result.count == 0 and result.errors and all("at most 60 seconds" in e for _, e in result.errors)


def test_service() -> None:
    from s3presign.service import App

    from .test_service_parts import ISSUE_EXAMPLE, TOKEN, _asgi, _policy

    app = App(_policy(ISSUE_EXAMPLE), signer=signer())  # type: ignore[arg-type]
    body = json.dumps({"filename": "a.txt", "type": "text/plain", "size": 3, "expires_in": 61}).encode()
    status, answer = _asgi(app, "POST", "/upload", headers=[(b"authorization", f"Bearer {TOKEN}".encode())], body=body)
    assert (status, answer) == (400, {"error": TOO_LONG})
