"""Presigned POST equals botocore's generate_presigned_post; the command's json, curl and html."""

from __future__ import annotations

import base64
import io
import json
import shlex
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3presign import Credentials, InvalidRequestError, Presigner
from s3presign.cli import ExitCode, main

from . import botocore_reference as ref
from .test_cli import SECRET

NOW = datetime(2026, 2, 3, 4, 5, 6, tzinfo=timezone.utc)

conditions = st.lists(st.sampled_from([
    ["content-length-range", 1, 10_485_760],
    ["starts-with", "$Content-Type", "image/"],
    {"acl": "private"},
    {"success_action_status": "201"},
    ["eq", "$x-amz-meta-owner", "alice"],
]), max_size=4, unique_by=json.dumps)


@given(key=st.sampled_from(["uploads/${filename}", "exact/name ü.txt", "${filename}", "a+b/c"]),
       conditions=conditions, version=st.sampled_from(["v4", "v2"]), token=st.sampled_from([None, "tok/+="]),
       region=st.sampled_from([None, "eu-west-1", "cn-north-1"]), style=st.sampled_from(["auto", "path"]),
       expires_in=st.integers(1, 604800))
def test_equals_botocore(key: str, conditions: list[object], version: str, token: str | None, region: str | None,
                         style: str, expires_in: int) -> None:
    fields = {"acl": "private"} if {"acl": "private"} in conditions else None
    ours = Presigner(Credentials("AKIDPOST", SECRET, token), region=region, addressing_style=style,
                     signature_version=version).presign_post("my-bucket", key, expires_in=expires_in,
                                                             conditions=conditions, fields=fields, now=NOW)
    theirs = ref.presign_post("my-bucket", key, fields=fields, conditions=list(conditions), expires_in=expires_in,
                              now=NOW, access_key_id="AKIDPOST", secret_access_key=SECRET, session_token=token,
                              region=region, addressing_style=style, signature_version=version)
    assert ours.url == theirs["url"]
    assert ours.fields == theirs["fields"]


def test_policy_and_expiry() -> None:
    post = Presigner(Credentials("AKIDPOST", SECRET), region="eu-west-1").presign_post(
        "my-bucket", "uploads/${filename}", expires_in=600, conditions=[["content-length-range", 1, 100]], now=NOW)
    assert post.expires_at == datetime(2026, 2, 3, 4, 15, 6, tzinfo=timezone.utc)
    assert post.policy["expiration"] == "2026-02-03T04:15:06Z"
    assert ["starts-with", "$key", "uploads/"] in post.policy["conditions"]  # type: ignore[operator]
    assert post.url == "https://my-bucket.s3.eu-west-1.amazonaws.com/"


def test_post_validation() -> None:
    signer = Presigner(Credentials("AKIDPOST", SECRET))
    with pytest.raises(InvalidRequestError, match="1 to 604800"):
        signer.presign_post("my-bucket", "k", expires_in=604801)
    with pytest.raises(InvalidRequestError, match="empty"):
        signer.presign_post("my-bucket", "", expires_in=60)


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    assert SECRET not in out.getvalue() + err.getvalue()
    return code, out.getvalue(), err.getvalue()


POST_ARGS = ["s3://my-bucket/uploads/${filename}", "--http-method", "POST", "--content-length-range", "1", "1048576",
             "--content-type-prefix", "image/", "--acl", "private", "--metadata", "owner=alice",
             "--success-action-status", "201", "--condition", '["starts-with", "$x-amz-meta-note", ""]',
             "--expires-in", "900"]


def test_command_json(keys: Path) -> None:
    code, out, _ = _cli(*POST_ARGS)
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"url", "fields", "expires_at", "credentials_expire_at"}
    policy = json.loads(base64.b64decode(data["fields"]["policy"]))
    assert policy["conditions"][:6] == [
        {"acl": "private"}, ["starts-with", "$Content-Type", "image/"], {"x-amz-meta-owner": "alice"},
        {"success_action_status": "201"}, ["content-length-range", 1, 1048576],
        ["starts-with", "$x-amz-meta-note", ""]]
    assert {k: data["fields"][k] for k in ("key", "acl", "x-amz-meta-owner", "success_action_status")} == {
        "key": "uploads/${filename}", "acl": "private", "x-amz-meta-owner": "alice", "success_action_status": "201"}


def test_command_curl(keys: Path) -> None:
    code, out, _ = _cli(*POST_ARGS, "--output", "curl")
    words = shlex.split(out)
    assert code == 0 and words[:3] == ["curl", "--globoff", "--fail-with-body"]
    assert "key=uploads/${filename}" in words and words[-3:-1] == ["-F", "file=@FILE"]
    assert words[-1].startswith("https://my-bucket.s3.amazonaws.com/")


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.action: str | None = None
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.action = attributes.get("action")
        if tag == "input":
            self.inputs.append(attributes)
        if tag in ("link", "img", "iframe") or (tag == "script" and attributes.get("src")):
            self.external.append(tag)


def test_command_html_is_self_contained(keys: Path) -> None:
    code, out, _ = _cli(*POST_ARGS, "--output", "html")
    assert code == 0
    form = _Form()
    form.feed(out)
    assert form.action == "https://my-bucket.s3.amazonaws.com/"
    names = [i.get("name") for i in form.inputs]
    assert names[-1] == "file" and "policy" in names and "Content-Type" in names
    assert form.external == []


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--content-length-range", "10", "1"], "MIN <= MAX"),
        (["--content-length-range", "1"], "needs two values"),
        (["--condition", "not json"], "JSON policy condition"),
        (["--content-type", "a", "--content-type-prefix", "b"], "not both"),
        (["--success-action-status", "302"], "200, 201 or 204"),
        (["--version-id", "v1"], "not available with --http-method POST"),
        (["--output", "url"], "json, curl or html"),
    ],
)
def test_bad_post_options(keys: Path, args: list[str], fragment: str) -> None:
    code, out, err = _cli("s3://my-bucket/up/${filename}", "--http-method", "POST", *args)
    assert (code, out) == (ExitCode.USAGE, "") and fragment in err
