"""`make serve` (scripts/serve.py): the demo server names every bucket it made, and the one it
calls versioned keeps versions, as the README's walk-through expects; every bucket aborts
incomplete multipart uploads (the lifecycle rule the signing service's docs advise)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from s3presign import Credentials, Presigner

from .http import send
from .seaweedfs import BUCKET, DOTTED_BUCKET, VERSIONED_BUCKET

ROOT = Path(__file__).resolve().parent.parent


def test_make_serve_lists_its_buckets_and_versions_the_versioned_one() -> None:
    child = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "serve.py")], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, cwd=ROOT, env={**os.environ})
    assert child.stdout is not None
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while not lines or not lines[-1].startswith("Ctrl-C stops it"):
            assert time.monotonic() < deadline, lines
            line = child.stdout.readline()
            assert line, lines  # it exited early
            lines.append(line.rstrip("\n"))
        text = "\n".join(lines)
        exports = dict(re.findall(r"export (AWS_\w+)='?([^'\n]*)'?", text))
        for bucket in (BUCKET, DOTTED_BUCKET, VERSIONED_BUCKET):
            assert re.search(rf"^  {re.escape(bucket)}  \(", text, re.M), text
        assert re.search(rf"^  {VERSIONED_BUCKET}  \(versioning on", text, re.M)
        signer = Presigner(Credentials(exports["AWS_ACCESS_KEY_ID"], exports["AWS_SECRET_ACCESS_KEY"]),
                           endpoint_url=exports["AWS_ENDPOINT_URL"])
        status = send(signer.presign_details(VERSIONED_BUCKET, None, "GET", params=[("versioning", "")]).url)
        assert b"<Status>Enabled</Status>" in status.body, status.body
        for bucket in (BUCKET, DOTTED_BUCKET, VERSIONED_BUCKET):  # incomplete uploads are cleaned up
            rules = send(signer.presign_details(bucket, None, "GET", params=[("lifecycle", "")]).url).body
            assert re.search(rb"<AbortIncompleteMultipartUpload>\s*<DaysAfterInitiation>1</DaysAfterInitiation>", rules), rules
        first = send(signer.presign(VERSIONED_BUCKET, "doc.txt", "PUT"), "PUT", b"one")
        send(signer.presign(VERSIONED_BUCKET, "doc.txt", "PUT"), "PUT", b"two")
        old = signer.presign(VERSIONED_BUCKET, "doc.txt", params={"versionId": first.headers["x-amz-version-id"]})
        assert send(old).body == b"one"
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=60)
