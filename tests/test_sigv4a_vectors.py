"""Each SigV4A step against the published AWS test suite (query-signing cases, ``vectors/.../v4a``).

ECDSA signatures are randomized, so a signature cannot equal the published one: ours must verify
under the suite's public key (which our key derivation must reproduce), and the suite's own
signature must verify under the same key over our string to sign.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from s3presign import _sigv4, _sigv4a
from s3presign._encoding import encode_path

from .test_sigv4_vectors import _parse_request, _s3_applies

SUITE = Path(__file__).parent / "vectors" / "aws-signing-test-suite" / "v4a"


CASES = sorted(p.name for p in SUITE.iterdir() if p.is_dir() and _s3_applies(p))


def _steps(case: str) -> dict[str, str]:
    folder = SUITE / case
    context = json.loads((folder / "context.json").read_text())
    method, path, params, headers, body = _parse_request((folder / "request.txt").read_text())
    creds = context["credentials"]
    amz_date = datetime.strptime(context["timestamp"], "%Y-%m-%dT%H:%M:%SZ").strftime("%Y%m%dT%H%M%SZ")
    scope = _sigv4a.credential_scope(amz_date[:8], context["service"])
    header_block, signed = _sigv4.canonical_headers(h for h in headers if h[0].lower() != "x-amz-date")
    query = params + _sigv4.auth_query_params(
        access_key_id=creds["access_key_id"], scope=scope, amz_date=amz_date,
        expires_in=context["expiration_in_seconds"], signed_headers=signed,
        session_token=None if context.get("omit_session_token") else creds.get("token"),
        algorithm=_sigv4a.ALGORITHM, region_set=context["region"],
    )
    payload_hash = hashlib.sha256(body if context["sign_body"] else b"").hexdigest()
    creq = _sigv4.canonical_request(method, encode_path(path), _sigv4.canonical_query_string(query), header_block,
                                    signed, payload_hash)
    return {"canonical_request": creq, "string_to_sign": _sigv4a.string_to_sign(amz_date, scope, creq)}


def _vector_public_key(case: str) -> ec.EllipticCurvePublicKey:
    xy = json.loads((SUITE / case / "public-key.json").read_text())
    return ec.EllipticCurvePublicNumbers(int(xy["X"], 16), int(xy["Y"], 16), ec.SECP256R1()).public_key()


def _credentials(case: str) -> tuple[str, str]:
    creds = json.loads((SUITE / case / "context.json").read_text())["credentials"]
    return creds["access_key_id"], creds["secret_access_key"]


@pytest.mark.parametrize("case", CASES)
def test_derived_public_key(case: str) -> None:
    xy = json.loads((SUITE / case / "public-key.json").read_text())
    assert _sigv4a.public_key_xy(*_credentials(case)) == (int(xy["X"], 16), int(xy["Y"], 16))


@pytest.mark.parametrize("case", CASES)
def test_canonical_request(case: str) -> None:
    assert _steps(case)["canonical_request"] == (SUITE / case / "query-canonical-request.txt").read_text()


@pytest.mark.parametrize("case", CASES)
def test_string_to_sign(case: str) -> None:
    assert _steps(case)["string_to_sign"] == (SUITE / case / "query-string-to-sign.txt").read_text()


@pytest.mark.parametrize("case", CASES)
def test_signatures_verify_under_the_vector_key(case: str) -> None:
    sts = _steps(case)["string_to_sign"]
    key = _vector_public_key(case)
    ours = _sigv4a.signature(_sigv4a.private_key(*_credentials(case)), sts)
    assert _sigv4a.verify(key, sts, ours)
    assert _sigv4a.verify(key, sts, (SUITE / case / "query-signature.txt").read_text().strip())
    # ... and a signature over anything else does not.
    assert not _sigv4a.verify(key, sts + "x", ours)
    assert not _sigv4a.verify(key, sts, ours[:-2] + ("00" if ours[-2:] != "00" else "01"))


def test_suite_covers_the_query_cases() -> None:
    assert len(CASES) >= 20
    assert "get-vanilla-with-session-token" in CASES
