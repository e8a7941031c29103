"""A FastAPI backend that gives browsers upload and download URLs inside the user's own prefix.

    S3PRESIGN_BUCKET=my-bucket uvicorn examples.fastapi_app:app

The code is what a boto3 app already has: an S3 client and its ``generate_presigned_url``. The one
line ``s3presign.patch_boto3(client)`` makes those calls many times faster and returns the same
URLs, byte for byte (anything it has not proven, it leaves to boto3). The client is made once, at
start-up, from the AWS configuration; boto3 refreshes temporary credentials (role, web identity,
SSO, container, instance profile) itself. The routes are plain ``def``: FastAPI runs them in
worker threads, so a refresh never blocks the event loop. Who the user is comes from your
authentication; an ``X-User`` header stands in for it here.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import boto3
from botocore.config import Config
from fastapi import FastAPI, Header, HTTPException

from s3presign import patch_boto3

BUCKET = os.environ["S3PRESIGN_BUCKET"]
s3: Any = None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    global s3
    # SigV4 explicitly: left alone, boto3 presigns with SigV2 in us-east-1 and seven other regions.
    s3 = patch_boto3(boto3.client("s3", config=Config(signature_version="s3v4")))  # the one line
    yield


app = FastAPI(lifespan=lifespan)


def object_key(user: str, name: str) -> str:
    """``users/USER/NAME``: a user signs URLs for their own prefix only."""
    if not re.fullmatch(r"[a-z0-9_-]{1,64}", user):
        raise HTTPException(401, "unknown user")
    if not name or "/" in name or name in (".", "..") or len(name) > 200:
        raise HTTPException(400, "give a plain file name")
    return f"users/{user}/{name}"


def _expires_at(seconds: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat()


@app.post("/uploads")
def upload(name: str, content_type: str, x_user: str = Header()) -> dict[str, object]:
    """A PUT URL for ten minutes; the browser must send exactly these headers (Content-Type is signed)."""
    url = s3.generate_presigned_url("put_object", ExpiresIn=600, Params={
        "Bucket": BUCKET, "Key": object_key(x_user, name), "ContentType": content_type})
    return {"url": url, "method": "PUT", "headers": {"Content-Type": content_type}, "expires_at": _expires_at(600)}


@app.get("/downloads/{name}")
def download(name: str, x_user: str = Header()) -> dict[str, object]:
    """A GET URL for five minutes that saves the file under its own name (RFC 6266, any language)."""
    url = s3.generate_presigned_url("get_object", ExpiresIn=300, Params={
        "Bucket": BUCKET, "Key": object_key(x_user, name),
        "ResponseContentDisposition": f"attachment; filename*=UTF-8''{quote(name)}"})
    return {"url": url, "expires_at": _expires_at(300)}
