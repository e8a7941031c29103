"""End to end: URLs printed by the command, used against the SeaweedFS test server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import s3presign

from .http import send
from .seaweedfs import Server


def _command(server: Server, home: Path, *args: str) -> str:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home)}
    (home / ".aws").mkdir(exist_ok=True)
    (home / ".aws" / "credentials").write_text(
        f"[seaweed]\naws_access_key_id = {server.access_key_id}\naws_secret_access_key = {server.secret_access_key}\n")
    (home / ".aws" / "config").write_text(f"[profile seaweed]\nregion = us-east-1\nendpoint_url = {server.endpoint_url}\n")
    done = subprocess.run([str(Path(sys.executable).parent / "s3presign"), *args, "--profile", "seaweed"],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_put_then_get_through_the_command(seaweedfs: Server, tmp_path: Path) -> None:
    uri = f"s3://{seaweedfs.bucket}/cli/report 2026 ü.txt"
    put = _command(seaweedfs, tmp_path, uri, "--http-method", "PUT", "--expires-in", "300")
    assert send(put, "PUT", b"from the command").status == 200
    get = _command(seaweedfs, tmp_path, uri)
    assert send(get).body == b"from the command"
    v2 = _command(seaweedfs, tmp_path, uri, "--signature-version", "v2")
    assert send(v2).body == b"from the command"
    delete = _command(seaweedfs, tmp_path, uri, "--http-method", "DELETE")
    assert send(delete, "DELETE").status == 204


def test_library_entry_points_read_the_same_configuration(seaweedfs: Server, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seaweedfs.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seaweedfs.secret_access_key)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", seaweedfs.endpoint_url)
    monkeypatch.setenv("HOME", str(tmp_path))
    put = s3presign.Presigner.from_config().presign(seaweedfs.bucket, "lib/from-config.txt", "PUT")
    assert send(put, "PUT", b"library").status == 200
    get = s3presign.presign(f"s3://{seaweedfs.bucket}/lib/from-config.txt", expires_in=60)
    assert send(get).body == b"library"
