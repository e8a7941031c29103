"""CloudFrontSigner: RSA/SHA-1 byte for byte with botocore's CloudFrontSigner (over cryptography),
ECDSA and SHA-256 verified by cryptography and by ``openssl dgst -verify``, cookies equal to URLs,
one-line errors, and the private key kept out of every repr and message.

More generated cases on demand: ``S3PRESIGN_CLOUDFRONT_CASES=5000``.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import pickle
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from botocore.signers import CloudFrontSigner as BotocoreSigner
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

import s3presign
from s3presign import CloudFrontKeyError, CloudFrontSigner, InvalidRequestError
from tests.cloudfront_keys import Keys

NOW = 1_800_000_000  # 2027-01-15T08:00:00Z
CASES = int(os.environ.get("S3PRESIGN_CLOUDFRONT_CASES", "300"))
HOSTS = ("https://d111111abcdef8.cloudfront.net", "https://cdn.example.com", "http://127.0.0.1:8080")
PIECES = ("a", "b c", "ü", "日本", "photo.jpg", "x+y", "%20", "~user", "(1)", "a=b", "%E2%82%AC", "€", "dir/", "a*b",
          "q?", "\"quote\"", "back\\slash")


def botocore_signer(key_path: Path, key_pair_id: str = "K2JCJMDEHXQW5F") -> BotocoreSigner:
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    return BotocoreSigner(key_pair_id, lambda m: key.sign(m, padding.PKCS1v15(), hashes.SHA1()))  # type: ignore[union-attr, call-arg]


def random_url(rng: random.Random) -> str:
    path = "/".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4)))
    url = f"{rng.choice(HOSTS)}/{path}"
    if rng.random() < 0.4:
        url += "?" + "&".join(f"{rng.choice(('size', 'v', 'ü', 'a b'))}={rng.choice(PIECES)}"
                              for _ in range(rng.randint(1, 3)))
    return url


def b64cf_decode(text: str) -> bytes:
    """The test's own reading of CloudFront base64 (AWS: + = / become - _ ~)."""
    return base64.b64decode(text.replace("-", "+").replace("_", "=").replace("~", "/"))


def query(url: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in url.rsplit("?", 1)[-1].split("&") if "=" in part)


# -- RSA/SHA-1: byte for byte with botocore --------------------------------------------------------


@pytest.mark.parametrize("key_format", ["rsa_pkcs1", "rsa_pkcs8"])
def test_generated_urls_equal_botocore(cf_keys: Keys, key_format: str) -> None:
    key_path = getattr(cf_keys, key_format)
    ours = CloudFrontSigner("K2JCJMDEHXQW5F", key_path)
    theirs = botocore_signer(key_path)
    rng = random.Random(f"cloudfront-{key_format}")
    kinds = {"canned": 0, "custom": 0}
    for _ in range(CASES):
        url = random_url(rng)
        expires = NOW + rng.randint(1, 10 ** 8)
        expires_dt = datetime.datetime.fromtimestamp(expires, datetime.timezone.utc)
        naive = rng.random() < 0.3  # botocore reads a naive datetime as UTC
        expires_at: datetime.datetime | int = expires_dt.replace(tzinfo=None) if naive else (
            expires_dt if rng.random() < 0.5 else expires)
        custom = rng.random() < 0.5
        if not custom:
            expected = theirs.generate_presigned_url(url, date_less_than=expires_dt)
            got = ours.sign_url(url, expires_at=expires_at, now=NOW)
            kinds["canned"] += 1
        else:
            starts = rng.choice([None, NOW - rng.randint(0, 10 ** 6), NOW + rng.randint(1, 1000)])
            ip = rng.choice([None, "192.0.2.1", "198.51.100.0/24", "10.0.0.0/8", "2001:db8::/48", "0.0.0.0/0"])
            if starts is None and ip is None:
                ip = "203.0.113.7"
            starts_dt = None if starts is None else datetime.datetime.fromtimestamp(starts, datetime.timezone.utc)
            policy = theirs.build_policy(url, expires_dt, date_greater_than=starts_dt, ip_address=ip)
            expected = theirs.generate_presigned_url(url, policy=policy)
            got = ours.sign_url(url, expires_at=expires_at, starts_at=starts_dt, ip_address=ip, now=NOW)
            kinds["custom"] += 1
        assert got == expected, url
    assert min(kinds.values()) > CASES // 4


def test_wildcard_resource_equals_botocore_policy(cf_keys: Keys) -> None:
    theirs = botocore_signer(cf_keys.rsa_pkcs8)
    ours = CloudFrontSigner("K2JCJMDEHXQW5F", cf_keys.rsa_pkcs8)
    url = "https://d111111abcdef8.cloudfront.net/videos/ep1/seg-0001.ts"
    resource = "https://d111111abcdef8.cloudfront.net/videos/*"
    expires = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    policy = theirs.build_policy(resource, expires)
    assert ours.sign_url(url, expires_at=expires, resource=resource, now=NOW) == theirs.generate_presigned_url(
        url, policy=policy)
    # A * in the URL itself stays literal in a canned policy, as botocore signs it; for cookies a
    # * resource is a pattern, so a custom policy.
    star = "https://d111111abcdef8.cloudfront.net/a*"
    assert ours.sign_url(star, expires_at=expires, now=NOW) == theirs.generate_presigned_url(star, date_less_than=expires)
    assert "CloudFront-Policy" in ours.sign_cookies(star, expires_at=expires, now=NOW)


def test_published_policy_text() -> None:
    """The canned policy statement as the AWS developer guide prints it (whitespace removed)."""
    from s3presign._cloudfront import canned_policy, custom_policy

    assert canned_policy("https://d111111abcdef8.cloudfront.net/horizon.jpg?size=large&license=yes", 1357034400) == (
        '{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/horizon.jpg?size=large&license=yes",'
        '"Condition":{"DateLessThan":{"AWS:EpochTime":1357034400}}}]}')
    assert custom_policy("https://d111111abcdef8.cloudfront.net/game_download.zip", 1357034400,
                         date_greater_than=1356948000, ip_address="192.0.2.0/24") == (
        '{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/game_download.zip","Condition":'
        '{"DateLessThan":{"AWS:EpochTime":1357034400},"IpAddress":{"AWS:SourceIp":"192.0.2.0/24"},'
        '"DateGreaterThan":{"AWS:EpochTime":1356948000}}}]}')


def test_bare_ipv6_is_one_address_not_a_slash_32(cf_keys: Keys) -> None:
    ours = CloudFrontSigner("K", cf_keys.rsa_pkcs8)
    url = ours.sign_url("https://d1.example/a", expires_in=60, ip_address="2001:db8::1", now=NOW)
    policy = json.loads(b64cf_decode(query(url)["Policy"]))
    assert policy["Statement"][0]["Condition"]["IpAddress"] == {"AWS:SourceIp": "2001:db8::1/128"}
    # botocore appends /32 even for IPv6: that is the difference, on purpose.
    theirs = botocore_signer(cf_keys.rsa_pkcs8).build_policy("u", datetime.datetime(2030, 1, 1), ip_address="2001:db8::1")
    assert '"2001:db8::1/32"' in theirs


# -- ECDSA and SHA-256 -------------------------------------------------------------------------------


def _signed_pieces(url: str) -> tuple[bytes, bytes]:
    q = query(url)
    if "Policy" in q:
        return b64cf_decode(q["Policy"]), b64cf_decode(q["Signature"])
    resource = url[:url.index("Expires=") - 1]
    policy = ('{"Statement":[{"Resource":' + json.dumps(resource) +
              ',"Condition":{"DateLessThan":{"AWS:EpochTime":' + q["Expires"] + '}}}]}')
    return policy.encode(), b64cf_decode(q["Signature"])


@pytest.mark.parametrize("key_format", ["ec_sec1", "ec_pkcs8"])
def test_ecdsa_sha256_verifies_with_cryptography_and_openssl(cf_keys: Keys, key_format: str, tmp_path: Path) -> None:
    signer = CloudFrontSigner("KEC", getattr(cf_keys, key_format))
    assert signer.hash_algorithm == "sha256"
    public = serialization.load_pem_public_key(cf_keys.ec_public.read_bytes())
    openssl = shutil.which("openssl")
    if openssl is None and os.environ.get("CI"):
        pytest.fail("openssl is needed to check ECDSA signatures")
    for n, url in enumerate(["https://d1.example/a b/ü.jpg?size=large", "https://d1.example/x"]):
        for kwargs in ({"expires_in": 600}, {"expires_in": 600, "ip_address": "192.0.2.0/24"}):
            signed = signer.sign_url(url, now=NOW, **kwargs)  # type: ignore[arg-type]
            assert signed.endswith("&Key-Pair-Id=KEC&Hash-Algorithm=SHA256")
            policy, signature = _signed_pieces(signed)
            public.verify(signature, policy, ec.ECDSA(hashes.SHA256()))  # type: ignore[union-attr, call-arg]
            with pytest.raises(InvalidSignature):
                public.verify(signature, policy + b" ", ec.ECDSA(hashes.SHA256()))  # type: ignore[union-attr, call-arg]
            if openssl:
                (tmp_path / "policy").write_bytes(policy)
                (tmp_path / "sig").write_bytes(signature)
                done = subprocess.run([openssl, "dgst", "-sha256", "-verify", str(cf_keys.ec_public), "-signature",
                                       str(tmp_path / "sig"), str(tmp_path / "policy")], capture_output=True, text=True)
                assert done.returncode == 0 and "Verified OK" in done.stdout, done.stdout + done.stderr
                (tmp_path / "policy").write_bytes(policy.replace(b"600", b"601") + b"x")
                bad = subprocess.run([openssl, "dgst", "-sha256", "-verify", str(cf_keys.ec_public), "-signature",
                                      str(tmp_path / "sig"), str(tmp_path / "policy")], capture_output=True, text=True)
                assert bad.returncode != 0


def test_rsa_sha256_and_openssl(cf_keys: Keys, tmp_path: Path) -> None:
    signer = CloudFrontSigner("KRSA", cf_keys.rsa_pkcs1, hash_algorithm="SHA-256")
    signed = signer.sign_url("https://d1.example/a", expires_in=60, now=NOW)
    assert signed.endswith("&Hash-Algorithm=SHA256")
    policy, signature = _signed_pieces(signed)
    public = serialization.load_pem_public_key(cf_keys.rsa_public.read_bytes())
    public.verify(signature, policy, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr, call-arg]
    if shutil.which("openssl"):
        (tmp_path / "p").write_bytes(policy)
        (tmp_path / "s").write_bytes(signature)
        done = subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(cf_keys.rsa_public), "-signature",
                               str(tmp_path / "s"), str(tmp_path / "p")], capture_output=True, text=True)
        assert "Verified OK" in done.stdout
    # SHA-1 for an EC key, when asked: no Hash-Algorithm, SHA-1 signature.
    ec_sha1 = CloudFrontSigner("KEC", cf_keys.ec_pkcs8, hash_algorithm="sha1")
    signed = ec_sha1.sign_url("https://d1.example/a", expires_in=60, now=NOW)
    assert "Hash-Algorithm" not in signed
    policy, signature = _signed_pieces(signed)
    serialization.load_pem_public_key(cf_keys.ec_public.read_bytes()).verify(  # type: ignore[union-attr, call-arg]
        signature, policy, ec.ECDSA(hashes.SHA1()))


@pytest.mark.parametrize("key", ["rsa_pkcs8", "ec_pkcs8"])
@pytest.mark.parametrize("kwargs", [{"expires_in": 600}, {"expires_in": 600, "starts_at": NOW - 5},
                                    {"expires_at": NOW + 900, "ip_address": "198.51.100.0/24"}])
def test_cookies_carry_the_url_forms_policy_and_signature(cf_keys: Keys, key: str, kwargs: dict[str, int]) -> None:
    signer = CloudFrontSigner("KC", getattr(cf_keys, key))
    resource = "https://d1.example/private/photo.jpg"
    url_query = query(signer.sign_url(resource, now=NOW, **kwargs))  # type: ignore[arg-type]
    cookies = signer.sign_cookies(resource, now=NOW, **kwargs)  # type: ignore[arg-type]
    names = {name: f"CloudFront-{name}" for name in url_query}
    assert set(cookies) == set(names.values())
    for name in ("Expires", "Policy", "Key-Pair-Id", "Hash-Algorithm"):
        if name in url_query:
            assert cookies[names[name]] == url_query[name]
    if key.startswith("rsa"):  # deterministic: the very same signature
        assert cookies["CloudFront-Signature"] == url_query["Signature"]
    else:  # randomized: both verify over the same policy
        public = serialization.load_pem_public_key(cf_keys.ec_public.read_bytes())
        policy = b64cf_decode(url_query["Policy"]) if "Policy" in url_query else _signed_pieces(
            signer.sign_url(resource, now=NOW, **kwargs))[0]  # type: ignore[arg-type]
        for sig in (cookies["CloudFront-Signature"], url_query["Signature"]):
            public.verify(b64cf_decode(sig), policy, ec.ECDSA(hashes.SHA256()))  # type: ignore[union-attr, call-arg]
        assert cookies["CloudFront-Hash-Algorithm"] == "SHA256"


def test_set_cookie_headers(cf_keys: Keys) -> None:
    signer = CloudFrontSigner("KC", cf_keys.rsa_pkcs8)
    headers = signer.set_cookie_headers("https://d1.example/videos/*", expires_in=600, domain="d1.example",
                                        path="/videos/", now=NOW)
    cookies = signer.sign_cookies("https://d1.example/videos/*", expires_in=600, now=NOW)
    assert headers == [f"{n}={v}; Domain=d1.example; Path=/videos/; Secure; HttpOnly" for n, v in cookies.items()]
    assert [h.split("=", 1)[0] for h in headers] == ["CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"]
    plain = signer.set_cookie_headers("https://d1.example/a", expires_in=600, secure=False, http_only=False, now=NOW)
    assert plain[0].startswith("CloudFront-Expires=") and plain[0].endswith("; Path=/")
    with pytest.raises(InvalidRequestError, match="cookie domain"):
        signer.set_cookie_headers("https://d1.example/a", domain="x; Max-Age=9", now=NOW)


# -- many -----------------------------------------------------------------------------------------


def test_sign_many_equals_sign_url_in_order_on_every_job_count(cf_keys: Keys) -> None:
    signer = CloudFrontSigner("KM", cf_keys.rsa_pkcs8)
    theirs = botocore_signer(cf_keys.rsa_pkcs8, "KM")
    urls = [f"https://d1.example/{i}/ü b" for i in range(300)]
    expected = [theirs.generate_presigned_url(u, date_less_than=datetime.datetime.fromtimestamp(
        NOW + 600, datetime.timezone.utc)) for u in urls]
    for jobs in (1, 2, 3):
        assert list(signer.sign_many(iter(urls), expires_in=600, jobs=jobs, now=NOW)) == expected
    custom = list(signer.sign_many(urls[:70], expires_in=600, ip_address="192.0.2.9", jobs=2, now=NOW))
    assert all("Policy=" in u for u in custom) and len(custom) == 70


def test_sign_many_yields_the_urls_before_a_bad_one(cf_keys: Keys) -> None:
    signer = CloudFrontSigner("KM", cf_keys.rsa_pkcs8)
    urls = [f"https://d1.example/{i}" for i in range(200)]
    urls[150] = "https://d1.example/frag#ment"
    for jobs in (1, 2):
        got: list[str] = []
        with pytest.raises(InvalidRequestError, match="fragment"):
            for url in signer.sign_many(urls, expires_in=60, jobs=jobs, now=NOW):
                got.append(url)
        assert len(got) == 150
    with pytest.raises(InvalidRequestError, match="in the past"):  # shared conditions fail before any work
        signer.sign_many(urls, expires_at=NOW - 1, now=NOW)


# -- errors and secrets ------------------------------------------------------------------------------


def test_errors_are_one_line(cf_keys: Keys, tmp_path: Path) -> None:
    signer = CloudFrontSigner("K", cf_keys.rsa_pkcs8)
    cases = [
        (lambda: signer.sign_url("https://d1/a", expires_at=NOW - 1, now=NOW), InvalidRequestError, "in the past"),
        (lambda: signer.sign_url("https://d1/a", expires_at=NOW, now=NOW), InvalidRequestError, "in the past"),
        (lambda: signer.sign_url("https://d1/a", expires_in=0, now=NOW), InvalidRequestError, "positive"),
        (lambda: signer.sign_url("https://d1/a", expires_in=60, expires_at=NOW + 9, now=NOW), InvalidRequestError,
         "not both"),
        (lambda: signer.sign_url("https://d1/a", expires_in=60, starts_at=NOW + 60, now=NOW), InvalidRequestError,
         "not before the expiry"),
        (lambda: signer.sign_url("https://d1/a", ip_address="192.0.2.300", now=NOW), InvalidRequestError,
         "not an IP address"),
        (lambda: signer.sign_url("https://d1/a", ip_address="10.0.0.0/33", now=NOW), InvalidRequestError,
         "not an IP address"),
        (lambda: signer.sign_url("", now=NOW), InvalidRequestError, "non-empty"),
        (lambda: CloudFrontSigner("K", tmp_path / "missing.pem"), CloudFrontKeyError, "No such file"),
        (lambda: CloudFrontSigner("K", cf_keys.rsa_4096), CloudFrontKeyError, "RSA 4096"),
        (lambda: CloudFrontSigner("K", cf_keys.ec_p384), CloudFrontKeyError, "secp384r1"),
        (lambda: CloudFrontSigner("K", cf_keys.rsa_public), CloudFrontKeyError, "public key"),
        (lambda: CloudFrontSigner("K", cf_keys.encrypted), CloudFrontKeyError, "encrypted"),
        (lambda: CloudFrontSigner("K", b"-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n"),
         CloudFrontKeyError, "cannot be read"),
        (lambda: CloudFrontSigner("K", "not a key and not a file"), CloudFrontKeyError, "cannot read"),
        (lambda: CloudFrontSigner("K&x=1", cf_keys.rsa_pkcs8), CloudFrontKeyError, "key pair id"),
        (lambda: CloudFrontSigner("K", cf_keys.rsa_pkcs8, hash_algorithm="md5"), InvalidRequestError, "sha1 or sha256"),
    ]
    for call, kind, text in cases:
        with pytest.raises(kind) as caught:
            call()
        message = str(caught.value)
        assert text in message and "\n" not in message, message
        assert isinstance(caught.value, s3presign.Error)


def test_private_key_never_shows(cf_keys: Keys, capsys: pytest.CaptureFixture[str]) -> None:
    pem = cf_keys.rsa_pkcs8.read_text()
    body = "".join(pem.splitlines()[1:-1])
    for given in (pem, pem.encode(), cf_keys.rsa_pkcs8, str(cf_keys.rsa_pkcs8)):
        signer = CloudFrontSigner("KSECRET", given)  # type: ignore[arg-type]
        shown = repr(signer) + str(signer)
        assert "KSECRET" in shown and "RSA 2048" in shown
        assert body[:40] not in shown and body[-40:] not in shown
        assert not any(line in shown for line in pem.splitlines()[1:-1])
    with pytest.raises(TypeError, match="does not pickle"):
        pickle.dumps(signer)
    # Errors about a key name the file, never its contents.
    lines = pem.splitlines()
    damaged = "\n".join(lines[:3] + ["!" * 64] + lines[4:]) + "\n"
    assert damaged != pem
    with pytest.raises(CloudFrontKeyError) as caught:
        CloudFrontSigner("K", damaged)
    assert body[:40] not in str(caught.value) and "!!!!" not in str(caught.value)
    with pytest.raises(CloudFrontKeyError) as caught:
        CloudFrontSigner("K", cf_keys.rsa_4096)
    assert cf_keys.rsa_4096.read_text().splitlines()[1] not in str(caught.value)
    out = capsys.readouterr()
    assert body[:40] not in out.out + out.err


def test_import_does_not_load_cryptography() -> None:
    code = ("import sys, s3presign; assert 'cryptography' not in sys.modules; "
            "assert 's3presign._cloudfront' not in sys.modules; s3presign.CloudFrontSigner; "
            "assert 'cryptography' not in sys.modules; print('ok')")
    done = subprocess.run([os.sys.executable, "-c", code], capture_output=True, text=True,  # type: ignore[attr-defined]
                          env={**os.environ, "PYTHONPATH": str(Path(s3presign.__file__).parents[1])})
    assert done.stdout.strip() == "ok", done.stderr
