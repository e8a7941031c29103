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


def main() -> int:
    import signal

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops it as cleanly as Ctrl-C
    with tempfile.TemporaryDirectory(prefix="s3presign-serve-") as workdir:
        with run_server(Path(workdir)) as server:
            enable_versioning(server)
            print(f"SeaweedFS is up at {server.endpoint_url} with the buckets:")
            print(f"  {server.bucket}  (the documentation's examples use it)")
            print(f"  {DOTTED_BUCKET}  (a dotted name: path-style URLs)")
            print(f"  {VERSIONED_BUCKET}  (versioning on: try --version-id)")
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
