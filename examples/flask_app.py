"""A Flask backend that gives browsers an upload form (presigned POST) and download URLs inside the
user's own prefix.

    S3PRESIGN_BUCKET=my-bucket flask --app examples.flask_app run

The code is what a boto3 app already has: an S3 client, ``generate_presigned_post`` and
``generate_presigned_url``. The one line ``s3presign.patch_boto3(client)`` makes both many times
faster with the same output, byte for byte (anything it has not proven, it leaves to boto3). The
client is made once, when the app is created; boto3 refreshes temporary credentials itself, in
whichever request thread finds them due. Who the user is comes from your authentication; an
``X-User`` header stands in for it here.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone

import boto3
from botocore.config import Config
from flask import Flask, abort, request

from s3presign import patch_boto3


def create_app() -> Flask:
    app = Flask(__name__)
    bucket = os.environ["S3PRESIGN_BUCKET"]
    # SigV4 explicitly: left alone, boto3 presigns with SigV2 in us-east-1 and seven other regions.
    s3 = patch_boto3(boto3.client("s3", config=Config(signature_version="s3v4")))  # the one line

    def prefix() -> str:
        user = request.headers.get("X-User", "")
        if not re.fullmatch(r"[a-z0-9_-]{1,64}", user):
            abort(401)
        return f"users/{user}/"

    def expires_at(seconds: int) -> str:
        return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat()

    @app.post("/upload-form")
    def upload_form() -> dict[str, object]:
        """Form fields for a browser upload of up to 10 MB into the user's prefix, for ten minutes."""
        post = s3.generate_presigned_post(bucket, prefix() + "${filename}", ExpiresIn=600,
                                          Conditions=[["content-length-range", 1, 10_000_000]])
        return {"url": post["url"], "fields": post["fields"], "expires_at": expires_at(600)}

    @app.get("/downloads/<name>")
    def download(name: str) -> dict[str, object]:
        """A GET URL for five minutes."""
        if "/" in name or name in (".", "..") or len(name) > 200:
            abort(400)
        url = s3.generate_presigned_url("get_object", ExpiresIn=300,
                                        Params={"Bucket": bucket, "Key": prefix() + name})
        return {"url": url, "expires_at": expires_at(300)}

    return app


app = create_app() if os.environ.get("S3PRESIGN_BUCKET") else None
