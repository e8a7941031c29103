"""Fuzzing, bounded in time (a fixed number of examples per test, no network): random argv and
config text through the command, random strings and bytes through inspect, verify, explain and
the URI, XML and policy parsers, and random bulk input.

The properties: never a traceback, never an "unexpected" exit, always an exit code from the
documented set (0, 1 for verify, 252, 253), and memory that stays bounded."""

from __future__ import annotations

import io
import json
import resource
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from s3presign import Credentials, InvalidRequestError, Presigner
from s3presign._inspect import explain, inspect, parse_error, verify_with
from s3presign._post import check_condition
from s3presign._uri import parse_s3_uri
from s3presign.cli import HELP, main

from .conftest import SECRET

# Bounded in time: a fixed budget whatever the profile (the suite's "ci" profile asks 1000 per test).
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
DOCUMENTED = {0, 1, 252, 253}  # no network here, so no 254 (service) and no 255 (other)
GOOD = Presigner(Credentials("AKIDCLI", SECRET, "tok+/="), region="eu-west-1").presign(
    "my-bucket", "reports/q3 2026.csv", "PUT", 3600)


@pytest.fixture(autouse=True)
def offline(keys: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every service the configuration could name points at a closed loopback port."""
    for variable in ("AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")
    monkeypatch.setenv("S3PRESIGN_CREDENTIAL_PROCESS_TIMEOUT", "5")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 200, f"the process grew by {grown_mib:.0f} MiB"


def command(argv: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        code = main(argv, out=out, err=err)
    finally:
        sys.stdin = old
    text = err.getvalue()
    assert code in DOCUMENTED, (argv, code, text)
    assert "please report this" not in text, (argv, text)  # the bug path: "unexpected ..."
    if "--debug" not in argv:
        assert "Traceback" not in text, (argv, text)
    assert SECRET not in out.getvalue() + text
    return code, out.getvalue(), text


# -- argv -------------------------------------------------------------------------------------------------

OPTIONS = sorted({word.split("|")[0].rstrip(",") for word in HELP.split() if word.startswith("--")} - {
    "--recursive", "--input", "--debug"})  # no listing (network), no input file; --debug prints tracebacks
VALUES = st.sampled_from(["GET", "put", "POST", "v2", "v4", "path", "json", "curl", "html", "csv", "table", "0", "1",
                          "604800", "604801", "-5", "1e3", "9" * 40, "eu-west-1", "us-gov-west-1", "Mars_1",
                          "http://127.0.0.1:9000", "http://[::1]:99999", "https://[::1", "a=b", "Name: v", "*",
                          "AES256", "aws:kms", "aws:kms:dsse", '["starts-with", "$key", "a"]',
                          '["content-length-range", 5, 1]', "{}", "[", "x\x1b]0;t\x07", "é", "\udcff", ""])
WORDS = st.one_of(st.sampled_from(OPTIONS), VALUES, st.text(max_size=12),
                  st.sampled_from(["s3://b/k", "s3://my-bucket/up/${filename}", "b/k", "s3://", "inspect", "verify",
                                   "explain", "help", GOOD]))


@FUZZ
@given(argv=st.lists(WORDS, max_size=8))
def test_random_argv(argv: list[str]) -> None:
    assume(not argv or argv[0] not in ("-", "serve"))  # bulk input is fuzzed below; serve runs until stopped
    command(argv)


@FUZZ
@given(option=st.sampled_from(OPTIONS), value=st.one_of(VALUES, st.text(max_size=40)),
       method=st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD"]))
def test_each_option_with_random_values(option: str, value: str, method: str) -> None:
    key = "up/${filename}" if method == "POST" else "k"
    for output in ([] if method == "POST" else ["--output", "json"]), (["--output", "html"] if method == "POST" else []):
        command([f"s3://my-bucket/{key}", "--http-method", method, option, value, *output])


# -- configuration ---------------------------------------------------------------------------------------------

SETTINGS = st.sampled_from(["region", "endpoint_url", "s3", "addressing_style", "signature_version",
                            "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "role_arn",
                            "source_profile", "credential_source", "sso_session", "sso_start_url", "sso_region",
                            "sso_account_id", "sso_role_name", "web_identity_token_file", "duration_seconds",
                            "use_fips_endpoint", "use_dualstack_endpoint", "services", "ca_bundle",
                            "credential_process", "ignore_configured_endpoint_urls", "metadata_service_timeout"])
SETTING_VALUES = st.one_of(st.sampled_from(["", "eu-west-1", "Mars_1", "http://127.0.0.1:9", "ftp://x", "true",
                                            "virtual", "s3", "s3v4", "v9", "AKIDCLI", SECRET, "default", "p",
                                            "arn:aws:iam::123456789012:role/r", "Environment", "Bogus", "corp",
                                            "/nonexistent", "3600", "abc", "-1", "false", "true"]),
                           st.text(alphabet=st.characters(blacklist_characters="\n\r", blacklist_categories=["Cs"]),
                                   max_size=20))
HEADERS = st.sampled_from(["[default]", "[profile p]", "[p]", "[sso-session corp]", "[services s]", "[", "[]",
                           "[profile]"])


@st.composite
def config_text(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.integers(0, 5))
        if kind == 0:
            lines.append(draw(HEADERS))
        elif kind == 1:
            lines.append(draw(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)))
        else:
            name, value = draw(SETTINGS), draw(SETTING_VALUES)
            if name == "credential_process":  # it runs the command: only harmless ones
                value = draw(st.sampled_from(["false", "true", "/nonexistent", "'unclosed", ""]))
            indent = draw(st.sampled_from(["", "", "  "]))
            lines.append(f"{indent}{name} {draw(st.sampled_from(['=', ':', '']))} {value}")
    text = "\n".join(lines)
    assume("credential_process" not in text.replace("credential_process =", "").replace("credential_process :", ""))
    return text


@FUZZ
@given(config=config_text(), credentials=config_text(), profile=st.sampled_from([[], ["--profile", "p"]]),
       environment=st.booleans())
def test_random_config_files(keys: Path, monkeypatch: pytest.MonkeyPatch, config: str, credentials: str,
                             profile: list[str], environment: bool) -> None:
    (keys / ".aws" / "config").write_text(config, encoding="utf-8")
    (keys / ".aws" / "credentials").write_text(credentials, encoding="utf-8")
    with monkeypatch.context() as patch:
        if not environment:
            patch.delenv("AWS_ACCESS_KEY_ID")
            patch.delenv("AWS_SECRET_ACCESS_KEY")
        code, out, _ = command(["s3://my-bucket/k", *profile])
    assert code in (0, 252, 253)
    assert (code == 0) == out.startswith(("https://", "http://"))


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_config_bytes(keys: Path, data: bytes) -> None:
    assume(b"credential_process" not in data)
    (keys / ".aws" / "config").write_bytes(data)
    assert command(["s3://my-bucket/k", "--profile", "p"])[0] in (0, 253)


# -- inspect, verify, explain and the parsers -------------------------------------------------------------------


@st.composite
def mutated_url(draw: st.DrawFn) -> str:
    url = GOOD
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(url)))
        action = draw(st.integers(0, 2))
        piece = draw(st.one_of(st.text(max_size=6), st.sampled_from(["%", "%FF", "&", "=", "[", "]", ":99999", "/",
                                                                     "9" * 25, "\x1b", "\udcff"])))
        if action == 0:
            url = url[:at] + piece + url[at:]
        elif action == 1:
            url = url[:at] + url[at + len(piece) + 1:]
        else:
            url = url[:at] + piece + url[at + len(piece):]
    return url


URLS = st.one_of(mutated_url(), st.text(max_size=60), st.just(GOOD))
ERROR_BODIES = st.one_of(
    st.none(), st.text(max_size=80),
    st.builds(lambda code, message, canonical: (
        f"<Error><Code>{code}</Code><Message>{message}</Message><CanonicalRequest>{canonical}</CanonicalRequest>"
        "<StringToSign>AWS4-HMAC-SHA256\n20260101T000000Z\n20260101/x/s3/aws4_request\nab</StringToSign></Error>"),
        st.sampled_from(["SignatureDoesNotMatch", "AccessDenied", "InvalidAccessKeyId", "ExpiredToken",
                         "AuthorizationQueryParametersError", "PermanentRedirect", "X"]),
        st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="<&"), max_size=30),
        st.text(alphabet=st.characters(blacklist_categories=["Cs"], whitelist_characters="\n",
                                       blacklist_characters="<&\x00"), max_size=80)))


@FUZZ
@given(url=URLS, body=ERROR_BODIES, method=st.sampled_from([None, "GET", "PUT"]),
       headers=st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=2))
def test_inspect_verify_explain_library(url: str, body: str | None, method: str | None,
                                        headers: dict[str, str]) -> None:
    for call in (lambda: inspect(url), lambda: verify_with(url, SECRET, method=method or "GET", headers=headers),
                 lambda: explain(url, body, secrets=[("local", SECRET)], method=method, headers=headers)):
        try:
            call()
        except InvalidRequestError:
            pass


@FUZZ
@given(url=URLS, body=st.one_of(st.none(), ERROR_BODIES.filter(lambda b: b is not None)),
       which=st.sampled_from(["inspect", "verify", "explain"]), output=st.sampled_from(["table", "json"]))
def test_inspect_verify_explain_command(url: str, body: str | None, which: str, output: str) -> None:
    argv = [which, url, "--output", output]
    if which == "explain" and body is not None:
        argv.insert(2, "-")
    code, out, err = command(argv, stdin=(body or "").encode("utf-8", "surrogatepass"))
    if output == "table":  # no control character reaches the terminal
        assert not any(ord(c) < 0x20 and c != "\n" or 0x7F <= ord(c) < 0xA0 for c in out + err), out + err


@FUZZ
@given(text=st.one_of(st.text(max_size=60), st.builds(lambda b, k: f"s3://{b}/{k}", st.text(max_size=10),
                                                      st.text(max_size=20))))
def test_uri_parser(text: str) -> None:
    try:
        bucket, key = parse_s3_uri(text)
    except InvalidRequestError:
        return
    assert key and text.endswith(key)


@FUZZ
@given(body=st.one_of(st.text(max_size=100), st.binary(max_size=100).map(lambda b: b.decode("latin-1")),
                      st.builds(lambda tag, inner: f"<{tag}>{inner}</{tag}>", st.sampled_from(["Error", "x"]),
                                st.text(max_size=40))))
def test_xml_error_parser(body: str) -> None:
    try:
        assert isinstance(parse_error(body), dict)
    except InvalidRequestError:
        pass


JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)),
                    lambda children: st.one_of(st.lists(children, max_size=4),
                                               st.dictionaries(st.text(max_size=8), children, max_size=3)),
                    max_leaves=10)


@FUZZ
@given(condition=st.one_of(JSON, st.tuples(st.sampled_from(["eq", "starts-with", "content-length-range"]), JSON,
                                           JSON).map(list)))
def test_policy_condition_checker(condition: object) -> None:
    try:
        assert check_condition(condition) is condition
    except InvalidRequestError:
        return
    Presigner(Credentials("AKIDCLI", SECRET)).presign_post("my-bucket", "k", conditions=[condition])


@FUZZ
@given(document=st.one_of(JSON, st.fixed_dictionaries({"fields": st.fixed_dictionaries({"policy": st.one_of(
    st.text(max_size=20), JSON.map(lambda j: __import__("base64").b64encode(json.dumps(j).encode()).decode()))})})),
    output=st.sampled_from(["table", "json"]))
def test_post_policy_inspection(document: object, output: str) -> None:
    command(["inspect", json.dumps(document) if not isinstance(document, str) else document, "--output", output])


@FUZZ
@given(conditions=st.lists(st.text(max_size=40), max_size=3), output=st.sampled_from(["json", "curl", "html"]))
def test_post_conditions_through_the_command(conditions: list[str], output: str) -> None:
    argv = ["s3://my-bucket/up/${filename}", "--http-method", "POST", "--output", output]
    for condition in conditions:
        argv += ["--condition", condition]
    command(argv)


# -- bulk -------------------------------------------------------------------------------------------------------


LINES = st.one_of(st.sampled_from(["s3://b/k", "b/k ü", "s3://", "s3://b/", "s3://B_/k", "s3://b/" + "k" * 1100, "",
                                   "\r", "s3://b/k\r"]), st.text(max_size=30))


@FUZZ
@given(lines=st.lists(LINES, max_size=20), raw=st.binary(max_size=40), fmt=st.sampled_from(["url", "jsonl", "csv",
                                                                                           "tsv"]),
       keep_going=st.booleans())
def test_random_bulk_input(lines: list[str], raw: bytes, fmt: str, keep_going: bool) -> None:
    data = "\n".join(lines).encode("utf-8", "surrogatepass") + raw
    argv = ["-", "--output", fmt, "--jobs", "1"] + (["--keep-going"] if keep_going else [])
    code, out, err = command(argv, stdin=data)
    assert code in (0, 252)
    assert (code == 0) == (err == "")


ENV_NAMES = st.sampled_from(["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
                             "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_USE_FIPS_ENDPOINT",
                             "AWS_USE_DUALSTACK_ENDPOINT", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_CONFIG_FILE",
                             "AWS_SHARED_CREDENTIALS_FILE", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID",
                             "S3PRESIGN_CREDENTIAL_PROCESS_TIMEOUT"])
ENV_VALUES = st.one_of(VALUES, st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\0"),
                                       max_size=20)).filter(lambda v: "\0" not in v and "\udcff" not in v)


@FUZZ
@given(variables=st.dictionaries(ENV_NAMES, ENV_VALUES, max_size=4),
       args=st.lists(st.sampled_from(["--output", "json", "--http-method", "PUT", "--signature-version", "v2",
                                      "--addressing-style", "virtual"]), max_size=4))
def test_random_environment(monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], args: list[str]) -> None:
    with monkeypatch.context() as patch:
        for name, value in variables.items():
            patch.setenv(name, value)
        command(["s3://my-bucket/k", *args])
