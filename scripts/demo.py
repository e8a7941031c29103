"""The demo: a local SeaweedFS, a file uploaded and downloaded through presigned URLs.

    make demo

Starts SeaweedFS on loopback (with a test key and bucket), presigns a PUT, uploads a file
with it, presigns a GET, downloads and prints the file, and stops the server.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from s3presign import Credentials, Presigner  # noqa: E402
from tests.http import send  # noqa: E402
from tests.seaweedfs import run_server  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="s3presign-demo-") as workdir:
        print("starting SeaweedFS on 127.0.0.1 ...")
        with run_server(Path(workdir)) as server:
            signer = Presigner(Credentials(server.access_key_id, server.secret_access_key),
                               endpoint_url=server.endpoint_url)
            key = "demo/hello world.txt"
            put_url = signer.presign(server.bucket, key, method="PUT", expires_in=300)
            print(f"PUT URL: {put_url}")
            body = b"Hello from s3presign: uploaded and downloaded with presigned URLs.\n"
            status = send(put_url, "PUT", body).status
            print(f"upload: HTTP {status}")
            get_url = signer.presign(server.bucket, key, method="GET", expires_in=300)
            print(f"GET URL: {get_url}")
            got = send(get_url)
            print(f"download: HTTP {got.status}, {len(got.body)} bytes:")
            print(got.body.decode(), end="")
            ok = status == 200 and got.status == 200 and got.body == body
        print("SeaweedFS stopped.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
