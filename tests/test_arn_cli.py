"""ARNs and SigV4A through the command: URLs, every refusal as one line with exit 252 or 253."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from s3presign.cli import ExitCode, main

from .conftest import SECRET
from .test_cli import _subprocess_env

AP = "arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap"
MRAP = "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap"
OUTPOST = "arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-01234567890123456/accesspoint/my-ap"


SRC = str(Path(__file__).resolve().parents[1] / "src")  # this checkout's code, in subprocesses too


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    assert SECRET not in out.getvalue() + err.getvalue()
    return code, out.getvalue(), err.getvalue()


def _config(home: Path, text: str) -> None:
    (home / ".aws" / "config").write_text(text)


@pytest.mark.parametrize(("uri", "host", "path"), [
    (f"s3://{AP}/dir/a b.txt", "my-ap-123456789012.s3-accesspoint.us-west-2.amazonaws.com", "/dir/a%20b.txt"),
    ("s3://arn:aws:s3:us-west-2:123456789012:accesspoint:my-ap/k", "my-ap-123456789012.s3-accesspoint.us-west-2.amazonaws.com", "/k"),
    (f"{AP}/k//x", "my-ap-123456789012.s3-accesspoint.us-west-2.amazonaws.com", "/k//x"),
    (f"s3://{MRAP}/k", "mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com", "/k"),
    (f"s3://{OUTPOST}/k", "my-ap-123456789012.op-01234567890123456.s3-outposts.us-west-2.amazonaws.com", "/k"),
    ("s3://arn:aws:s3-outposts:us-west-2:123456789012:outpost:op-01234567890123456:accesspoint:my-ap:k:2",
     "my-ap-123456789012.op-01234567890123456.s3-outposts.us-west-2.amazonaws.com", "/k%3A2"),
])
def test_arn_uris_split_where_aws_cli_splits_them(keys: Path, uri: str, host: str, path: str) -> None:
    code, out, err = cli(uri, "--region", "eu-west-1")
    assert (code, err) == (0, "")
    url = urlsplit(out.strip())
    assert (url.netloc, url.path) == (host, path)


def test_sigv4a_url_shape(keys: Path) -> None:
    code, out, _ = cli(f"s3://{MRAP}/k", "--expires-in", "60")
    query = parse_qs(urlsplit(out.strip()).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-ECDSA-P256-SHA256"]
    assert query["X-Amz-Region-Set"] == ["*"]
    assert query["X-Amz-Credential"][0].endswith("/s3/aws4_request")
    bytes.fromhex(query["X-Amz-Signature"][0])  # hex DER


REFUSALS = [
    # (args, config file text, environment, exit code, words in the message)
    ([f"s3://{AP}/k", "--region", "eu-west-1"], "[default]\ns3 =\n    use_arn_region = false\n", {},
     ExitCode.CONFIG, "use_arn_region is false"),
    ([f"s3://{AP}/k", "--region", "eu-west-1"], "[default]\ns3_use_arn_region = false\n", {},
     ExitCode.CONFIG, "use_arn_region is false"),
    ([f"s3://{AP}/k", "--region", "eu-west-1"], "", {"AWS_S3_USE_ARN_REGION": "false"},
     ExitCode.CONFIG, "use_arn_region is false"),
    ([f"s3://{AP}/k"], "", {"AWS_S3_USE_ARN_REGION": "false"}, ExitCode.CONFIG, "aws-global"),
    ([f"s3://{AP}/k", "--region", "us-west-2"], "[default]\ns3 =\n    use_accelerate_endpoint = true\n", {},
     ExitCode.CONFIG, "Accelerate"),
    ([f"s3://{AP}/k", "--region", "cn-north-1"], "", {}, ExitCode.CONFIG, "partition aws"),
    (["s3://arn:aws-cn:s3:cn-north-1:123456789012:accesspoint/ap/k", "--region", "us-west-2"], "", {},
     ExitCode.CONFIG, "partition aws-cn"),
    (["s3://arn:aws-cn:s3:cn-north-1:123456789012:accesspoint/ap/k", "--region", "cn-north-1"],
     "[default]\nuse_fips_endpoint = true\n", {}, ExitCode.CONFIG, "FIPS"),
    ([f"s3://{MRAP}/k"], "[default]\ns3 =\n    s3_disable_multiregion_access_points = true\n", {},
     ExitCode.CONFIG, "disabled"),
    ([f"s3://{MRAP}/k"], "", {"AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS": "true"}, ExitCode.CONFIG, "disabled"),
    ([f"s3://{MRAP}/k"], "", {"AWS_USE_DUALSTACK_ENDPOINT": "true"}, ExitCode.CONFIG, "dualstack"),
    ([f"s3://{MRAP}/k", "--endpoint-url", "http://127.0.0.1:9000"], "", {}, ExitCode.CONFIG, "custom endpoint"),
    ([f"s3://{MRAP}/k", "--signature-version", "v2"], "", {}, ExitCode.CONFIG, "SigV4A"),
    ([f"s3://{OUTPOST}/k"], "", {"AWS_USE_FIPS_ENDPOINT": "true"}, ExitCode.CONFIG, "FIPS"),
    ([f"s3://{OUTPOST}/k", "--endpoint-url", "http://127.0.0.1:9000"], "", {}, ExitCode.CONFIG, "https://"),
    (["s3://arn:aws:s3-object-lambda:us-west-2:123456789012:accesspoint/my-ol/k"], "", {}, ExitCode.USAGE,
     "Object Lambda"),
    (["s3://arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-1/bucket/b/k"], "", {}, ExitCode.USAGE,
     "Outposts bucket ARN"),
    (["s3://arn:aws:s3:us-west-2:1234:accesspoint/ap/k"], "", {}, ExitCode.USAGE, "12 digits"),
    (["s3://arn:aws:s3:us-west-2:123456789012:accesspoint/my.ap/k"], "", {}, ExitCode.USAGE, "access point name"),
    (["s3://arn:aws:iam::123456789012:user/x/k"], "", {}, ExitCode.USAGE, "invalid ARN"),
    (["s3://arn:aws:s3:us-west-2:123456789012:accesspoint/ap"], "", {}, ExitCode.USAGE, "no object key"),
    ([f"s3://{AP}/k", "--http-method", "POST"], "", {}, ExitCode.USAGE, "presign a PUT"),
    (["s3://b--usw2-az1--x-s3/k", "--http-method", "POST", "--region", "us-west-2"], "", {}, ExitCode.USAGE,
     "presign a PUT"),
]


@pytest.mark.parametrize(("args", "config", "env", "code", "words"), REFUSALS)
def test_refusals_are_one_line(keys: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], config: str,
                               env: dict[str, str], code: int, words: str) -> None:
    _config(keys, config)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    got, out, err = cli(*args)
    assert (got, out) == (code, "")
    assert err.startswith("s3presign: error: ") and err.count("\n") == 1 and words in err, err


def test_use_arn_region_true_in_profile_uses_the_arn_region(keys: Path) -> None:
    _config(keys, "[default]\ns3 =\n    use_arn_region = true\n")
    code, out, _ = cli(f"s3://{AP}/k", "--region", "eu-west-1")
    assert code == 0 and "%2Fus-west-2%2Fs3%2Faws4_request" in out


def _fresh_python(home: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with this checkout's code, static keys and ``home``."""
    env = _subprocess_env(home)
    env.update(AWS_ACCESS_KEY_ID="AKIDCLI", AWS_SECRET_ACCESS_KEY=SECRET, PYTHONPATH=SRC)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_sigv4a_without_cryptography_is_one_clear_line(keys: Path) -> None:
    # A fresh interpreter where the cryptography package cannot be imported.
    done = _fresh_python(keys, "import sys, io; sys.modules['cryptography'] = None; from s3presign.cli import main; "
                               "err = io.StringIO(); rc = main(['s3://" + MRAP + "/k'], out=io.StringIO(), err=err); "
                               "print(rc); print(err.getvalue(), end='')")
    rc, _, message = done.stdout.partition("\n")
    assert rc == str(ExitCode.CONFIG), done.stderr
    assert message == "s3presign: error: SigV4A (Multi-Region Access Points, Outposts) needs the cryptography " \
                      "package: pip install 's3presign[sigv4a]'\n"


def test_plain_sigv4_never_imports_cryptography(keys: Path) -> None:
    done = _fresh_python(keys, "import sys, io; from s3presign.cli import main; "
                               "rc = main(['s3://" + AP + "/k'], out=io.StringIO()); "
                               "print(rc, 'cryptography' in sys.modules, 's3presign._sigv4a' in sys.modules)")
    assert done.stdout.split() == ["0", "False", "False"], done.stderr


def test_bulk_input_takes_arns(keys: Path) -> None:
    lines = [f"s3://{AP}/a b", f"{MRAP}/x/y", "s3://plain-bucket/k", f"s3://{OUTPOST}/z"]
    (keys / "in.txt").write_text("\n".join(lines) + "\n")
    code, out, err = cli("--input", str(keys / "in.txt"), "--region", "us-west-2")
    assert (code, err) == (0, "")
    hosts = [(urlsplit(u).netloc, urlsplit(u).path) for u in out.split()]
    assert hosts == [("my-ap-123456789012.s3-accesspoint.us-west-2.amazonaws.com", "/a%20b"),
                     ("mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com", "/x/y"),
                     ("plain-bucket.s3.us-west-2.amazonaws.com", "/k"),
                     ("my-ap-123456789012.op-01234567890123456.s3-outposts.us-west-2.amazonaws.com", "/z")]
