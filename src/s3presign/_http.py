"""One HTTP client for every call s3presign makes to a server.

Credential sources (STS, SSO, container, instance metadata), listing, inventories, CreateSession
and the signing service's own S3 calls all go through ``request`` or ``open_stream``, so three
promises hold everywhere:

- **No redirects are followed.** A 3xx comes back as a ``Response`` like any other status, so a
  credential header (a container token, an SSO bearer token, an IMDS token) is only ever sent to
  the host it was meant for, and the "https or loopback only" rule for a container endpoint
  cannot be walked around by a 302. Callers name the endpoint and where it pointed.
- **Bounded bodies.** ``request`` reads at most ``max_bytes`` (credential documents are tiny);
  past that it stops reading and raises. Large bodies (listings, inventories) are streamed in
  chunks with ``open_stream``.
- **A deadline for the whole call.** A socket timeout bounds each read, not the call: a server
  that trickles one byte every half second would never trip it. A watchdog timer shuts the
  socket down when the deadline passes, which ends any blocked read at once.

Proxies come from ``HTTPS_PROXY``/``HTTP_PROXY`` (and lower-case forms) with ``NO_PROXY``; the CA
bundle from ``--ca-bundle``, ``AWS_CA_BUNDLE`` or the profile's ``ca_bundle``, in that order, as
AWS CLI v2 has it. The command's ``--ca-bundle``, ``--no-verify-ssl``, ``--cli-connect-timeout`` and
``--cli-read-timeout`` reach every call through ``configure``. Imported only by code that talks to
a server: presigning itself never does.

The ground: imports only ``_errors``.
"""

from __future__ import annotations

import http.client
import socket
import threading
from urllib.parse import unquote, urlsplit

from ._errors import HTTPError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from types import TracebackType

__all__ = ["HTTPError", "Response", "Stream", "bypasses_proxy", "configure", "open_stream", "request",
           "without_query"]

DEFAULT_MAX_BYTES = 1 << 20  # 1 MiB: far above any credential document or S3 error body
CHUNK = 1 << 16


# Process-wide settings from the command line (AWS CLI v2's global options); see configure.
_settings: dict[str, object] = {"ca_bundle": None, "default_ca_bundle": None, "verify": True,
                                "connect_timeout": None, "read_timeout": None}


def configure(*, ca_bundle: str | None = None, default_ca_bundle: str | None = None, verify: bool = True,
              connect_timeout: float | None = None, read_timeout: float | None = None) -> None:
    """Settings for every later call, from the outermost layer: ``configure(verify=False)``.

    ``ca_bundle`` (``--ca-bundle``) beats ``AWS_CA_BUNDLE``, which beats ``default_ca_bundle``
    (the profile's ``ca_bundle``). ``verify=False`` (``--no-verify-ssl``) skips certificate
    checks. A timeout of 0 waits without limit, as AWS CLI v2's ``--cli-read-timeout 0`` does;
    None keeps each caller's own.
    """
    _settings.update(ca_bundle=ca_bundle, default_ca_bundle=default_ca_bundle, verify=verify,
                     connect_timeout=connect_timeout, read_timeout=read_timeout)


def _timeouts(timeout: float) -> tuple[float | None, float | None]:
    """(connect, read) timeouts for a call whose caller asked for ``timeout``; None: no limit."""
    def pick(name: str) -> float | None:
        value = _settings[name]
        if value is None:
            return timeout
        return float(value) or None  # type: ignore[arg-type]

    return pick("connect_timeout"), pick("read_timeout")


class Response:
    """A complete answer: ``status``, ``headers`` (lower-case names) and ``body`` bytes."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def __repr__(self) -> str:
        return f"Response(status={self.status}, {len(self.body)} bytes)"

    @property
    def location(self) -> str:
        """Where a 3xx pointed (``""`` if it named nowhere), for error messages."""
        return without_query(self.headers.get("location", ""))


def without_query(url: str) -> str:
    """A URL for a message: the query (which may hold a signature or token) elided."""
    return url.split("?", 1)[0] + ("?..." if "?" in url else "")


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 10.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    env: Mapping[str, str] | None = None,
    ca_bundle: str | None = None,
    what: str = "the endpoint",
) -> Response:
    """One call, read whole: ``request("GET", url, what="instance metadata").body``.

    Every status comes back as a ``Response`` (3xx included: redirects are never followed);
    ``HTTPError`` when the server cannot be reached, the body exceeds ``max_bytes`` or the whole
    call takes longer than ``timeout`` seconds.
    """
    with open_stream(method, url, headers=headers, body=body, timeout=timeout, env=env,
                     ca_bundle=ca_bundle, what=what, deadline=True) as stream:
        data = stream.read_all(max_bytes)
        return Response(stream.status, stream.headers, data)


def open_stream(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
    ca_bundle: str | None = None,
    what: str = "the endpoint",
    deadline: bool = False,
) -> Stream:
    """Start a call and stream its body: ``with open_stream("GET", url) as s: for c in s.iter_chunks(): ...``.

    ``timeout`` bounds connecting, the response head and each read; with ``deadline=True`` it
    bounds the whole call instead.
    """
    return Stream(method, url, headers=headers, body=body, timeout=timeout, env=env or {},
                  ca_bundle=ca_bundle, what=what, deadline=deadline)


class Stream:
    """An answer whose body is read in chunks: ``status``, ``headers``, ``iter_chunks()``,
    ``read_all(max_bytes)``. Use it as a context manager; it closes the connection."""

    __slots__ = ("_conn", "_response", "_timer", "_timed_out", "_what", "_url", "headers", "status")

    def __init__(self, method: str, url: str, *, headers: Mapping[str, str] | None, body: bytes | None,
                 timeout: float, env: Mapping[str, str], ca_bundle: str | None, what: str,
                 deadline: bool) -> None:
        self._what = what
        self._url = without_query(url)
        self._timer: threading.Timer | None = None
        self._timed_out = False
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise HTTPError(f"cannot call {what}: {self._url} is not a valid URL ({exc})") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HTTPError(f"cannot call {what}: {self._url} is not an http:// or https:// URL")
        host = parts.hostname
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        send_headers = {"User-Agent": "s3presign", **dict(headers or {})}
        connect_timeout, read_timeout = _timeouts(timeout)
        try:
            self._conn, target = _connection(parts.scheme, host, port, target, send_headers, env,
                                             ca_bundle, connect_timeout)
        except (OSError, ValueError) as exc:  # an unreadable CA bundle, a malformed proxy URL
            raise HTTPError(f"cannot call {what} at {self._url}: {exc}") from None
        if deadline and (read_timeout is not None or _settings["read_timeout"] is None):
            # The whole call's deadline: the caller's, or a longer --cli-read-timeout
            self._timer = threading.Timer(max(timeout, read_timeout or 0), self._expire)
            self._timer.daemon = True
            self._timer.start()
        try:
            if connect_timeout != read_timeout:
                self._conn.connect()  # under the connect timeout; then reads under the read timeout
                if self._conn.sock is not None:
                    self._conn.sock.settimeout(read_timeout)
            self._conn.request(method, target, body=body, headers=send_headers)
            self._response = self._conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise self._failure(exc) from None
        self.status = self._response.status
        self.headers = {k.lower(): v for k, v in self._response.getheaders()}

    def _expire(self) -> None:
        self._timed_out = True
        sock = self._conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes any read blocked on this socket
            except OSError:
                pass

    def _failure(self, exc: BaseException) -> HTTPError:
        if self._timed_out:
            return HTTPError(f"{self._what} at {self._url} did not answer in time; try again later")
        reason = getattr(exc, "reason", None) or exc
        if isinstance(exc, socket.timeout):
            reason = "timed out"
        return HTTPError(f"cannot reach {self._what} at {self._url}: {reason}")

    def iter_chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        """The body, in chunks of at most ``size`` bytes."""
        while True:
            try:
                chunk = self._response.read(size)
            except (OSError, http.client.HTTPException) as exc:
                raise self._failure(exc) from None
            if self._timed_out:
                raise self._failure(TimeoutError())
            if not chunk:
                return
            yield chunk

    def read_all(self, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
        """The whole body, or ``HTTPError`` once it grows past ``max_bytes``."""
        parts: list[bytes] = []
        total = 0
        for chunk in self.iter_chunks():
            total += len(chunk)
            if total > max_bytes:
                raise HTTPError(
                    f"{self._what} at {self._url} sent more than {max_bytes} bytes; refusing to read on"
                )
            parts.append(chunk)
        return b"".join(parts)

    def close(self) -> None:
        """Stop the watchdog and close the connection."""
        if self._timer is not None:
            self._timer.cancel()
        self._conn.close()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _connection(
    scheme: str, host: str, port: int | None, target: str, headers: dict[str, str],
    env: Mapping[str, str], ca_bundle: str | None, timeout: float | None,
) -> tuple[http.client.HTTPConnection, str]:
    """A connection to the host, or to the proxy for it, and the request target to send."""
    proxy = _proxy_for(scheme, host, env)
    context = None
    if scheme == "https":
        import ssl

        bundle = (_settings["ca_bundle"] or env.get("AWS_CA_BUNDLE") or ca_bundle
                  or _settings["default_ca_bundle"])
        if not _settings["verify"]:  # --no-verify-ssl: AWS CLI v2's meaning, for every call
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        else:
            context = ssl.create_default_context(cafile=str(bundle)) if bundle else ssl.create_default_context()
    if proxy is None:
        if context is not None:
            return http.client.HTTPSConnection(host, port, timeout=timeout, context=context), target
        return http.client.HTTPConnection(host, port, timeout=timeout), target
    proxy_parts = urlsplit(proxy if "//" in proxy else f"http://{proxy}")
    auth: dict[str, str] = {}
    if proxy_parts.username is not None:
        import base64

        pair = f"{unquote(proxy_parts.username)}:{unquote(proxy_parts.password or '')}"
        auth["Proxy-Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    proxy_host, proxy_port = proxy_parts.hostname or "", proxy_parts.port
    if context is not None:  # https through a proxy: CONNECT, then TLS to the host itself
        conn = http.client.HTTPSConnection(proxy_host, proxy_port, timeout=timeout, context=context)
        conn.set_tunnel(host, port, headers=auth)
        return conn, target
    headers.update(auth)  # plain http through a proxy: the absolute URI goes to the proxy
    netloc = f"[{host}]" if ":" in host else host
    return http.client.HTTPConnection(proxy_host, proxy_port, timeout=timeout), (
        f"http://{netloc}{f':{port}' if port else ''}{target}")


def _proxy_for(scheme: str, host: str, env: Mapping[str, str]) -> str | None:
    proxy = env.get(f"{scheme.upper()}_PROXY") or env.get(f"{scheme}_proxy")
    if not proxy or bypasses_proxy(host, env.get("NO_PROXY") or env.get("no_proxy") or ""):
        return None
    return proxy


def bypasses_proxy(host: str, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` exempts ``host``: ``bypasses_proxy("a.example", ".example")`` is True."""
    host = host.lower()
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if entry == "*" or (entry and (host == entry.lstrip(".") or host.endswith("." + entry.lstrip(".")))):
            return True
    return False

