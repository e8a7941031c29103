"""A FastAPI backend that gives browsers upload and download URLs inside the user's own prefix.

    S3PRESIGN_BUCKET=my-bucket uvicorn examples.fastapi_app:app

The Presigner is made once, at start-up, from the AWS configuration. With a role, web identity,
SSO, a container or an instance profile its credentials refresh themselves, and a background task
refreshes them ahead of time so that no request waits for it. The routes are plain ``def``: FastAPI
runs them in worker threads, so even an unexpected refresh never blocks the event loop. Who the
user is comes from your authentication; an ``X-User`` header stands in for it here.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import FastAPI, Header, HTTPException

from s3presign import Presigner

BUCKET = os.environ["S3PRESIGN_BUCKET"]
signer: Presigner


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    global signer
    signer = Presigner.from_config()  # once: reads the environment and ~/.aws
    refresher = asyncio.create_task(signer.keep_fresh())  # returns at once for fixed keys
    yield
    refresher.cancel()


app = FastAPI(lifespan=lifespan)


def object_key(user: str, name: str) -> str:
    """``users/USER/NAME``: a user signs URLs for their own prefix only."""
    if not re.fullmatch(r"[a-z0-9_-]{1,64}", user):
        raise HTTPException(401, "unknown user")
    if not name or "/" in name or name in (".", "..") or len(name) > 200:
        raise HTTPException(400, "give a plain file name")
    return f"users/{user}/{name}"


@app.post("/uploads")
def upload(name: str, content_type: str, x_user: str = Header()) -> dict[str, object]:
    """A PUT URL for ten minutes; the browser must send exactly these headers (Content-Type is signed)."""
    request = signer.presign_request(BUCKET, object_key(x_user, name), method="PUT", expires_in=600,
                                     headers={"Content-Type": content_type})
    return {"url": request.url, "method": "PUT", "headers": request.headers,
            "expires_at": request.expires_at.isoformat()}


@app.get("/downloads/{name}")
def download(name: str, x_user: str = Header()) -> dict[str, object]:
    """A GET URL for five minutes that saves the file under its own name (RFC 6266, any language)."""
    request = signer.presign_request(BUCKET, object_key(x_user, name), expires_in=300,
                                     params={"response-content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
    return {"url": request.url, "expires_at": request.expires_at.isoformat()}
