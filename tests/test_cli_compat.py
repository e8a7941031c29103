"""The command as a drop-in for ``aws s3 presign`` and the ergonomics around it: AWS CLI v2's
global options, values read as aws reads them, and the defects a new user met, each checked
against an outside reference (botocore, AWS CLI v2's observed behaviour, curl, a real shell)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from s3presign.cli import ExitCode, main

from . import botocore_reference as ref
from .test_cli import botocore_url, cli


def one_line_error(result: tuple[int, str, str], code: int, fragment: str) -> str:
    got, out, err = result
    assert (got, out) == (code, ""), err
    assert err.startswith("s3presign: error: ") and err.count("\n") == 1, err
    assert fragment in err, err
    return err


# -- AWS CLI v2's global options -------------------------------------------------------------------


@pytest.mark.parametrize("options", [
    ["--output", "text"], ["--output", "table"], ["--output", "yaml"], ["--output", "yaml-stream"], ["--output", "off"],
    ["--no-verify-ssl"], ["--ca-bundle", "/nonexistent/ca.pem"], ["--no-cli-pager"], ["--color", "off"],
    ["--cli-read-timeout", "5"], ["--cli-connect-timeout", "0"], ["--no-paginate"], ["--query", "x"],
    ["--cli-binary-format", "raw-in-base64-out"], ["--no-cli-auto-prompt"], ["--cli-error-format", "json"],
])
def test_global_options_leave_the_url_as_aws_does(keys: Path, options: list[str]) -> None:
    # AWS CLI v2 (section D of the reference facts): exit 0, the plain signed URL, for each of them
    for args in ([*options, "s3://my-bucket/k", "--region", "eu-west-1"], ["s3://my-bucket/k", *options,
                                                                         "--region", "eu-west-1"]):
        code, out, err = cli(*args)
        assert (code, err) == (0, "")
        url = out.strip()
        assert ref.parts(url) == ref.parts(botocore_url(url, "my-bucket", "k", region="eu-west-1"))


@pytest.mark.parametrize(("option", "value"), [("--color", "bogus"), ("--cli-binary-format", "raw"),
                                               ("--cli-error-format", "xml"), ("--cli-read-timeout", "soon")])
def test_global_option_values_are_checked_as_aws_checks_them(keys: Path, option: str, value: str) -> None:
    one_line_error(cli("s3://my-bucket/k", option, value), ExitCode.USAGE, f"{option} must be")
    # each time it is given, even when a later one is good (aws: 252 for --color bogus --color on)
    one_line_error(cli("s3://my-bucket/k", option, value, option,
                       {"--color": "on", "--cli-binary-format": "base64", "--cli-error-format": "json"}.get(option, "5")),
                   ExitCode.USAGE, f"{option} must be")


def test_no_sign_request_prints_the_plain_url(home: Path) -> None:
    # aws s3 presign --no-sign-request: https://bkt.s3.us-west-2.amazonaws.com/k, no credentials needed
    assert cli("s3://bkt/k", "--no-sign-request", "--region", "us-west-2") == (
        0, "https://bkt.s3.us-west-2.amazonaws.com/k\n", "")
    assert cli("s3://bkt/a b", "--no-sign-request", "--endpoint-url", "http://h:9")[1] == "http://h:9/bkt/a%20b\n"
    one_line_error(cli("s3://bkt/k", "--no-sign-request", "--output", "json"), ExitCode.USAGE, "unsigned")


def test_help_lists_the_compatibility_options(home: Path) -> None:
    text = cli("help")[1]
    section = text.split("accepted for compatibility", 1)[1]
    for option in ("--ca-bundle", "--no-verify-ssl", "--cli-read-timeout", "--cli-connect-timeout", "--color",
                   "--query", "--no-paginate", "--no-cli-pager", "--cli-binary-format", "--cli-auto-prompt",
                   "--cli-error-format", "--output text"):
        assert option in section


def test_an_option_given_twice_the_last_wins(keys: Path) -> None:
    url = cli("s3://my-bucket/k", "--expires-in", "10", "--region", "us-west-2", "--expires-in", "20",
              "--region", "eu-west-1")[1].strip()
    assert "X-Amz-Expires=20&" in url and url.startswith("https://my-bucket.s3.eu-west-1.amazonaws.com/")


def test_ca_bundle_and_no_verify_ssl_reach_the_http_client(keys: Path, tmp_path: Path) -> None:
    # --ca-bundle beats AWS_CA_BUNDLE: a listing over https fails on the flag's (unreadable) bundle
    err = one_line_error(cli("s3://my-bucket/p/", "--recursive", "--endpoint-url", "https://127.0.0.1:9",
                             "--ca-bundle", str(tmp_path / "missing.pem"), "--region", "us-east-1"),
                         ExitCode.OTHER, "cannot call")
    assert "missing.pem" in err or "No such file" in err
    from s3presign import _http

    try:
        main(["s3://my-bucket/k", "--no-verify-ssl", "--cli-read-timeout", "7", "--cli-connect-timeout", "2m"],
             out=io.StringIO(), err=io.StringIO())
        assert _http._settings["verify"] is False
        assert _http._timeouts(10.0) == (120.0, 7.0)
    finally:
        _http.configure()


# -- values as AWS CLI v2 reads them ----------------------------------------------------------------


@pytest.mark.parametrize(("value", "dualstack"), [("true", True), ("TRUE", True), ("True", True), ("1", False),
                                                  ("yes", False), ("on", False), ("", False), (" true", False)])
def test_booleans_are_true_or_false_only(keys: Path, monkeypatch: pytest.MonkeyPatch, value: str,
                                         dualstack: bool) -> None:
    # AWS CLI v2: AWS_USE_DUALSTACK_ENDPOINT=1 or =yes gives the plain host; only true (any case) is true
    monkeypatch.setenv("AWS_USE_DUALSTACK_ENDPOINT", value)
    (keys / ".aws" / "config").write_text("[default]\nuse_dualstack_endpoint = true\n")  # the variable wins
    host = urlsplit(cli("s3://bkt/k", "--region", "us-west-2")[1]).hostname
    assert host == ("bkt.s3.dualstack.us-west-2.amazonaws.com" if dualstack else "bkt.s3.us-west-2.amazonaws.com")


def test_ignore_configured_endpoint_urls_needs_true(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "1")  # not true: the endpoint stays (aws)
    assert cli("s3://bkt/k")[1].startswith("http://127.0.0.1:9000/bkt/k?")
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE")
    assert cli("s3://bkt/k")[1].startswith("https://bkt.s3.amazonaws.com/k?")


def test_dev_null_config_reads_as_empty(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    code, out, err = cli("s3://bkt/k")
    assert (code, err) == (0, "") and out.startswith("https://bkt.s3.amazonaws.com/k?")


def test_an_empty_region_variable_is_an_error(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # set but empty is not unset (aws: s3..amazonaws.com, or region "" in the scope)
    (keys / ".aws" / "config").write_text("[default]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_REGION", "")
    one_line_error(cli("s3://bkt/k"), ExitCode.CONFIG, "the region is empty (env AWS_REGION)")


def test_path_style_with_accelerate_presigns_on_the_accelerate_host(keys: Path) -> None:
    (keys / ".aws" / "config").write_text("[default]\nregion = eu-west-1\ns3 =\n  addressing_style = path\n"
                                          "  use_accelerate_endpoint = true\n")
    code, out, err = cli("s3://bkt/k")
    assert (code, err) == (0, "")
    url = out.strip()
    assert ref.parts(url) == ref.parts(botocore_url(url, "bkt", "k", region="eu-west-1", addressing_style="path",
                                                    use_accelerate=True))
    assert url.startswith("https://bkt.s3-accelerate.amazonaws.com/k?")


def test_session_token_in_aws_cli_v2s_place(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # aws s3 presign: ...&X-Amz-SignedHeaders=host&X-Amz-Security-Token=...&X-Amz-Signature=...
    monkeypatch.setenv("AWS_SESSION_TOKEN", "tok")
    url = cli("s3://bkt/k", "--region", "us-west-2")[1].strip()
    names = [field.partition("=")[0] for field in urlsplit(url).query.split("&")]
    assert names == ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
                     "X-Amz-Security-Token", "X-Amz-Signature"]
    from s3presign.cli import in_aws_order

    v4a = ("https://h/k?X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=a&X-Amz-Date=d&X-Amz-Expires=1"
           "&X-Amz-Region-Set=%2A&X-Amz-Security-Token=t&X-Amz-SignedHeaders=host&X-Amz-Signature=s")
    assert in_aws_order(v4a) == ("https://h/k?X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=a&X-Amz-Date=d"
                                 "&X-Amz-SignedHeaders=host&X-Amz-Expires=1&X-Amz-Security-Token=t"
                                 "&X-Amz-Region-Set=%2A&X-Amz-Signature=s")


def test_an_explicit_provider_beats_aws_endpoint_url(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")
    out = cli("s3://bkt/k", "--provider", "r2", "--account-id", "acct")[1]
    assert out.startswith("https://bkt.acct.r2.cloudflarestorage.com/k?")


# -- the defects -------------------------------------------------------------------------------------


def test_a_bucket_arn_is_named_as_one(keys: Path) -> None:
    err = one_line_error(cli("s3://arn:aws:s3:::my-bucket/k/KEY"), ExitCode.USAGE, "is a bucket ARN")
    assert "s3://my-bucket/KEY" in err and "KEY/KEY" not in err


def test_object_lambda_is_refused_before_credentials(home: Path) -> None:
    # aws: 252 "s3 commands do not support S3 Object Lambda", with no credentials anywhere
    one_line_error(cli("s3://arn:aws:s3-object-lambda:us-west-2:123456789012:accesspoint/olap/k"), ExitCode.USAGE,
                   "Object Lambda")


def test_curl_keeps_dot_segments_and_runs(keys: Path, tmp_path: Path) -> None:
    import http.server
    import threading

    paths: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            paths.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        code, out, _ = cli("s3://bkt/a/../b//c", "--output", "curl", "--endpoint-url",
                           f"http://127.0.0.1:{server.server_address[1]}")
        assert code == 0 and " --path-as-is " in out
        # the printed command, run by a shell: the request keeps /bkt/a/../b//c as signed
        done = subprocess.run(["sh", "-c", out], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert paths and paths[0].startswith("/bkt/a/../b//c?X-Amz-Algorithm=")
        assert (tmp_path / "c").read_text() == "ok"
    finally:
        server.shutdown()


def test_curl_for_a_part_shows_the_etag(keys: Path) -> None:
    out = cli("s3://bkt/big.bin", "--http-method", "PUT", "--upload-id", "U", "--part-number", "3",
              "--output", "curl")[1]
    assert " -D - " in out and "ETag" in out


@pytest.mark.parametrize("raw", [True, False])
def test_curl_reads_the_sse_c_key_from_its_file(keys: Path, tmp_path: Path, raw: bool) -> None:
    key = bytes(range(32))
    import base64

    key64 = base64.b64encode(key).decode()
    key_file = tmp_path / "key"
    key_file.write_bytes(key if raw else (key64 + "\n").encode())
    out = cli("s3://bkt/k", "--sse-c-key-file", str(key_file), "--output", "curl",
              "--endpoint-url", "http://127.0.0.1:9")[1]
    assert key64 not in out  # not on the command line (ps, shell history)
    # the shell feeds curl's -H @- with the header: run the printf part and compare with the key
    feed = out.split(" | curl ", 1)[0]
    header = subprocess.run(["sh", "-c", feed], capture_output=True, text=True).stdout
    assert header == f"x-amz-server-side-encryption-customer-key: {key64}\n"
    assert " -H @- " in out


def test_inspect_reads_a_url_from_stdin(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = cli("s3://bkt/k")[1]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(url.encode())))
    code, out, _ = cli("inspect", "-", "--output", "json")
    assert code == 0 and json.loads(out)["bucket"] == "bkt"


def test_verify_with_an_unknown_profile_is_an_error(keys: Path) -> None:
    url = cli("s3://bkt/k")[1].strip()
    one_line_error(cli("verify", url, "--profile", "nope"), ExitCode.CONFIG, "'nope'")
    assert cli("verify", url, "--output", "json")[0] == 0


def test_providers_name_and_help(home: Path) -> None:
    err = one_line_error(cli("providers", "nope"), ExitCode.USAGE, "no provider 'nope'")
    assert "r2" in err
    assert "did you mean wasabi" in one_line_error(cli("providers", "wasbi"), ExitCode.USAGE, "no provider")
    code, out, _ = cli("providers", "--help")
    assert code == 0 and out.startswith("usage: s3presign providers")


def test_providers_json_types(home: Path) -> None:
    rows = json.loads(cli("providers", "--output", "json")[1])
    assert all(isinstance(row["max_expiry"], int) and isinstance(row["unsupported"], list) for row in rows)
    (b2,) = json.loads(cli("providers", "wasabi", "--output", "json")[1])
    assert isinstance(b2["regions"], list) and b2["regions"]


@pytest.mark.parametrize("topic", ["inspect", "verify", "explain", "providers", "serve", "completion"])
def test_help_for_each_subcommand(home: Path, topic: str) -> None:
    code, out, err = cli("help", topic)
    assert (code, err) == (0, "") and out.startswith(f"usage: s3presign {topic}")
    assert cli(topic, "--help")[:2] == (0, out)


@pytest.mark.parametrize(("args", "fragment"), [
    (["--acl", "public-reed"], "--acl must be one of private, public-read,"),
    (["--storage-class", "GLACIERR"], "--storage-class must be one of STANDARD,"),
    (["--sse", "aes256"], "(did you mean AES256?)"),
    (["--tagging", "a"], "--tagging takes URL-encoded 'key=value' pairs"),
    (["--tagging", "a=1&a=2"], "twice"),
])
def test_s3_values_are_checked_case_sensitively(keys: Path, args: list[str], fragment: str) -> None:
    one_line_error(cli("s3://bkt/k", "--http-method", "PUT", *args), ExitCode.USAGE, fragment)


def test_a_store_that_extends_the_lists_gets_a_warning(keys: Path) -> None:
    code, out, err = cli("s3://bkt/k", "--http-method", "PUT", "--storage-class", "NEARLINE", "--provider", "gcs")
    assert code == 0 and "x-amz-storage-class" in out
    assert err.startswith("s3presign: warning: --storage-class must be one of") and "Google" in err


def test_sigv2_expiry(keys: Path) -> None:
    one_line_error(cli("s3://bkt/k", "--signature-version", "v2", "--expires-in", "999999999"), ExitCode.USAGE,
                   "before 2038")
    code, out, err = cli("s3://bkt/k", "--signature-version", "v2", "--expires-in", "30d")
    assert code == 0 and "Expires=" in out and "warning: a SigV2 URL valid for 2592000 seconds" in err


# -- ergonomics --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("15m", 900), ("12h", 43200), ("7d", 604800),
                                               ("1h30m", 5400), ("900", 900)])
def test_durations(keys: Path, text: str, seconds: int) -> None:
    url = cli("s3://bkt/k", "--expires-in", text)[1]
    assert f"X-Amz-Expires={seconds}&" in url


@pytest.mark.parametrize("text", ["1.5h", "7x", "h", "1m1h", "1hh", "-1d"])
def test_bad_durations(keys: Path, text: str) -> None:
    one_line_error(cli("s3://bkt/k", "--expires-in", text), ExitCode.USAGE, "--expires-in")


def test_did_you_mean(keys: Path) -> None:
    assert "(did you mean --expires-in?)" in one_line_error(cli("s3://bkt/k", "--expire-in", "3"),
                                                            ExitCode.USAGE, "unknown option --expire-in")
    assert "(did you mean inspect?)" in one_line_error(cli("inspekt", "x"), ExitCode.USAGE, "unknown command")
    assert "did you mean" not in one_line_error(cli("s3://bkt/k", "--zzzz"), ExitCode.USAGE, "unknown option")


def test_bulk_lines_stream_with_line_buffered(keys: Path) -> None:
    # a program writes one line and waits for its URL before writing the next
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    child = subprocess.Popen([sys.executable, "-m", "s3presign", "-", "--line-buffered"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, env=env)
    assert child.stdin is not None and child.stdout is not None
    try:
        for key in ("a", "b", "c"):
            child.stdin.write(f"s3://bkt/{key}\n".encode())
            child.stdin.flush()
            import select

            ready, _, _ = select.select([child.stdout], [], [], 60)  # the URL must come before the next line
            assert ready, f"no URL for s3://bkt/{key} while the next line is awaited"
            line = child.stdout.readline()
            assert line.startswith(f"https://bkt.s3.amazonaws.com/{key}?".encode())
        child.stdin.close()
        assert child.wait(timeout=60) == 0
    finally:
        child.kill()


def test_start_up_loads_none_of_the_new_modules(keys: Path) -> None:
    code = ("import sys; from s3presign.cli import main; main(['s3://bkt/k', '--expires-in', '60']); "
            "print(sorted(m for m in sys.modules if m.split('.')[-1] in ('_suggest', '_durations', '_completion', "
            "'_help', 'difflib', '_http')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")})
    assert done.stdout.strip().endswith("[]"), done.stdout + done.stderr
