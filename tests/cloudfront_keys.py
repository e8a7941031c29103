"""Test keys for CloudFront signing, made once per session by ``cryptography`` (never by s3presign)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


@dataclass(frozen=True)
class Keys:
    rsa_pkcs1: Path  # -----BEGIN RSA PRIVATE KEY-----
    rsa_pkcs8: Path  # the same key, -----BEGIN PRIVATE KEY-----
    rsa_public: Path
    ec_sec1: Path  # -----BEGIN EC PRIVATE KEY-----
    ec_pkcs8: Path
    ec_public: Path
    other_rsa: Path  # another RSA 2048 key (a wrong key)
    rsa_4096: Path
    ec_p384: Path
    encrypted: Path


def _private(key: object, fmt: serialization.PrivateFormat,
             encryption: serialization.KeySerializationEncryption | None = None) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, fmt,  # type: ignore[attr-defined, no-any-return]
                             encryption or serialization.NoEncryption())


def _public(key: object) -> bytes:
    return key.public_key().public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def make_keys(folder: Path) -> Keys:
    folder.mkdir(parents=True, exist_ok=True)
    r = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    e = ec.generate_private_key(ec.SECP256R1())
    files = {
        "rsa_pkcs1": _private(r, serialization.PrivateFormat.TraditionalOpenSSL),
        "rsa_pkcs8": _private(r, serialization.PrivateFormat.PKCS8),
        "rsa_public": _public(r),
        "ec_sec1": _private(e, serialization.PrivateFormat.TraditionalOpenSSL),
        "ec_pkcs8": _private(e, serialization.PrivateFormat.PKCS8),
        "ec_public": _public(e),
        "other_rsa": _private(rsa.generate_private_key(public_exponent=65537, key_size=2048),
                              serialization.PrivateFormat.PKCS8),
        "rsa_4096": _private(rsa.generate_private_key(public_exponent=65537, key_size=4096),
                             serialization.PrivateFormat.PKCS8),
        "ec_p384": _private(ec.generate_private_key(ec.SECP384R1()), serialization.PrivateFormat.PKCS8),
        "encrypted": _private(r, serialization.PrivateFormat.PKCS8,
                              serialization.BestAvailableEncryption(b"pass-phrase")),
    }
    paths = {}
    for name, data in files.items():
        path = folder / f"{name}.pem"
        path.write_bytes(data)
        path.chmod(0o600)
        paths[name] = path
    return Keys(**paths)


@pytest.fixture(scope="session")
def cf_keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("cloudfront-keys"))
