"""Each SigV4 step against the published AWS test suite (query-signing cases) and S3's example."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote

import pytest

from s3presign import Credentials, Presigner, _sigv4
from s3presign._encoding import encode_path

SUITE = Path(__file__).parent / "vectors" / "aws-signing-test-suite" / "v4"
EXAMPLES = json.loads((Path(__file__).parent / "vectors" / "s3-published-examples.json").read_text())


def _s3_applies(case: Path) -> bool:
    """S3 never normalizes paths: keep the cases whose path normalization would not change."""
    context = json.loads((case / "context.json").read_text())
    path = (case / "request.txt").read_text().split("\n")[0].split(" ", 1)[1].rsplit(" ", 1)[0].split("?")[0]
    return not context["normalize"] or ("/." not in path and "//" not in path)


CASES = sorted(p.name for p in SUITE.iterdir() if _s3_applies(p))


def _parse_request(text: str) -> tuple[str, str, list[tuple[str, str]], list[tuple[str, str]], bytes]:
    head, _, body = text.partition("\n\n")
    lines = [line for line in head.split("\n") if line]
    method, rest = lines[0].split(" ", 1)
    target = rest.rsplit(" ", 1)[0]  # the path may hold a space
    path, _, query = target.partition("?")
    params = [
        (unquote(k), unquote(v)) for k, _, v in (p.partition("=") for p in query.split("&") if p)
    ]
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1].isspace():  # a folded continuation of the previous header
            name, value = headers[-1]
            headers[-1] = (name, value + "\n" + line)
        else:
            name, _, value = line.partition(":")
            headers.append((name, value))
    return method, path, params, headers, body.encode()


def _steps(case: str) -> dict[str, str]:
    folder = SUITE / case
    context = json.loads((folder / "context.json").read_text())
    method, path, params, headers, body = _parse_request((folder / "request.txt").read_text())
    creds = context["credentials"]
    when = datetime.strptime(context["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    scope = _sigv4.credential_scope(amz_date[:8], context["region"], context["service"])
    header_block, signed = _sigv4.canonical_headers(h for h in headers if h[0].lower() != "x-amz-date")
    token = None if context.get("omit_session_token") else creds.get("token")
    query_params = params + _sigv4.auth_query_params(
        access_key_id=creds["access_key_id"],
        scope=scope,
        amz_date=amz_date,
        expires_in=context["expiration_in_seconds"],
        signed_headers=signed,
        session_token=token,
    )
    payload_hash = hashlib.sha256(body if context["sign_body"] else b"").hexdigest()

    creq = _sigv4.canonical_request(
        method, encode_path(path), _sigv4.canonical_query_string(query_params), header_block, signed, payload_hash
    )
    sts = _sigv4.string_to_sign(amz_date, scope, creq)
    key = _sigv4.signing_key(creds["secret_access_key"], amz_date[:8], context["region"], context["service"])
    return {"canonical_request": creq, "string_to_sign": sts, "signature": _sigv4.signature(key, sts)}


@pytest.mark.parametrize("case", CASES)
def test_canonical_request(case: str) -> None:
    assert _steps(case)["canonical_request"] == (SUITE / case / "query-canonical-request.txt").read_text()


@pytest.mark.parametrize("case", CASES)
def test_string_to_sign(case: str) -> None:
    assert _steps(case)["string_to_sign"] == (SUITE / case / "query-string-to-sign.txt").read_text()


@pytest.mark.parametrize("case", CASES)
def test_signature(case: str) -> None:
    assert _steps(case)["signature"] == (SUITE / case / "query-signature.txt").read_text().strip()


def test_suite_covers_the_s3_relevant_cases() -> None:
    # A case is left out exactly when its published canonical path is the normalized one and
    # differs from the path as sent (S3 never normalizes); read from the vectors, not the filter.
    for case in SUITE.iterdir():
        context = json.loads((case / "context.json").read_text())
        sent = (case / "request.txt").read_text().split("\n")[0].split(" ", 1)[1].rsplit(" ", 1)[0].split("?")[0]
        published = (case / "query-canonical-request.txt").read_text().split("\n")[1]
        s3_would_sign_it = not context["normalize"] or published == encode_path(sent)
        assert (case.name in CASES) == s3_would_sign_it, case.name
    assert len(CASES) >= 30


@pytest.mark.parametrize("example", EXAMPLES["sigv4_query"], ids=lambda e: e["key"])
def test_s3_reference_example(example: dict[str, object]) -> None:
    signer = Presigner(
        Credentials(str(example["access_key_id"]), str(example["secret_access_key"])),
        region=example["region"],  # type: ignore[arg-type]
    )
    now = datetime.strptime(str(example["timestamp"]), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    args = (str(example["bucket"]), str(example["key"]), str(example["method"]), int(example["expires_in"]))  # type: ignore[call-overload]
    assert signer.presign(*args, now=now) == example["url"]
    assert signer.presign_details(*args, now=now).url == example["url"]
