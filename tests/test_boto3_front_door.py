"""from_boto3 and patch_boto3 beyond the generated cases: invalid input raises what boto3 raises,
refreshing credentials are read per call, user handlers make the client answer, patching is
idempotent and thread-safe, no network, botocore stays off the start-up path, no secrets."""

from __future__ import annotations

import copy
import socket
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import botocore
import botocore.handlers
import pytest
from botocore.config import Config
from botocore.credentials import RefreshableCredentials

import s3presign
from s3presign import from_boto3, patch_boto3

from . import boto3_cases as cases

CLIENTS = [
    ("sigv2-default", {"region_name": "us-east-1"}, False),
    ("sigv4", {"region_name": "eu-central-1", "config": Config(signature_version="s3v4")}, False),
    ("sigv4-crt", {"region_name": "us-west-2", "config": Config(signature_version="s3v4")}, True),
    ("sigv4-token", {"region_name": "eu-central-1", "aws_session_token": cases.TOKEN}, False),
]
GOOD = {"Bucket": "bkt", "Key": "a/b.txt"}
# (ClientMethod, Params, ExpiresIn, HttpMethod): each after a valid call of the same shape
INVALID: list[tuple[Any, Any, Any, Any]] = [
    ("get_object", {"Bucket": "bkt"}, 3600, None),
    ("get_object", {"Key": "k"}, 3600, None),
    ("get_object", {"Bucket": "bkt", "Key": 5}, 3600, None),
    ("get_object", {"Bucket": "bkt", "Key": ""}, 3600, None),
    ("get_object", {"Bucket": "bkt", "Key": None}, 3600, None),
    ("get_object", {"Bucket": "bkt", "Key": "k", "Foo": "x"}, 3600, None),
    ("get_object", {"Bucket": "b/c", "Key": "k"}, 3600, None),
    ("get_object", {"Bucket": 5, "Key": "k"}, 3600, None),
    ("get_object", {"Bucket": "bkt", "Key": "k", "PartNumber": "2"}, 3600, None),
    ("get_object", {"Bucket": "bkt", "Key": "k", "PartNumber": True}, 3600, None),
    ("get_object", {"Bucket": "bkt", "Key": "k", "ResponseExpires": "2030-01-01T00:00:00Z"}, 3600, None),
    ("get_object", {"Bucket": "bkt", "Key": "k", "VersionId": 7}, 3600, None),
    ("get_object", {"Bucket": "bkt", "Key": "k\ud800"}, 3600, None),
    ("put_object", {"Bucket": "bkt", "Key": "k", "Metadata": {"k": "vé"}}, 3600, None),
    ("put_object", {"Bucket": "bkt", "Key": "k", "Metadata": {"é": "v"}}, 3600, None),
    ("put_object", {"Bucket": "bkt", "Key": "k", "Metadata": {"a": 1}}, 3600, None),
    ("put_object", {"Bucket": "bkt", "Key": "k", "Metadata": {"Foo": "1", "foo": "2"}}, 3600, None),
    ("put_object", {"Bucket": "bkt", "Key": "k", "Metadata": {}}, 3600, None),
    ("put_object", {"Bucket": "bkt", "Key": "k", "ContentType": "a\nb"}, 3600, None),
    ("put_object", {"Bucket": "bkt", "Key": "k", "ContentType": "é"}, 3600, None),
    ("put_object", {"Bucket": "bkt", "Key": "k", "ContentType": ""}, 3600, None),
    ("put_object", {"Bucket": "bkt", "Key": "k", "Body": b"hello"}, 3600, None),
    ("put_object", {"Bucket": "bkt", "Key": "k", "ContentLength": "5"}, 3600, None),
    ("complete_multipart_upload", {"Bucket": "bkt", "Key": "k", "UploadId": "u",
                                   "MultipartUpload": {"Parts": [{"ETag": "e", "PartNumber": 1}]}}, 3600, None),
    ("copy_object", {"Bucket": "bkt", "Key": "k", "CopySource": {"Bucket": "src", "Key": "a b"}}, 3600, None),
    ("get_object_attributes", {"Bucket": "bkt", "Key": "k", "ObjectAttributes": []}, 3600, None),
    ("get_object_attributes", {"Bucket": "bkt", "Key": "k", "ObjectAttributes": ["a,b"]}, 3600, None),
    ("upload_file", GOOD, 3600, None),
    ("GetObject", GOOD, 3600, None),
    ("get_object", [("Bucket", "bkt")], 3600, None),
    ("get_object", GOOD, "60", None),
    ("get_object", GOOD, 10.7, None),
    ("get_object", GOOD, None, None),
    ("get_object", GOOD, True, None),
    ("get_object", GOOD, 3600, 5),
]


def _warm_params(params: Any) -> Any:
    """A valid call with the same names in the same order (so a route exists to be tempted by)."""
    if not isinstance(params, dict):
        return dict(GOOD)
    warm = {}
    for name in params:
        warm[name] = cases.GENERATORS[name](cases.random.Random(0)) if name in cases.GENERATORS else \
            {"Bucket": "bkt", "Key": "warm"}.get(name, "x")
    return warm


@pytest.mark.parametrize("name,settings,crt", CLIENTS, ids=[c[0] for c in CLIENTS])
def test_invalid_input_raises_what_boto3_raises(home: object, name: str, settings: dict[str, Any], crt: bool) -> None:
    client = cases.make_client(settings)
    presigner = from_boto3(client)
    with cases.pinned(crt=crt):
        for method, params, expires, http_method in INVALID:
            warm = _warm_params(params)
            cases.outcome(lambda: presigner.generate_presigned_url(  # a route, when the shape is a valid one
                method if method in client._PY_TO_OP_NAME else "get_object", Params=warm))
            theirs, ours = copy.deepcopy(params), copy.deepcopy(params)
            expected = cases.outcome(lambda: client.generate_presigned_url(
                method, Params=theirs, ExpiresIn=expires, HttpMethod=http_method))
            got = cases.outcome(lambda: presigner.generate_presigned_url(
                method, Params=ours, ExpiresIn=expires, HttpMethod=http_method))
            assert got == expected, (method, params, expires)
            assert _plain(ours) == _plain(theirs)


def _plain(params: Any) -> Any:
    """Params with file-like values (botocore wraps a bytes Body in place) read back."""
    if isinstance(params, dict):
        return {k: v.getvalue() if hasattr(v, "getvalue") else v for k, v in params.items()}
    return params


def test_invalid_post_input_raises_what_boto3_raises(home: object) -> None:
    client = cases.make_client({"region_name": "eu-central-1"})
    presigner = from_boto3(client)
    calls: list[tuple[Any, ...]] = [
        ("bkt", 5, None, None, 3600), ("bkt", "k", [("a", "b")], None, 3600), ("bkt", "k", None, {"a": 1}, 3600),
        ("bkt", "k", None, [object()], 3600), ("bkt", "k", None, None, "60"), ("bkt", "k", None, None, 10**12),
        (None, "k", None, None, 3600), ("bkt", "k", None, [{1, 2}], 3600),
    ]
    with cases.pinned():
        presigner.generate_presigned_post("bkt", "warm")
        for bucket, key, fields, conditions, expires in calls:
            expected = cases.outcome(lambda: client.generate_presigned_post(
                bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires))
            got = cases.outcome(lambda: presigner.generate_presigned_post(
                bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires))
            assert got[0] == expected[0] == "error" or got == expected, (bucket, key, fields, conditions, expires)
            if got[0] == "error":
                assert got == expected


def test_refreshing_credentials_are_read_per_call(home: object) -> None:
    keys = {"access_key": "AKIDFIRST", "secret_key": "first/secret", "token": "TOKEN1"}

    def refresh() -> dict[str, str]:
        expiry = datetime.now(timezone.utc) + timedelta(hours=1)
        return {**keys, "expiry_time": expiry.isoformat()}

    credentials = RefreshableCredentials.create_from_metadata(refresh(), refresh, "test")
    for settings in ({"region_name": "us-east-1"}, {"region_name": "eu-central-1",
                                                    "config": Config(signature_version="s3v4")}):
        session = botocore.session.Session()
        session._credentials = credentials  # the client shares the session's credentials object
        client = session.create_client("s3", **settings)
        presigner = from_boto3(client)
        with cases.pinned():
            for access_key in ("AKIDSECOND", "AKIDTHIRD"):
                first = presigner.generate_presigned_url("get_object", Params=dict(GOOD))
                assert first == client.generate_presigned_url("get_object", Params=dict(GOOD))
                keys.update(access_key=access_key, secret_key=access_key.lower() + "/secret", token="T" + access_key)
                credentials._expiry_time = datetime.now(timezone.utc) - timedelta(seconds=1)  # due now
                ours = presigner.generate_presigned_url("get_object", Params=dict(GOOD))  # refreshes
                assert access_key in ours
                assert ours == client.generate_presigned_url("get_object", Params=dict(GOOD))
                post = presigner.generate_presigned_post("bkt", "k")
                assert post == client.generate_presigned_post("bkt", "k")


def test_user_handlers_make_the_client_answer(home: object) -> None:
    client = cases.make_client({"region_name": "eu-central-1", "config": Config(signature_version="s3v4")})
    presigner = from_boto3(client)
    counting = presigner._original_url = _Counting(presigner._original_url)  # type: ignore[method-assign]

    def add_header(request: Any, **kwargs: Any) -> None:
        # Only for some keys: a route proven on another key would not show it.
        if "special" in request.url:
            request.headers["x-amz-meta-added"] = "by-handler"


    with cases.pinned():
        plain = presigner.generate_presigned_url("get_object", Params=dict(GOOD))
        presigner.generate_presigned_url("get_object", Params=dict(GOOD))
        calls = counting.calls
        presigner.generate_presigned_url("get_object", Params=dict(GOOD))
        assert counting.calls == calls, "the fast path answers a clean client"
        special = {"Bucket": "bkt", "Key": "special"}
        for event, handler in (("before-sign.s3.GetObject", add_header),
                               ("choose-signer.s3.*", botocore.handlers.disable_signing)):
            client.meta.events.register(event, handler)
            for _ in range(3):
                assert presigner.generate_presigned_url("get_object", Params=dict(GOOD)) == \
                    client.generate_presigned_url("get_object", Params=dict(GOOD))
            theirs = client.generate_presigned_url("get_object", Params=dict(special))
            assert presigner.generate_presigned_url("get_object", Params=dict(special)) == theirs
            assert theirs != plain
            client.meta.events.unregister(event, handler)
        assert presigner.generate_presigned_url("get_object", Params=dict(GOOD)) == plain
        calls = counting.calls
        assert presigner.generate_presigned_url("get_object", Params=dict(GOOD)) == plain
        assert counting.calls == calls, "unregistering gives the fast path back"


class _Counting:
    def __init__(self, original: Any) -> None:
        self.original, self.calls = original, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.original(*args, **kwargs)


def test_patch_boto3_is_idempotent_thread_safe_and_returns_the_client(home: object) -> None:
    client = cases.make_client({"region_name": "us-east-1"})
    with cases.pinned():
        expected = {f"k/{i} é": client.generate_presigned_url("put_object", Params={
            "Bucket": "bkt", "Key": f"k/{i} é", "ContentType": "text/plain", "Metadata": {"n": str(i)}})
            for i in range(200)}
        expected_post = client.generate_presigned_post("bkt", "up/${filename}")
    results: list[Any] = []
    barrier = threading.Barrier(8)

    def patch() -> None:
        barrier.wait()
        results.append(patch_boto3(client))

    threads = [threading.Thread(target=patch) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is client for r in results)
    presigner = vars(client)["_s3presign_presigner"]
    assert client.generate_presigned_url.__self__ is presigner
    assert patch_boto3(client) is client and client.generate_presigned_url.__self__ is presigner

    got: dict[str, str] = {}
    errors: list[BaseException] = []

    def sign(keys: list[str]) -> None:
        try:
            for key in keys:
                got[key] = client.generate_presigned_url("put_object", Params={
                    "Bucket": "bkt", "Key": key, "ContentType": "text/plain", "Metadata": {"n": key.split("/")[1][:-2]}})
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    keys = list(expected)
    with cases.pinned():
        workers = [threading.Thread(target=sign, args=(keys[i::4],)) for i in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert client.generate_presigned_post("bkt", "up/${filename}") == expected_post
    assert not errors
    assert got == expected


def test_from_boto3_takes_sessions_and_resources(home: object) -> None:
    import boto3

    session = boto3.session.Session(aws_access_key_id=cases.ACCESS_KEY, aws_secret_access_key=cases.SECRET,
                                    region_name="eu-west-1")
    resource = session.resource("s3")
    with cases.pinned():
        expected = resource.meta.client.generate_presigned_url("get_object", Params=dict(GOOD))
        assert from_boto3(resource).generate_presigned_url("get_object", Params=dict(GOOD)) == expected
        assert from_boto3(session).generate_presigned_url("get_object", Params=dict(GOOD)) == expected
    with pytest.raises(TypeError, match="S3 client"):
        from_boto3(session.client("sqs"))
    with pytest.raises(TypeError, match="boto3 S3 client"):
        from_boto3(object())


def test_no_network(home: object, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> None:
        attempts.append(args)
        raise OSError("no network in this test")

    client = cases.make_client({"region_name": "eu-central-1", "aws_session_token": cases.TOKEN})
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    presigner = from_boto3(client)
    for i in range(300):
        presigner.generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": f"k{i}"})
        presigner.generate_presigned_post("bkt", f"k{i}")
    assert attempts == []


def test_botocore_is_not_imported_at_start_up() -> None:
    code = ("import sys, s3presign; assert callable(s3presign.Presigner); "
            "print(sorted(m for m in sys.modules if m.startswith(('botocore', 'boto3', 's3presign._boto3', 'django'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert callable(s3presign.from_boto3) and callable(s3presign.patch_boto3)


def test_no_secret_in_repr(home: object) -> None:
    client = cases.make_client({"region_name": "eu-central-1", "aws_session_token": cases.TOKEN})
    presigner = from_boto3(client)
    with cases.pinned():
        presigner.generate_presigned_url("get_object", Params=dict(GOOD))
    text = repr(presigner) + str(presigner)
    assert cases.SECRET not in text and cases.TOKEN not in text


# One shape (names in this order), several value sets: the first call proves the route, every
# later one must be answered by the fast path and still equal boto3. Values are chosen so that a
# table remembering encodings by anything but the exact value (the Param name, the length, the
# shape) gives a wrong URL: same lengths, one needing encoding and one not, padded and bare,
# metadata names that differ only in case from one call to the next.
SAME_SHAPE: list[tuple[str, list[dict[str, Any]]]] = [
    ("get_object", [{"Bucket": "bkt", "Key": k, "VersionId": v, "ResponseContentDisposition": d}
                    for k, v, d in [("a.txt", "v1", 'attachment; filename="report.csv"'),
                                    ("b c.txt", "v2", 'attachment; filename="r\u00e9sum\u00e9.csv"'),
                                    ("d.txt", "a b", "attachment; filename=report.csv.."),
                                    ("e.txt", "v1", "inline")]]),
    # sub-resources given out of their sorted order (the signed resource sorts them)
    ("get_object", [{"Bucket": "bkt", "Key": "k", "VersionId": v, "ResponseContentType": t,
                     "ResponseCacheControl": c, "PartNumber": n}
                    for v, t, c, n in [("v1", "text/plain", "no-cache", 1), ("v/2", "text plain", "max-age=9", 2),
                                       ("v1", "image/jpeg", "no-cache", 10000)]]),
    ("put_object", [{"Bucket": "bkt", "Key": k, "ContentType": t, "Metadata": m, "ACL": "private",
                     "ContentMD5": "1B2M2Y8AsgTpgAmY7PhCfg==", "ContentLength": n, "BucketKeyEnabled": b,
                     "CacheControl": "no-cache"}
                    for k, t, m, n, b in [("up/a.jpg", "image/jpeg", {"owner": "u1", "source": "upload"}, 5, True),
                                          ("up/b c.jpg", "image jpeg", {"Owner": "u2", "source": "  up  "}, 0, False),
                                          ("up/d.jpg", "text/plain", {"source": "u1", "owner": "upload"}, 7, True),
                                          ("up/e.jpg", "image/jpeg", {}, 5, False)]]),
    ("upload_part", [{"Bucket": "bkt", "Key": "big.bin", "UploadId": u, "PartNumber": n}
                     for u, n in [("VXBsb2FkIElE+/=", 1), ("u 1", 2), ("VXBsb2FkIElE+/=", 3)]]),
]


@pytest.mark.parametrize("name,settings,crt", CLIENTS, ids=[c[0] for c in CLIENTS])
def test_same_shape_other_values_equal_boto3_on_the_fast_path(home: object, name: str, settings: dict[str, Any],
                                                              crt: bool) -> None:
    from s3presign import _boto3

    client = cases.make_client(settings)
    presigner = from_boto3(client)
    counting = presigner._original_url = _Counting(presigner._original_url)  # type: ignore[method-assign]
    with cases.pinned(crt=crt):
        for method, value_sets in SAME_SHAPE:
            for _ in range(2):  # the second time round every encoding is a remembered one
                for number, params in enumerate(value_sets):
                    before = counting.calls
                    ours = presigner.generate_presigned_url(method, Params=copy.deepcopy(params), ExpiresIn=900)
                    assert ours == client.generate_presigned_url(method, Params=copy.deepcopy(params),
                                                                 ExpiresIn=900), (method, params)
                    if number:
                        assert counting.calls == before, ("the client answered", method, params)
            # the same values again after the tables were emptied (as when they fill up)
            _boto3._QUERY_TEXT.clear()
            _boto3._HEADER_TEXT.clear()
            _boto3._META_NAMES.clear()
            params = value_sets[1]
            assert presigner.generate_presigned_url(method, Params=copy.deepcopy(params), ExpiresIn=900) == \
                client.generate_presigned_url(method, Params=copy.deepcopy(params), ExpiresIn=900)


def test_remembered_encodings_are_bounded_and_hold_no_secret(home: object) -> None:
    from s3presign import _boto3

    client = cases.make_client({"region_name": "us-east-1", "aws_session_token": cases.TOKEN})
    presigner = from_boto3(client)
    sse_key = "0123456789abcdef0123456789abcdef"
    with cases.pinned():
        largest = 0
        for i in range(_boto3._TEXT_LIMIT + 300):
            params = {"Bucket": "bkt", "Key": "k", "ResponseContentDisposition": f"attachment; n={i}"}
            got = presigner.generate_presigned_url("get_object", Params=params)
            largest = max(largest, len(_boto3._QUERY_TEXT))
            if i % 500 == 0:
                assert got == client.generate_presigned_url("get_object", Params=params)
        assert largest == _boto3._TEXT_LIMIT  # filled up, then started again
        assert len(_boto3._QUERY_TEXT) < 400
        sigv4 = cases.make_client({"region_name": "eu-central-1", "aws_session_token": cases.TOKEN,
                                   "config": Config(signature_version="s3v4")})
        for each in (client, sigv4):
            for _ in range(3):  # with the MD5 given, the key itself is a header botocore signs
                params = {"Bucket": "bkt", "Key": "k", "SSECustomerAlgorithm": "AES256", "SSECustomerKey": sse_key,
                          "SSECustomerKeyMD5": "zZ5FnqcIqUjVwvWmyog4zw==", "Metadata": {"n": "v"}}
                assert from_boto3(each).generate_presigned_url("put_object", Params=dict(params)) == \
                    each.generate_presigned_url("put_object", Params=dict(params))
    assert len(_boto3._QUERY_TEXT) <= _boto3._TEXT_LIMIT
    tables = [_boto3._QUERY_TEXT, _boto3._HEADER_TEXT, _boto3._META_NAMES, _boto3._V4_VALUES]
    assert _boto3._V4_VALUES and _boto3._HEADER_TEXT  # the calls above went through them
    for secret in (sse_key, cases.TOKEN, cases.SECRET):
        assert not any(secret in key or secret in str(value) for table in tables for key, value in table.items())
