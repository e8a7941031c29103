"""AWS Signature Version 4A (SigV4A), query-string form, one function per step.

SigV4A signs with an ECDSA P-256 key instead of an HMAC chain, so one signature is valid in a
*set* of regions (``X-Amz-Region-Set``, ``*`` for all): S3 Multi-Region Access Points and
Outposts use it. Theory of operation (the SigV4A description in the AWS IAM user guide,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html, and
its reference implementation, aws-c-auth ``aws_signing.c`` / ``key_derivation.c``):

1. ``derive_private_key``: the signing key comes from the secret and the access key id through
   the NIST SP 800-108 KDF in counter mode with HMAC-SHA256 (``kdf_counter_mode``), keyed by
   ``"AWS4A" + secret``, over ``i || "AWS4-ECDSA-P256-SHA256" || 0x00 || access_key_id ||
   counter || L`` (i = 1 as 4 bytes, counter one byte from 1, L = 256 as 4 bytes). The 256-bit
   result c becomes the private scalar c + 1 when c <= n - 2 (n the P-256 group order); otherwise
   the counter goes up and it tries again. It depends only on the key id and secret: cache it.
2. ``canonical_request``: exactly SigV4's (``_sigv4``), with ``X-Amz-Region-Set`` among the signed
   query parameters (``_sigv4.auth_query_params(..., algorithm=ALGORITHM, region_set="*")``).
3. ``string_to_sign``: ``AWS4-ECDSA-P256-SHA256 \\n X-Amz-Date \\n DATE/SERVICE/aws4_request \\n
   hex(sha256(canonical request))``: the scope has no region.
4. ``signature``: ECDSA P-256 over SHA-256 of the string to sign, DER-encoded, in hex. ECDSA is
   randomized, so two signatures of the same string differ; both verify (``verify``).

Steps 1-3 are standard library. Step 4 and the public key need the ``cryptography`` package (the
``s3presign[sigv4a]`` extra): it is imported only here, only when a SigV4A URL is made, so plain
SigV4 never loads it. Without it the error says how to install it.

A pure layer: imports ``_sigv4`` and ``_errors``.
"""

from __future__ import annotations

from ._errors import ConfigurationError
from ._sigv4 import builtin_sha256 as sha256
from ._sigv4 import hmac_sha256

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "ALGORITHM",
    "P256_ORDER",
    "credential_scope",
    "derive_private_key",
    "kdf_counter_mode",
    "private_key",
    "public_key_xy",
    "signature",
    "string_to_sign",
    "verify",
]

ALGORITHM = "AWS4-ECDSA-P256-SHA256"
# The order n of the NIST P-256 group (FIPS 186-4, D.1.2.3).
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_MISSING = ("SigV4A (Multi-Region Access Points, Outposts) needs the cryptography package: "
            "pip install 's3presign[sigv4a]'")


def kdf_counter_mode(key: bytes, label: bytes, context: bytes, counter: int) -> bytes:
    """NIST SP 800-108 section 5.1, one 256-bit block: ``HMAC(key, [1]_32 || label || 0x00 || context || [L]_32)``.

    AWS puts its own one-byte counter at the end of the context (``context = key id || counter``).
    """
    fixed_input = (1).to_bytes(4, "big") + label + b"\x00" + context + bytes([counter]) + (256).to_bytes(4, "big")
    return hmac_sha256(key, fixed_input)


def derive_private_key(access_key_id: str, secret_access_key: str) -> int:
    """Step 1: the ECDSA private scalar for these credentials, ``derive_private_key("AKID", "SECRET")``."""
    key = ("AWS4A" + secret_access_key).encode("utf-8")
    for counter in range(1, 255):
        c = int.from_bytes(kdf_counter_mode(key, ALGORITHM.encode(), access_key_id.encode("utf-8"), counter), "big")
        if c <= P256_ORDER - 2:
            return c + 1
    raise ConfigurationError("cannot derive a SigV4A key from these credentials")  # p < 2**-8000


def credential_scope(date_stamp: str, service: str = "s3") -> str:
    """``credential_scope("20150830", "s3") == "20150830/s3/aws4_request"``: no region in SigV4A."""
    return f"{date_stamp}/{service}/aws4_request"


def string_to_sign(amz_date: str, scope: str, canonical_request_text: str) -> str:
    """Step 3: ``string_to_sign("20150830T123600Z", scope, creq)``."""
    digest = sha256(canonical_request_text.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def _ec() -> Any:
    try:
        from cryptography.hazmat.primitives.asymmetric import ec
    except ImportError:
        raise ConfigurationError(_MISSING) from None
    return ec


def private_key(access_key_id: str, secret_access_key: str) -> Any:
    """The derived key as a ``cryptography`` EC private key (needs the ``sigv4a`` extra)."""
    ec = _ec()
    return ec.derive_private_key(derive_private_key(access_key_id, secret_access_key), ec.SECP256R1())


def public_key_xy(access_key_id: str, secret_access_key: str) -> tuple[int, int]:
    """The derived public key's affine coordinates (what the test suite's ``public-key.json`` holds)."""
    numbers = private_key(access_key_id, secret_access_key).public_key().public_numbers()
    return numbers.x, numbers.y


def signature(key: Any, string_to_sign_text: str) -> str:
    """Step 4: hex DER ECDSA-P256-SHA256 signature of the string to sign, ``signature(private_key(...), sts)``."""
    from cryptography.hazmat.primitives import hashes

    return key.sign(string_to_sign_text.encode("utf-8"), _ec().ECDSA(hashes.SHA256())).hex()  # type: ignore[no-any-return]


def verify(public_key: Any, string_to_sign_text: str, signature_hex: str) -> bool:
    """Whether ``signature_hex`` signs the string under ``public_key`` (a cryptography EC public key)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes

    try:
        public_key.verify(bytes.fromhex(signature_hex), string_to_sign_text.encode("utf-8"),
                          _ec().ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True
