"""`make serve`: the demo SeaweedFS in the foreground, for trying the documentation's commands.

Prints the variables to export in another terminal, then serves until Ctrl-C.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.seaweedfs import DOTTED_BUCKET, VERSIONED_BUCKET, enable_versioning, run_server  # noqa: E402


LIFECYCLE = {"Rules": [{"ID": "abort-incomplete-uploads", "Status": "Enabled", "Filter": {"Prefix": ""},
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]}


def abort_incomplete_uploads(server: object, bucket: str) -> None:
    """The AbortIncompleteMultipartUpload lifecycle rule the signing service's docs recommend."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=server.endpoint_url, region_name="us-east-1",  # type: ignore[attr-defined]
                      aws_access_key_id=server.access_key_id,  # type: ignore[attr-defined]
                      aws_secret_access_key=server.secret_access_key)  # type: ignore[attr-defined]
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=LIFECYCLE)


def main() -> int:
    import signal

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops it as cleanly as Ctrl-C
    with tempfile.TemporaryDirectory(prefix="s3presign-serve-") as workdir:
        with run_server(Path(workdir)) as server:
            enable_versioning(server)
            for bucket in (server.bucket, DOTTED_BUCKET, VERSIONED_BUCKET):
                abort_incomplete_uploads(server, bucket)
            print(f"SeaweedFS is up at {server.endpoint_url} with the buckets:")
            print(f"  {server.bucket}  (the documentation's examples use it)")
            print(f"  {DOTTED_BUCKET}  (a dotted name: path-style URLs)")
            print(f"  {VERSIONED_BUCKET}  (versioning on: try --version-id)")
            print("(each aborts multipart uploads left incomplete for a day: a lifecycle rule, as docs/service.md "
                  "advises for s3presign serve)")
            print("In another terminal:\n")
            print(f"  export AWS_ACCESS_KEY_ID={server.access_key_id}")
            print(f"  export AWS_SECRET_ACCESS_KEY='{server.secret_access_key}'")
            print(f"  export AWS_ENDPOINT_URL={server.endpoint_url}")
            print(f"  export PATH=\"{Path(sys.executable).parent}:$PATH\"\n")
            print("Ctrl-C stops it (its data is deleted).", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                print("\nstopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
