"""Store presets end to end: --provider seaweedfs and --provider minio (with --endpoint-url) make
URLs the SeaweedFS test server accepts."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from s3presign import Credentials, Presigner
from s3presign.cli import main

from .http import send
from .seaweedfs import Server


def _command(server: Server, home: Path, *args: str) -> tuple[str, str]:
    """The command as a user runs it: a subprocess with keys in the environment only."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
           "AWS_ACCESS_KEY_ID": server.access_key_id, "AWS_SECRET_ACCESS_KEY": server.secret_access_key,
           "AWS_EC2_METADATA_DISABLED": "true"}
    done = subprocess.run([sys.executable, "-m", "s3presign", *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip(), done.stderr


@pytest.mark.parametrize("provider", ["seaweedfs", "minio"])
def test_put_get_head_delete(seaweedfs: Server, tmp_path: Path, provider: str) -> None:
    uri = f"s3://{seaweedfs.bucket}/{provider}/{uuid.uuid4().hex}/report 2026 ü.csv"
    preset = ("--provider", provider, "--endpoint-url", seaweedfs.endpoint_url)
    put, err = _command(seaweedfs, tmp_path, uri, *preset, "--http-method", "PUT")
    assert err == "" and "%2Fus-east-1%2Fs3%2Faws4_request" in put  # the preset's default region
    assert send(put, "PUT", b"through the preset").status == 200
    assert send(_command(seaweedfs, tmp_path, uri, *preset)[0]).body == b"through the preset"
    head = _command(seaweedfs, tmp_path, uri, *preset, "--http-method", "HEAD")[0]
    assert send(head, "HEAD").status == 200
    v2 = _command(seaweedfs, tmp_path, uri, *preset, "--signature-version", "v2")[0]  # both document SigV2
    assert send(v2).body == b"through the preset"
    delete = _command(seaweedfs, tmp_path, uri, *preset, "--http-method", "DELETE")[0]
    assert send(delete, "DELETE").status == 204
    assert send(_command(seaweedfs, tmp_path, uri, *preset)[0]).status == 404


@pytest.mark.parametrize("provider", ["seaweedfs", "minio"])
def test_post_form_upload(seaweedfs: Server, tmp_path: Path, provider: str) -> None:
    folder = f"{provider}-post/{uuid.uuid4().hex}/"
    out, err = _command(seaweedfs, tmp_path, f"s3://{seaweedfs.bucket}/{folder}${{filename}}",
                        "--provider", provider, "--endpoint-url", seaweedfs.endpoint_url, "--http-method", "POST",
                        "--content-length-range", "1", "100", "--success-action-status", "201")
    assert err == ""  # POST is documented for both: no warning
    post = json.loads(out)
    boundary = uuid.uuid4().hex
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in post["fields"].items())
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="hello.txt"\r\n'
             f"Content-Type: text/plain\r\n\r\nhello, form\r\n--{boundary}--\r\n").encode()
    response = send(post["url"], "POST", body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert response.status == 201, response.body
    get = _command(seaweedfs, tmp_path, f"s3://{seaweedfs.bucket}/{folder}hello.txt", "--provider", provider,
                   "--endpoint-url", seaweedfs.endpoint_url)[0]
    assert send(get).body == b"hello, form"


def test_profile_preset_in_process(seaweedfs: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "config").write_text(
        f"[profile store]\ns3presign_provider = minio\nendpoint_url = {seaweedfs.endpoint_url}\n"
        f"aws_access_key_id = {seaweedfs.access_key_id}\naws_secret_access_key = {seaweedfs.secret_access_key}\n")
    uri = f"s3://{seaweedfs.bucket}/profile-preset/{uuid.uuid4().hex}.txt"
    urls = []
    for method in ("PUT", "GET"):
        out, err = io.StringIO(), io.StringIO()
        assert main([uri, "--profile", "store", "--http-method", method], out=out, err=err) == 0, err.getvalue()
        urls.append(out.getvalue().strip())
    assert send(urls[0], "PUT", b"from the profile").status == 200
    assert send(urls[1]).body == b"from the profile"


def test_library_for_provider(seaweedfs: Server) -> None:
    signer = Presigner.for_provider("seaweedfs", Credentials(seaweedfs.access_key_id, seaweedfs.secret_access_key),
                                    endpoint_url=seaweedfs.endpoint_url)
    key = f"library-preset/{uuid.uuid4().hex}/year=2026/month=11/part-0001.parquet"
    assert send(signer.presign(seaweedfs.bucket, key, method="PUT"), "PUT", b"parquet").status == 200
    assert send(signer.presign(seaweedfs.bucket, key)).body == b"parquet"
    wrong = Presigner.for_provider("seaweedfs", Credentials(seaweedfs.access_key_id, "not-the-secret"),
                                   endpoint_url=seaweedfs.endpoint_url)
    assert send(wrong.presign(seaweedfs.bucket, key)).status == 403
