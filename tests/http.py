"""A tiny HTTP client for the integration tests: sends a URL's path and query exactly as given."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str]


def send(url: str, method: str = "GET", body: bytes | None = None, *, connect_to: tuple[str, int] | None = None,
         headers: dict[str, str] | None = None) -> Response:
    """Send one request; ``connect_to`` dials another address while keeping the URL's Host."""
    parts = urlsplit(url)
    host, port = connect_to or (parts.hostname or "", parts.port or 80)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, body=body, headers={"Host": parts.netloc, **(headers or {})})
        response = conn.getresponse()
        return Response(response.status, response.read(), {k.lower(): v for k, v in response.getheaders()})
    finally:
        conn.close()


def error_code(response: Response) -> str:
    """The ``<Code>`` of an S3 XML error body ("" when there is none, e.g. a HEAD)."""
    import re

    found = re.search(rb"<Code>([^<]*)</Code>", response.body)
    return found.group(1).decode() if found else ""
