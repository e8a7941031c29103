"""``s3presign cloudfront``: the same URLs as ``aws cloudfront sign`` (AWS CLI v2) for the same
command line, the output forms, many URLs, settings from the profile and environment, errors
and exit codes; ``inspect``/``verify``/``explain`` on URLs made by botocore and by hand.

AWS CLI v2 is found through ``S3PRESIGN_AWS2`` (its ``aws``) or ``.venv-awscli2`` (``make awscli2``).
It starts in about half a second, so the normal run signs 48 generated cases with it;
``S3PRESIGN_CLOUDFRONT_AWS_CASES=500`` runs more.
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import os
import random
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from s3presign.cli import main
from tests.cloudfront_keys import Keys
from tests.test_cloudfront import botocore_signer, query

ROOT = Path(__file__).resolve().parents[1]
AWS_CASES = int(os.environ.get("S3PRESIGN_CLOUDFRONT_AWS_CASES", "48"))
PIECES = ("a", "b c", "ü", "日本", "x+y", "%20", "~u", "(1)", "€", "seg-0001.ts")


_GIVEN_AWS2 = os.environ.get("S3PRESIGN_AWS2")  # read at import: the home fixture clears S3PRESIGN_*


def aws2() -> str | None:
    given = _GIVEN_AWS2
    if given:
        return given
    for local in (ROOT / ".venv-awscli2" / "aws", ROOT / ".venv-awscli2" / "bin" / "aws"):  # install.sh makes DIR/aws
        if local.exists():
            return str(local)
    return None


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _aws_cases(keys: Keys) -> list[list[str]]:
    rng = random.Random("aws-cloudfront-sign")
    cases = []
    for n in range(AWS_CASES):
        host = rng.choice(("https://d111111abcdef8.cloudfront.net", "https://cdn.example.com", "http://127.0.0.1:9"))
        url = host + "/" + "/".join(rng.choice(PIECES) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.4:
            url += "?" + "&".join(f"{rng.choice(('size', 'v', 'ü'))}={rng.choice(PIECES)}" for _ in range(rng.randint(1, 2)))
        expires = 1_900_000_000 + rng.randint(0, 10 ** 8)  # after 2030: in the future for both tools
        day = datetime.datetime.fromtimestamp(expires, datetime.timezone.utc)
        date = rng.choice([str(expires), day.strftime("%Y-%m-%d"), day.strftime("%Y-%m-%dT%H:%M:%S"),
                           day.strftime("%Y-%m-%dT%H:%M:%S") + rng.choice(["+02:00", "-05:30", "+00:00"])])
        argv = ["--url", url, "--key-pair-id", rng.choice(["K2JCJMDEHXQW5F", "APKAEXAMPLE"]),
                "--private-key", f"file://{keys.rsa_pkcs1 if n % 2 else keys.rsa_pkcs8}", "--date-less-than", date]
        kind = n % 4
        if kind in (1, 3):
            start = expires - rng.randint(60, 10 ** 7)
            argv += ["--date-greater-than", rng.choice([str(start), datetime.datetime.fromtimestamp(
                start, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")])]
        if kind in (2, 3):
            argv += ["--ip-address", rng.choice(["192.0.2.1", "198.51.100.0/24", "2001:db8::/32", "10.0.0.0/8"])]
        cases.append(argv)
    return cases


def test_same_urls_as_aws_cloudfront_sign(cf_keys: Keys, home: Path) -> None:
    aws = aws2()
    if aws is None:
        if os.environ.get("CI"):
            pytest.fail("AWS CLI v2 is missing: make awscli2, or set S3PRESIGN_AWS2")
        pytest.skip("AWS CLI v2 not installed (make awscli2, or S3PRESIGN_AWS2=path/to/aws)")
    env = {**os.environ, "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"), "AWS_PAGER": ""}
    env.pop("PYTHONPATH", None)
    cases = _aws_cases(cf_keys)

    def theirs(argv: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([aws, "cloudfront", "sign", *argv], env=env, capture_output=True, text=True, timeout=120)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(theirs, cases))
    custom = 0
    for argv, done in zip(cases, results):
        assert done.returncode == 0, done.stderr
        code, out, err = run(["cloudfront", *argv])
        assert code == 0, err
        assert out == done.stdout + "\n", argv  # aws writes no newline after the URL
        custom += "Policy=" in out
    assert 0 < custom < len(cases)


def test_aws_refuses_an_ec_key_we_sign_it(cf_keys: Keys, home: Path) -> None:
    code, out, err = run(["cloudfront", "https://d1.example/a", "--key-pair-id", "K", "--private-key",
                          f"file://{cf_keys.ec_sec1}", "--date-less-than", "2031-01-01"])
    assert code == 0 and out.rstrip().endswith("&Key-Pair-Id=K&Hash-Algorithm=SHA256")
    aws = aws2()
    if aws is not None:
        done = subprocess.run([aws, "cloudfront", "sign", "--url", "https://d1.example/a", "--key-pair-id", "K",
                               "--private-key", f"file://{cf_keys.ec_sec1}", "--date-less-than", "2031-01-01"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode != 0


# -- outputs, many URLs, settings -------------------------------------------------------------------


def _fixed(argv: list[str], keys: Keys) -> list[str]:
    return ["cloudfront", *argv, "--key-pair-id", "KCLI", "--private-key", str(keys.rsa_pkcs8)]


def test_outputs_agree_with_botocore(cf_keys: Keys, home: Path) -> None:
    url = "https://d1.example/dir/ü b.jpg?v=2"
    theirs = botocore_signer(cf_keys.rsa_pkcs8, "KCLI")
    expected = theirs.generate_presigned_url(url, date_less_than=datetime.datetime(2031, 1, 1))
    code, out, _ = run(_fixed([url, "--date-less-than", "2031-01-01"], cf_keys))
    assert (code, out) == (0, expected + "\n")
    code, out, _ = run(_fixed([url, "--date-less-than", "2031-01-01", "--output", "json"], cf_keys))
    facts = json.loads(out)
    assert facts["url"] == expected and facts["expires_at"] == "2031-01-01T00:00:00Z" and facts["policy"] == "canned"
    code, out, _ = run(_fixed([url, "--date-less-than", "2031-01-01", "--output", "curl"], cf_keys))
    assert out.startswith("curl ") and f"'{expected}'" in out
    resource = "https://d1.example/dir/*"
    policy = theirs.build_policy(resource, datetime.datetime(2031, 1, 1))
    signed = theirs.generate_presigned_url(url, policy=policy)
    code, out, _ = run(_fixed([url, "--date-less-than", "2031-01-01", "--resource", resource], cf_keys))
    assert out == signed + "\n"
    code, out, _ = run(_fixed([url, "--date-less-than", "2031-01-01", "--policy-resource", resource, "--output",
                               "cookies", "--cookie-domain", "d1.example"], cf_keys))
    q = query(signed)
    assert out.splitlines() == [
        f"Set-Cookie: CloudFront-Policy={q['Policy']}; Domain=d1.example; Path=/; Secure; HttpOnly",
        f"Set-Cookie: CloudFront-Signature={q['Signature']}; Domain=d1.example; Path=/; Secure; HttpOnly",
        "Set-Cookie: CloudFront-Key-Pair-Id=KCLI; Domain=d1.example; Path=/; Secure; HttpOnly"]


def test_many_urls_in_order_with_bad_lines(cf_keys: Keys, home: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    theirs = botocore_signer(cf_keys.rsa_pkcs8, "KCLI")
    urls = [f"https://d1.example/{i}/ü" for i in range(200)]
    lines = "\ufeff" + "\n".join(urls[:100]) + "\n\n  \nhttps://x/frag#x\n" + "\r\n".join(urls[100:]) + "\n"
    (tmp_path / "in.txt").write_text(lines)
    expected = [theirs.generate_presigned_url(u, date_less_than=datetime.datetime(2031, 1, 1)) for u in urls]
    for jobs in ("1", "2"):
        code, out, err = run(_fixed(["--input", str(tmp_path / "in.txt"), "--date-less-than", "2031-01-01",
                                     "--keep-going", "--jobs", jobs], cf_keys))
        assert code == 252 and out.splitlines() == expected
        assert err == ("s3presign: error: line 103: the URL 'https://x/frag#x' has a fragment (#...): browsers "
                       "never send it, so CloudFront would check another URL; sign the URL without it\n")
    code, out, err = run(_fixed(["--input", str(tmp_path / "in.txt"), "--date-less-than", "2031-01-01"], cf_keys))
    assert code == 252 and out.splitlines() == expected[:100]  # stops at the bad line
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO("\n".join(urls[:3]).encode())))
    code, out, err = run(_fixed(["-", "--date-less-than", "2031-01-01", "--output", "jsonl"], cf_keys))
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["uri"] for r in rows] == urls[:3] and [r["url"] for r in rows] == expected[:3]
    assert {r["expires_at"] for r in rows} == {"2031-01-01T00:00:00Z"}


def test_key_settings_from_profile_and_environment(cf_keys: Keys, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://d1.example/a"
    expected = botocore_signer(cf_keys.rsa_pkcs1, "KPROF").generate_presigned_url(
        url, date_less_than=datetime.datetime(2031, 1, 1))
    (home / ".aws" / "config").write_text(f"[profile cdn]\ns3presign_cloudfront_key_pair_id = KPROF\n"
                                          f"s3presign_cloudfront_private_key = {cf_keys.rsa_pkcs1}\n")
    assert run(["cloudfront", url, "--date-less-than", "2031-01-01", "--profile", "cdn"])[1] == expected + "\n"
    monkeypatch.setenv("AWS_PROFILE", "cdn")
    assert run(["cloudfront", url, "--date-less-than", "2031-01-01"])[1] == expected + "\n"
    monkeypatch.delenv("AWS_PROFILE")
    monkeypatch.setenv("S3PRESIGN_CLOUDFRONT_KEY_PAIR_ID", "KPROF")
    monkeypatch.setenv("S3PRESIGN_CLOUDFRONT_PRIVATE_KEY", cf_keys.rsa_pkcs1.read_text())  # PEM in the variable
    assert run(["cloudfront", url, "--date-less-than", "2031-01-01"])[1] == expected + "\n"
    monkeypatch.delenv("S3PRESIGN_CLOUDFRONT_PRIVATE_KEY")
    code, _, err = run(["cloudfront", url])
    assert code == 253 and "no CloudFront private key" in err


@pytest.mark.parametrize(("argv", "code", "text"), [
    (["--date-less-than", "2001-01-01"], 252, "is in the past"),
    (["--date-less-than", "soon"], 252, "is not a date"),
    (["--expires-in", "0"], 252, "positive whole number"),
    (["--expires-in", "60", "--date-less-than", "2031-01-01"], 252, "not both"),
    (["--expires-in", "60", "--date-greater-than", "2099-01-01"], 252, "not before the expiry"),
    (["--ip-address", "300.1.1.1"], 252, "not an IP address"),
    (["--hash-algorithm", "md5"], 252, "sha1 or sha256"),
    (["--output", "xml"], 252, "--output must be"),
    (["--bogus"], 252, "unknown option --bogus"),
])
def test_bad_command_lines(cf_keys: Keys, home: Path, argv: list[str], code: int, text: str) -> None:
    got, out, err = run(_fixed(["https://d1.example/a", *argv], cf_keys))
    assert got == code and out == "" and text in err and err.count("\n") == 1, err


def test_key_errors_and_the_key_never_shows(cf_keys: Keys, home: Path, tmp_path: Path) -> None:
    pem_lines = cf_keys.rsa_pkcs8.read_text().splitlines()[1:-1]
    for key, text in ((cf_keys.rsa_4096, "RSA 4096"), (tmp_path / "none.pem", "No such file"),
                      (cf_keys.rsa_public, "public key"), (cf_keys.encrypted, "encrypted")):
        code, out, err = run(["cloudfront", "https://d1.example/a", "--key-pair-id", "K", "--private-key", str(key)])
        assert code == 253 and text in err and "Traceback" not in err
    code, out, err = run(_fixed(["https://d1.example/a", "--debug", "--ip-address", "192.0.2.1"], cf_keys))
    assert code == 0 and "policy (signed):" in err and '"AWS:SourceIp":"192.0.2.1/32"' in err
    code2, out2, err2 = run(["cloudfront", "https://d1.example/a", "--debug", "--key-pair-id", "K", "--private-key",
                             cf_keys.rsa_pkcs8.read_text()])  # the PEM itself on the command line, as aws allows
    assert code2 == 0
    shown = out + err + out2 + err2
    assert not any(line in shown for line in pem_lines)


# -- inspect, verify, explain ------------------------------------------------------------------------


def _sha256_rsa_url_without_hash_param(keys: Keys) -> str:
    """A URL signed with SHA-256 by cryptography directly, then given without Hash-Algorithm."""
    key = serialization.load_pem_private_key(keys.rsa_pkcs8.read_bytes(), password=None)
    policy = ('{"Statement":[{"Resource":"https://d1.example/a","Condition":{"DateLessThan":'
              '{"AWS:EpochTime":1924992000}}}]}').encode()
    signature = key.sign(policy, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr, call-arg]
    b64 = base64.b64encode(signature).decode().replace("+", "-").replace("=", "_").replace("/", "~")
    return f"https://d1.example/a?Expires=1924992000&Signature={b64}&Key-Pair-Id=KV"


def test_verify_and_explain(cf_keys: Keys, home: Path) -> None:
    theirs = botocore_signer(cf_keys.rsa_pkcs8, "KV")
    good = theirs.generate_presigned_url("https://d1.example/a?x=1", date_less_than=datetime.datetime(2031, 1, 1))
    expired = theirs.generate_presigned_url("https://d1.example/a", date_less_than=datetime.datetime(2021, 1, 1))
    early = theirs.generate_presigned_url("https://d1.example/a", policy=theirs.build_policy(
        "https://d1.example/a", datetime.datetime(2035, 1, 1), date_greater_than=datetime.datetime(2034, 1, 1)))
    ip = theirs.generate_presigned_url("https://d1.example/a", policy=theirs.build_policy(
        "https://d1.example/a", datetime.datetime(2035, 1, 1), ip_address="192.0.2.0/24"))
    wildcard = theirs.generate_presigned_url("https://d1.example/v/1.ts", policy=theirs.build_policy(
        "https://d1.example/v/*", datetime.datetime(2035, 1, 1)))
    public = ["--public-key", str(cf_keys.rsa_public)]

    def verdict(url: str, *more: str) -> tuple[int, str, str]:
        code, out, err = run(["verify", url, *more, "--output", "json"])
        facts = json.loads(out) if out else {}
        return code, facts.get("status", ""), facts.get("reason", "") + err

    assert verdict(good, *public)[:2] == (0, "valid")
    assert verdict(good, "--private-key", str(cf_keys.rsa_pkcs1))[:2] == (0, "valid")  # the private key's public half
    assert verdict(good.replace("x=1", "x=2"), *public)[:2] == (1, "invalid")  # tampered query
    assert verdict(expired, *public)[:2] == (1, "expired")
    assert verdict(early, *public)[:2] == (1, "not-yet-valid")
    assert verdict(ip, *public, "--client-ip", "192.0.2.77")[:2] == (0, "valid")
    assert verdict(ip, *public, "--client-ip", "203.0.113.1")[:2] == (1, "invalid")
    assert verdict(wildcard, *public)[:2] == (0, "valid")
    assert verdict(wildcard, *public, "--url", "https://d1.example/w/1.ts")[:2] == (1, "invalid")
    assert "another key pair" in verdict(good, "--public-key", str(cf_keys.other_rsa), "--key-pair-id", "KX")[2]
    assert verdict(good, "--public-key", str(cf_keys.other_rsa))[:2] == (1, "invalid")
    assert verdict(good)[:2] == (253, "unknown")
    lacking = _sha256_rsa_url_without_hash_param(cf_keys)
    code, status, reason = verdict(lacking, *public)
    assert (code, status) == (1, "invalid") and "lacks Hash-Algorithm=SHA256" in reason
    assert verdict(lacking + "&Hash-Algorithm=SHA256", *public)[:2] == (0, "valid")

    code, out, _ = run(["explain", ip, *public, "--client-ip", "203.0.113.1", "--output", "json"])
    causes = json.loads(out)["causes"]
    assert any("allows 192.0.2.0/24 only" in c for c in causes)
    code, out, _ = run(["explain", expired, "--output", "table"])
    assert "expired at 2021-01-01T00:00:00Z" in out
    v6 = theirs.generate_presigned_url("https://d1.example/a", policy=theirs.build_policy(
        "https://d1.example/a", datetime.datetime(2035, 1, 1), ip_address="2001:db8::1"))
    assert "2**96" in run(["explain", v6, "--output", "json"])[1]

    code, out, _ = run(["inspect", ip, "--output", "json"])
    facts = json.loads(out)
    assert facts["ip_address"] == "192.0.2.0/24" and facts["policy"] == "custom" and facts["key_pair_id"] == "KV"
    assert facts["expires_at"] == "2035-01-01T00:00:00Z"
    code, _, err = run(["inspect", good.replace("Signature=", "Signature=%%%"), "--output", "json"])
    assert code == 252 and err.count("\n") == 1


def test_verify_cookies(cf_keys: Keys, home: Path) -> None:
    code, out, _ = run(["cloudfront", "https://d1.example/v/1.ts", "--resource", "https://d1.example/v/*",
                        "--key-pair-id", "KEC", "--private-key", str(cf_keys.ec_pkcs8), "--output", "cookies"])
    header = "; ".join(line.split(": ", 1)[1].split(";", 1)[0] for line in out.splitlines())
    assert "CloudFront-Hash-Algorithm=SHA256" in header
    public = ["--public-key", str(cf_keys.ec_public), "--output", "json"]
    assert json.loads(run(["verify", header, "--url", "https://d1.example/v/2.ts", *public])[1])["status"] == "valid"
    assert json.loads(run(["verify", header, "--url", "https://d1.example/x.ts", *public])[1])["status"] == "invalid"
    without = header.replace("; CloudFront-Hash-Algorithm=SHA256", "")
    assert "lack the CloudFront-Hash-Algorithm" in run(["verify", without, "--url", "https://d1.example/v/2.ts",
                                                        *public])[1]
    # ECDSA over the same policy checks out under cryptography as well.
    cookies = dict(p.split("=", 1) for p in header.split("; "))
    pol = base64.b64decode(cookies["CloudFront-Policy"].replace("-", "+").replace("_", "=").replace("~", "/"))
    sig = base64.b64decode(cookies["CloudFront-Signature"].replace("-", "+").replace("_", "=").replace("~", "/"))
    serialization.load_pem_public_key(cf_keys.ec_public.read_bytes()).verify(  # type: ignore[union-attr, call-arg]
        sig, pol, ec.ECDSA(hashes.SHA256()))
