"""A Flask backend that gives browsers an upload form (presigned POST) and download URLs inside the
user's own prefix.

    S3PRESIGN_BUCKET=my-bucket flask --app examples.flask_app run

The Presigner is made once, when the app is created. With temporary credentials it refreshes them
itself in whichever request thread finds them due (one thread fetches, the others keep signing).
Who the user is comes from your authentication; an ``X-User`` header stands in for it here.
"""

from __future__ import annotations

import os
import re

from flask import Flask, abort, request

from s3presign import Presigner


def create_app() -> Flask:
    app = Flask(__name__)
    bucket = os.environ["S3PRESIGN_BUCKET"]
    signer = Presigner.from_config()  # once: reads the environment and ~/.aws

    def prefix() -> str:
        user = request.headers.get("X-User", "")
        if not re.fullmatch(r"[a-z0-9_-]{1,64}", user):
            abort(401)
        return f"users/{user}/"

    @app.post("/upload-form")
    def upload_form() -> dict[str, object]:
        """Form fields for a browser upload of up to 10 MB into the user's prefix, for ten minutes."""
        post = signer.presign_post(bucket, prefix() + "${filename}", expires_in=600,
                                   conditions=[["content-length-range", 1, 10_000_000]])
        return {"url": post.url, "fields": post.fields, "expires_at": post.expires_at.isoformat()}

    @app.get("/downloads/<name>")
    def download(name: str) -> dict[str, object]:
        """A GET URL for five minutes."""
        if "/" in name or name in (".", "..") or len(name) > 200:
            abort(400)
        signed = signer.presign_request(bucket, prefix() + name, expires_in=300)
        return {"url": signed.url, "expires_at": signed.expires_at.isoformat()}

    return app


app = create_app() if os.environ.get("S3PRESIGN_BUCKET") else None
