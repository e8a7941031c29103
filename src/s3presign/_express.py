"""S3 Express One Zone sessions: CreateSession keys per directory bucket, cached until shortly before expiry.

Theory of operation (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateSession.html and
https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-express-create-session.html). A directory
bucket (``NAME--ZONE--x-s3``) authorizes object requests with short-lived *session* keys rather
than the caller's own: ``GET /?session`` on the bucket (virtual-hosted on the zonal endpoint, or
``/BUCKET?session`` path style on an IP endpoint), SigV4-signed with the caller's keys for the
service ``s3express``, answers ``CreateSessionResult/Credentials/{AccessKeyId, SecretAccessKey,
SessionToken, Expiration}`` (about five minutes). Presigned URLs are then signed with those keys,
service ``s3express``, and carry the token as ``X-Amz-S3session-Token``; such a URL stops working
when the session ends, whatever its X-Amz-Expires says.

One CreateSession serves every URL for the bucket until ``REFRESH_MARGIN`` seconds before the
session expires: in memory for the library (per ``ExpressSessions``, thread-safe), and, for the
command, also in a 0600 file per (access key id, endpoint, bucket) under
``~/.aws/s3presign/s3express-cache/`` like the AWS CLI's credential cache, written atomically.
The cache key never contains a secret. This is the only module that calls CreateSession.

A wing: takes a ``Signer`` (its endpoint and credentials) and imports ``_sigv4``, ``_http``, ``_files``,
``_credentials`` and ``_errors``; the core reaches it only through the sessions object it is given.
"""

from __future__ import annotations

import os
import threading
import time

from ._credentials import Credentials
from ._errors import ServiceError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from ._endpoints import Endpoint
    from ._signer import Signer

__all__ = ["REFRESH_MARGIN", "ExpressSessions", "cached_session_secret", "create_session", "default_cache_dir",
           "parse_session"]

REFRESH_MARGIN = 60  # seconds: a session this close to its end is replaced, as botocore does
_EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def default_cache_dir(env: Mapping[str, str]) -> str:
    """Where the command caches sessions: ``~/.aws/s3presign/s3express-cache``."""
    home = env.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".aws", "s3presign", "s3express-cache")


class ExpressSessions:
    """Session keys per directory bucket: ``ExpressSessions()`` (memory) or ``ExpressSessions(cache_dir=...)``.

    ``env`` supplies proxies and ``AWS_CA_BUNDLE`` for the CreateSession call; ``ca_bundle`` the
    profile's bundle. The repr shows how many sessions are held, never a key.
    """

    def __init__(self, *, cache_dir: str | None = None, env: Mapping[str, str] | None = None,
                 ca_bundle: str | None = None, timeout: float = 10.0) -> None:
        self.cache_dir = cache_dir
        self._env = env
        self._ca_bundle = ca_bundle
        self._timeout = timeout
        self._sessions: dict[tuple[str, str, str], Credentials] = {}
        self._lock = threading.Lock()
        self.calls = 0  # CreateSession calls made (tests and --debug read it)

    def __repr__(self) -> str:
        return f"ExpressSessions({len(self._sessions)} sessions, cache_dir={self.cache_dir!r})"

    def __getstate__(self) -> dict[str, object]:
        # Pickled to worker processes: settings only, each process keeps its own sessions.
        return {"cache_dir": self.cache_dir, "env": None if self._env is None else dict(self._env),
                "ca_bundle": self._ca_bundle, "timeout": self._timeout}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def credentials_for(self, signer: Signer, bucket: str, *, now: int, endpoint: Endpoint | None = None,
                        ) -> Credentials:
        """The bucket's session keys, valid for at least ``REFRESH_MARGIN`` seconds after ``now``."""
        if endpoint is None:
            endpoint = signer.endpoint(bucket)
        key = (signer.credentials.access_key_id, endpoint.url_prefix, bucket)
        held = self._sessions.get(key)  # a dict read is atomic: the lock guards the refresh only
        if held is not None and _fresh(held, now):
            return held
        with self._lock:
            held = self._sessions.get(key)
            if held is None or not _fresh(held, now):
                held = self._from_file(key, now)
                if held is None:
                    held = create_session(signer, bucket, env=self._env, ca_bundle=self._ca_bundle,
                                          timeout=self._timeout)
                    self.calls += 1
                    self._to_file(key, held)
                if len(self._sessions) >= 1024:
                    self._sessions.clear()
                self._sessions[key] = held
            return held

    def remember(self, signer: Signer, bucket: str, session: Credentials) -> None:
        """Use session keys obtained elsewhere for ``bucket``: ``sessions.remember(signer, bucket, creds)``
        (``session.expires_at`` must be set)."""
        if session.expires_at is None:
            raise ValueError("S3 Express session credentials need expires_at")
        key = (signer.credentials.access_key_id, signer.endpoint(bucket).url_prefix, bucket)
        with self._lock:
            self._sessions[key] = session

    # -- the command's file cache ---------------------------------------------------------------

    def _path(self, key: tuple[str, str, str]) -> str | None:
        if self.cache_dir is None:
            return None
        from hashlib import sha1

        digest = sha1("\n".join(key).encode("utf-8"), usedforsecurity=False).hexdigest()
        return os.path.join(self.cache_dir, digest + ".json")

    def _from_file(self, key: tuple[str, str, str], now: int) -> Credentials | None:
        path = self._path(key)
        if path is None:
            return None
        import json

        from ._files import read_text

        try:
            data = json.loads(read_text(path, max_bytes=64 << 10))
            held = _credentials(data["Credentials"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing, unreadable or not ours: ask for a new session
        return held if _fresh(held, now) else None

    def _to_file(self, key: tuple[str, str, str], held: Credentials) -> None:
        path = self._path(key)
        if path is None:
            return
        import json

        from ._files import write_private

        data = {"Credentials": {"AccessKeyId": held.access_key_id, "SecretAccessKey": held.secret_access_key,
                                "SessionToken": held.session_token, "Expiration": _iso(held)}}
        try:
            write_private(path, json.dumps(data).encode())
        except OSError:
            pass  # a cache that cannot be written only costs a CreateSession next time


def cached_session_secret(access_key_id: str, env: Mapping[str, str] | None = None) -> str | None:
    """The secret of a cached session key (for ``verify``), or None: ``cached_session_secret("ASIA...")``."""
    import json

    from ._files import read_text

    folder = default_cache_dir(os.environ if env is None else env)
    try:
        names = sorted(os.listdir(folder))[:1024]
    except OSError:
        return None
    for name in names:
        if not name.endswith(".json"):
            continue
        try:
            fields = json.loads(read_text(os.path.join(folder, name), max_bytes=64 << 10))["Credentials"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(fields, dict) and fields.get("AccessKeyId") == access_key_id:
            secret = fields.get("SecretAccessKey")
            return secret if isinstance(secret, str) and secret else None
    return None


def _fresh(held: Credentials, now: int) -> bool:
    return held.expires_at is not None and held.expires_at.timestamp() - REFRESH_MARGIN > now


def _iso(held: Credentials) -> str:
    assert held.expires_at is not None
    return held.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _credentials(fields: Mapping[str, object]) -> Credentials:
    from datetime import datetime, timezone

    key_id, secret, token, expiration = (fields.get(n) for n in
                                         ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"))
    if not all(isinstance(v, str) and v for v in (key_id, secret, token, expiration)):
        raise ValueError("incomplete session credentials")
    expires_at = datetime.fromisoformat(str(expiration).replace("Z", "+00:00"))
    if expires_at.utcoffset() is None:
        expires_at = expires_at.replace(tzinfo=timezone.utc)
    return Credentials(str(key_id), str(secret), str(token), expires_at)


def parse_session(body: bytes) -> Credentials:
    """``CreateSessionResult/Credentials`` -> ``Credentials`` (with ``expires_at``); ValueError if malformed."""
    from xml.etree import ElementTree

    root = ElementTree.fromstring(body)
    fields: dict[str, object] = {}
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1]
        if name in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"):
            fields[name] = (element.text or "").strip()
    return _credentials(fields)


def create_session(signer: Signer, bucket: str, *, env: Mapping[str, str] | None = None,
                   ca_bundle: str | None = None, timeout: float = 10.0) -> Credentials:
    """Call CreateSession for a directory bucket with the signer's own keys (SigV4, service s3express)."""
    from . import _sigv4
    from ._http import request

    endpoint = signer.endpoint(bucket)
    base = signer.credentials
    path = endpoint.path_prefix.rstrip("/") or "/"
    signed = _sigv4.signed_headers(
        credentials=base, method="GET", path=path, params=[("session", "")],
        headers=[("host", endpoint.host_header), ("x-amz-content-sha256", _EMPTY_SHA256)],
        payload_hash=_EMPTY_SHA256, region=endpoint.signing_region, service="s3express",
        amz_date=time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
    headers = {name: value for name, value in signed if name != "host"}  # the client sends Host from the URL
    url = f"{endpoint.scheme}://{endpoint.netloc}{path}?session"
    response = request("GET", url, headers=headers, timeout=timeout, max_bytes=64 << 10,
                       env=os.environ if env is None else env, ca_bundle=ca_bundle,
                       what=f"S3 Express CreateSession for {bucket}")
    if response.status != 200:
        code = _error_code(response.body)
        raise ServiceError(f"CreateSession for directory bucket {bucket} failed: HTTP {response.status}"
                           + (f" {code}" if code else "") + "; check the bucket name, region and permissions "
                           "(s3express:CreateSession), or set s3_disable_express_session_auth")
    try:
        return parse_session(response.body)
    except (ValueError, SyntaxError):
        raise ServiceError(f"CreateSession for directory bucket {bucket} answered without session credentials") from None


def _error_code(body: bytes) -> str:
    start, end = body.find(b"<Code>"), body.find(b"</Code>")
    if 0 <= start < end and end - start < 100:
        return body[start + 6:end].decode("utf-8", "replace")
    return ""
