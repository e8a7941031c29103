"""The s3presign command, in-process and as a subprocess, with temporary config files only."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from s3presign.cli import ExitCode, main

from . import botocore_reference as ref

from .conftest import SECRET
TOKEN = "cli-session-TOKEN-never-shown"


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    assert SECRET not in out.getvalue() + err.getvalue()
    # The token is part of a presigned URL by design (X-Amz-Security-Token); nowhere else.
    assert TOKEN not in err.getvalue()
    assert TOKEN not in out.getvalue().replace(f"X-Amz-Security-Token={TOKEN}&", "")
    return code, out.getvalue(), err.getvalue()


def signed_at(url: str) -> datetime:
    amz_date = parse_qs(urlsplit(url).query)["X-Amz-Date"][0]
    return datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)


def botocore_url(url: str, bucket: str, key: str, *, method: str = "GET", expires_in: int = 3600,
                 token: str | None = None, **settings: object) -> str:
    return ref.presign(bucket, key, method=method, expires_in=expires_in, now=signed_at(url),
                       access_key_id="AKIDCLI", secret_access_key=SECRET, session_token=token, **settings)


# -- the seed options ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "HEAD"])
def test_url_equals_botocores(keys: Path, method: str) -> None:
    code, out, err = cli("s3://my-bucket/dir/a b+c.txt", "--http-method", method, "--expires-in", "900",
                         "--region", "eu-west-1")
    assert (code, err) == (0, "")
    url = out.removesuffix("\n")
    assert "\n" not in url
    assert ref.parts(url) == ref.parts(botocore_url(url, "my-bucket", "dir/a b+c.txt", method=method,
                                                    expires_in=900, region="eu-west-1"))


def test_defaults_global_host_one_hour(keys: Path) -> None:
    code, out, _ = cli("s3://my-bucket/k")
    assert code == 0
    assert out.startswith("https://my-bucket.s3.amazonaws.com/k?")
    assert "X-Amz-Expires=3600&" in out and "%2Fus-east-1%2Fs3%2F" in out


def test_uri_without_scheme_and_lower_case_method(keys: Path) -> None:
    # Each run against botocore at its own signing time: two runs may straddle a second.
    for args in (["my-bucket/k", "--http-method", "put"], ["s3://my-bucket/k", "--http-method", "PUT"]):
        url = cli(*args)[1].strip()
        assert ref.parts(url) == ref.parts(botocore_url(url, "my-bucket", "k", method="PUT", region=None))


@pytest.mark.parametrize("flag", ["--endpoint-url", "--endpoint"])
def test_endpoint(keys: Path, flag: str) -> None:
    code, out, _ = cli("s3://my-bucket/k", flag, "http://127.0.0.1:9000", "--region", "us-east-1")
    assert code == 0 and out.startswith("http://127.0.0.1:9000/my-bucket/k?")
    url = out.strip()
    assert ref.parts(url) == ref.parts(botocore_url(url, "my-bucket", "k", region="us-east-1",
                                                    endpoint_url="http://127.0.0.1:9000"))


def test_equals_form_and_session_token(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    code, out, _ = cli("s3://my-bucket/k", "--expires-in=60", "--region=ap-south-1")
    url = out.strip()
    assert code == 0
    assert ref.parts(url) == ref.parts(botocore_url(url, "my-bucket", "k", expires_in=60, token=TOKEN,
                                                    region="ap-south-1"))


def test_profile(home: Path) -> None:
    (home / ".aws" / "credentials").write_text(f"[work]\naws_access_key_id = AKIDCLI\naws_secret_access_key = {SECRET}\n")
    (home / ".aws" / "config").write_text("[profile work]\nregion = eu-north-1\ns3 =\n  addressing_style = path\n")
    code, out, _ = cli("s3://my-bucket/k", "--profile", "work")
    assert code == 0
    assert out.startswith("https://s3.eu-north-1.amazonaws.com/my-bucket/k?")


def test_addressing_style_and_signature_version_flags(keys: Path) -> None:
    code, out, _ = cli("s3://my-bucket/k", "--addressing-style", "path", "--signature-version", "v2",
                       "--region", "eu-west-1")
    assert code == 0
    assert out.startswith("https://s3.eu-west-1.amazonaws.com/my-bucket/k?AWSAccessKeyId=AKIDCLI&Expires=")


def test_json_output(keys: Path) -> None:
    code, out, _ = cli("s3://my-bucket/k", "--output", "json", "--http-method", "PUT", "--expires-in", "120")
    data = json.loads(out)
    assert code == 0 and set(data) == {"url", "method", "expires_at", "headers", "credentials_expire_at"}
    assert data["method"] == "PUT" and data["headers"] == {}
    expected = (signed_at(data["url"]).timestamp() + 120)
    assert datetime.strptime(data["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp() == expected


@pytest.mark.parametrize("args", [["help"], ["--help"], ["-h"], ["s3://b/k", "--help"]])
def test_help(args: list[str]) -> None:
    code, out, err = cli(*args)
    assert code == 0 and err == ""
    for option in ("--expires-in", "--region", "--profile", "--endpoint-url", "--http-method", "--output", "--debug"):
        assert option in out


def test_version() -> None:
    code, out, _ = cli("--version")
    assert code == 0 and out.startswith("s3presign 0.")


def test_debug_tells_sources_and_steps_never_the_secret(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    code, out, err = cli("s3://my-bucket/k", "--debug")
    assert code == 0
    assert "region = eu-west-3 (env AWS_REGION)" in err
    assert "credentials = access key id AKIDCLI, with a session token (env AWS_ACCESS_KEY_ID)" in err
    assert "canonical request:\nGET\n/k\n" in err
    assert "string to sign:\nAWS4-HMAC-SHA256\n" in err
    assert "X-Amz-Security-Token=***&" in err


# -- bad input: one line on stderr, nothing on stdout, the documented code -----------------------


def _one_line_error(code: int, out: str, err: str, expected_code: int, fragment: str) -> None:
    assert code == expected_code, err
    assert out == ""
    assert err.startswith("s3presign: error: ") and err.endswith("\n") and err.count("\n") == 1
    assert fragment in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ([], "usage"),
        (["s3://"], "no bucket"),
        (["s3://my-bucket"], "no object key"),
        (["s3://my-bucket/"], "no object key"),
        (["s3://my-bucket/" + "k" * 1025], "1025 bytes"),
        (["s3://my_bucket!/k"], "invalid bucket name"),
        (["s3://b/k", "--expires-in", "abc"], "whole number"),
        (["s3://b/k", "--expires-in", "1.5"], "whole number"),
        (["s3://b/k", "--expires-in", "0"], "1 to 604800"),
        (["s3://b/k", "--expires-in", "604801"], "1 to 604800"),
        (["s3://b/k", "--expires-in", "-5"], "1 to 604800"),
        (["s3://b/k", "--expires-in"], "needs a value"),
        (["s3://b/k", "--http-method", "PATCH"], "GET, PUT, DELETE, HEAD or POST"),
        (["s3://b/k", "--http-method", "POST", "--recursive"], "one form upload"),
        (["s3://b/k", "--bogus"], "unknown option --bogus"),
        (["s3://b/k", "s3://b/k2"], "unexpected argument"),
        (["s3://b/k", "--region", "Mars_1"], "invalid region"),
        (["s3://b/k", "--endpoint-url", "localhost:9000"], "http:// or https://"),
        (["s3://b/k", "--output", "xml"], "url, json or curl"),
        (["s3://b/k", "--addressing-style", "sideways"], "auto, virtual or path"),
    ],
)
def test_usage_errors(keys: Path, args: list[str], fragment: str) -> None:
    code, out, err = cli(*args)
    if not args:
        assert code == ExitCode.USAGE and out == "" and "usage" in err
        return
    _one_line_error(code, out, err, ExitCode.USAGE, fragment)


def _write(home: Path, config: str = "", credentials: str = "") -> None:
    (home / ".aws" / "config").write_text(config)
    (home / ".aws" / "credentials").write_text(credentials)


PROCESS_SCRIPTS = {
    "fails": ("import sys; print('token service unreachable', file=sys.stderr); sys.exit(3)",
              "failed with exit code 3: token service unreachable"),
    "hangs": ("import time; time.sleep(30)", "did not finish within 1 seconds"),
    "bad json": (f"print('AccessKeyId={SECRET} not json')", "did not print valid JSON"),
    "expired": ("import json; print(json.dumps({'Version': 1, 'AccessKeyId': 'AKIDCLI', "
                f"'SecretAccessKey': '{SECRET}', 'Expiration': '2020-01-01T00:00:00Z'}}))",
                "expired at 2020-01-01T00:00:00Z"),
    "wrong version": ("import json; print(json.dumps({'Version': 2}))", "only Version 1"),
}


@pytest.mark.parametrize("case", PROCESS_SCRIPTS)
def test_credential_process_failures(home: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    source, fragment = PROCESS_SCRIPTS[case]
    script = home / "process.py"
    script.write_text(source)
    _write(home, f"[default]\ncredential_process = {sys.executable} {script}\n")
    monkeypatch.setenv("S3PRESIGN_CREDENTIAL_PROCESS_TIMEOUT", "1")
    _one_line_error(*cli("s3://b/k"), ExitCode.CONFIG, fragment)


def test_credential_process_works(home: Path) -> None:
    script = home / "process.py"
    script.write_text("import json; print(json.dumps({'Version': 1, 'AccessKeyId': 'AKIDCLI', "
                      f"'SecretAccessKey': '{SECRET}', 'SessionToken': '{TOKEN}', "
                      "'Expiration': '2999-01-01T00:00:00Z'}))")
    _write(home, f"[default]\ncredential_process = {sys.executable} '{script}'\n")
    code, out, _ = cli("s3://my-bucket/k", "--region", "eu-west-1")
    url = out.strip()
    assert code == 0
    assert ref.parts(url) == ref.parts(botocore_url(url, "my-bucket", "k", token=TOKEN, region="eu-west-1"))


@pytest.mark.parametrize(
    ("setup", "args", "fragment"),
    [
        ({}, ["--profile", "nope"], "profile 'nope' (--profile) is not in"),
        ({"env": {"AWS_PROFILE": "nope"}}, [], "profile 'nope' (env AWS_PROFILE)"),
        ({}, [], "no credentials found for profile 'default'"),
        ({"env": {"AWS_ACCESS_KEY_ID": "AKIDCLI"}}, [], "AWS_SECRET_ACCESS_KEY is not set"),
        ({"env": {"AWS_SECRET_ACCESS_KEY": SECRET}}, [], "AWS_ACCESS_KEY_ID is not set"),
        ({"credentials": "[default]\naws_access_key_id = AKIDCLI\n"}, [], "aws_secret_access_key is missing"),
        ({"config": "region = eu-west-1\n"}, [], "config, line 1: the setting 'region' is outside any section"),
        ({"config": "[default]\nregion\n"}, [], "config, line 2: expected 'name = value'"),
        ({"credentials": "[default]\naws_access_key_id = AKIDCLI\n  aws_secret_access_key\n[x\n"}, [],
         "credentials, line 4: malformed section header"),
        ({"config": "[default]\nregion = Not A Region\n",
          "credentials": f"[default]\naws_access_key_id = AKIDCLI\naws_secret_access_key = {SECRET}\n"}, [],
         "invalid region 'Not A Region'"),
        ({"env": {"AWS_ENDPOINT_URL": "ftp://x", "AWS_ACCESS_KEY_ID": "AKIDCLI", "AWS_SECRET_ACCESS_KEY": SECRET}}, [],
         "invalid endpoint URL 'ftp://x'"),
        ({"config": "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n"}, [],
         "names source_profile 'base', which does not exist"),
        ({"config": "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\n"}, [],
         "neither source_profile nor credential_source"),
        ({"config": "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Laptop\n"}, [],
         "credential_source 'Laptop' is not one of"),
        ({"config": "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
                    "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n"}, ["--profile", "a"],
         "loop through source_profile: a -> b -> a"),
        ({"config": "[default]\nsso_session = corp\n"}, [], "names sso_session 'corp', which has no"),
        ({"config": "[default]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = r\n"
                    "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"},
         [], "run 'aws sso login --profile default'"),
        ({"config": "[default]\ncredential_process = /nonexistent/helper --json\n"}, [], "'/nonexistent/helper' was not found"),
        ({"env": {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://evil.example/creds"}}, [], "must be https"),
        ({"config_dir": True}, [], "no credentials found"),  # a directory reads as empty, as in AWS CLI v2
    ],
)
def test_configuration_errors(home: Path, monkeypatch: pytest.MonkeyPatch, setup: dict[str, object],
                              args: list[str], fragment: str) -> None:
    if setup.get("config_dir"):
        (home / "config-is-a-dir").mkdir()
        monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "config-is-a-dir"))
    _write(home, str(setup.get("config", "")), str(setup.get("credentials", "")))
    for name, value in dict(setup.get("env", {})).items():  # type: ignore[call-overload]
        monkeypatch.setenv(name, value)
    _one_line_error(*cli("s3://my-bucket/k", *args), ExitCode.CONFIG, fragment)


def test_debug_adds_a_traceback_on_error(home: Path) -> None:
    code, out, err = cli("s3://my-bucket/k", "--debug")
    assert code == ExitCode.CONFIG and out == ""
    assert "Traceback" in err and err.strip().splitlines()[-1].startswith("s3presign: error: no credentials")


# -- as a subprocess --------------------------------------------------------------------------------


def _subprocess_env(home: Path) -> dict[str, str]:
    # PYTHONPATH passes on, so the subprocess runs the tree under test, not another install.
    return {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "AWS_ACCESS_KEY_ID": "AKIDCLI",
            "AWS_SECRET_ACCESS_KEY": SECRET,
            **({"PYTHONPATH": os.environ["PYTHONPATH"]} if os.environ.get("PYTHONPATH") else {})}


def test_console_script_and_module(home: Path) -> None:
    script = Path(sys.executable).parent / "s3presign"
    env = _subprocess_env(home)
    for command in ([str(script)], [sys.executable, "-m", "s3presign"]):
        done = subprocess.run([*command, "s3://my-bucket/k", "--region", "eu-west-1"], env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0 and done.stderr == ""
        assert done.stdout.startswith("https://my-bucket.s3.eu-west-1.amazonaws.com/k?")
        bad = subprocess.run([*command, "s3://my-bucket/k", "--expires-in", "8d"], env=env, capture_output=True,
                             text=True)
        assert (bad.returncode, bad.stdout) == (ExitCode.USAGE, "")
        assert bad.stderr.startswith("s3presign: error: --expires-in") and "Traceback" not in bad.stderr


def test_closed_stdout_is_quiet(home: Path) -> None:
    reader = subprocess.Popen([sys.executable, "-c", "pass"], stdin=subprocess.PIPE)
    reader.wait()
    done = subprocess.run([sys.executable, "-m", "s3presign", "s3://my-bucket/k"], env=_subprocess_env(home),
                          stdout=reader.stdin, stderr=subprocess.PIPE, text=True)
    assert (done.returncode, done.stderr) == (0, "")  # quiet: no traceback, no error line, success


# Start-up: importing more than this for one URL costs milliseconds the command does not have.
# Not _inspect, _post (the package re-exports them lazily) nor _sigv2 (loaded for SigV2 only).
ALLOWED_NEW_MODULES = {
    "__future__", "_sha256", "_sha2",
    "s3presign", "s3presign._config", "s3presign._credentials", "s3presign._encoding", "s3presign._endpoints",
    "s3presign._errors", "s3presign._files", "s3presign._presigner", "s3presign._signer", "s3presign._checks",
    "s3presign._ini", "s3presign._sigv4", "s3presign._uri",
    "s3presign.cli",
}


def test_start_up_imports_only_the_allowed_modules(home: Path) -> None:
    code = ("import sys, io; before = set(sys.modules); from s3presign.cli import main; "
            "rc = main(['s3://my-bucket/k', '--region', 'eu-west-1'], out=io.StringIO()); "
            "print(rc, ' '.join(sorted(set(sys.modules) - before)))")
    done = subprocess.run([sys.executable, "-c", code], env=_subprocess_env(home), capture_output=True, text=True)
    rc, _, loaded = done.stdout.strip().partition(" ")
    assert rc == "0", done.stderr
    assert set(loaded.split()) - ALLOWED_NEW_MODULES == set()


def test_options_the_command_keeps_from_request_parts_are_ones_it_ignores() -> None:
    """The command skips _request_options for a line holding only these: request_parts must give
    nothing for each of them, with either method, so skipping it changes no URL."""
    from s3presign import cli
    from s3presign._request_options import request_parts

    assert "uri" in cli._NOT_REQUEST_OPTIONS and "expires_in" in cli._NOT_REQUEST_OPTIONS
    for name in cli._NOT_REQUEST_OPTIONS:
        for method in ("GET", "PUT"):
            parts = request_parts({name: "x"}, method)
            assert (parts.params, parts.headers, parts.secret_values, parts.nonstandard) == ([], [], [], []), name
    every = {*cli._VALUE_OPTIONS.values(), *cli._REPEATED_OPTIONS.values(), *cli._PAIR_OPTIONS.values(),
             *cli._FLAG_OPTIONS.values()}
    assert cli._NOT_REQUEST_OPTIONS - {"uri"} <= every  # no stale names
    assert {"content_type", "version_id", "metadata", "header", "sse_c_key_file"}.isdisjoint(cli._NOT_REQUEST_OPTIONS)


def test_a_request_option_still_reaches_the_url(keys: Path) -> None:
    out = io.StringIO()
    assert main(["s3://my-bucket/k", "--response-content-type", "text/csv"], out=out) == 0
    assert "response-content-type=text%2Fcsv" in out.getvalue()


@pytest.mark.parametrize("extra", [[], ["--jobs", "2"]])
def test_the_command_exits_with_every_line_written_to_a_pipe(home: Path, extra: list[str]) -> None:
    """run() skips the interpreter's teardown when nothing needs it: the output must still be whole,
    for one URL and for bulk (whose workers register an atexit handler, so it exits normally)."""
    keys = "".join(f"s3://my-bucket/year=2026/month=11/part-{i:05d}.parquet\n" for i in range(20_000))
    for argv, stdin in ((["s3://my-bucket/k"], ""), (["-", *extra], keys)):
        done = subprocess.run([sys.executable, "-c", "from s3presign.cli import run; run()", *argv],
                              input=stdin, env=_subprocess_env(home), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert len(lines) == max(1, stdin.count("\n"))
        assert all(line.startswith("https://") and len(line.rpartition("X-Amz-Signature=")[2]) == 64 for line in lines)


def test_debug_hides_the_token_in_a_sigv2_string_to_sign(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    out, err = io.StringIO(), io.StringIO()
    assert main(["s3://my-bucket/k", "--signature-version", "v2", "--debug"], out=out, err=err) == 0
    assert f"x-amz-security-token={TOKEN}" in out.getvalue()  # the URL carries it by design
    assert TOKEN not in err.getvalue()
    assert "x-amz-security-token:***" in err.getvalue()
