"""SigV2 query signing against the S3 developer guide's example."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from s3presign import Credentials, Presigner, _sigv2

EXAMPLES = json.loads((Path(__file__).parent / "vectors" / "s3-published-examples.json").read_text())["sigv2_query"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["key"])
def test_string_to_sign_and_signature(example: dict[str, str]) -> None:
    resource = _sigv2.canonical_resource(example["bucket"], example["key"])
    sts = _sigv2.string_to_sign(example["method"], int(example["expires"]), resource)
    assert sts == example["string_to_sign"]
    assert _sigv2.signature(example["secret_access_key"], sts) == example["signature"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["key"])
def test_presigned_url(example: dict[str, str]) -> None:
    signer = Presigner(Credentials(example["access_key_id"], example["secret_access_key"]), signature_version="v2")
    now = datetime.fromtimestamp(int(example["expires"]) - 600, timezone.utc)
    assert signer.presign(example["bucket"], example["key"], expires_in=600, now=now) == example["url"]


def test_sub_resources_are_sorted_and_not_encoded() -> None:
    # From the developer guide: sub-resources join the resource sorted, values as they are.
    resource = _sigv2.canonical_resource("b", "k", [("versionId", "x/y"), ("acl", None)])
    assert resource == "/b/k?acl&versionId=x/y"
