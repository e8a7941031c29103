"""``s3presign serve``: the service under uvicorn, with the connection limits a public port needs.

Theory of operation. The socket is bound here, before uvicorn starts, so a port in use is one
clear error and ``--port 0`` picks a free port that the start-up line reports. With
``--workers N`` the bound socket is shared by N forked processes (the kernel spreads
connections), each with its own App; rate limits are then per process unless the policy's
``[limits] redis_url`` shares them. uvicorn's access log is off: a browser's path token is part
of each request line. SIGTERM (and Ctrl-C) stop accepting connections, let requests in flight
finish (up to ``GRACE`` seconds), then exit.

Slow clients. uvicorn times out idle keep-alive connections but not a request whose headers
arrive slowly (slow loris) or a connection that never sends anything; the protocol below closes
a connection whose request headers are not complete ``header_timeout`` seconds after it opened
or after its first byte, and refuses connections beyond ``max_connections`` at once. A request
body that stalls for ``idle_timeout`` is answered 408 by the App.
"""

from __future__ import annotations

import os
import signal
import socket
from dataclasses import dataclass

from .._errors import ConfigurationError, Error

TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio
    from typing import Any, TextIO

    from ._policy import Policy

__all__ = ["GRACE", "USAGE", "ServeOptions", "serve"]

GRACE = 10  # seconds that requests in flight get to finish on shutdown
USAGE = ("usage: s3presign serve --config FILE [--host 127.0.0.1] [--port 8080] [--workers 1] "
         "[--proxy-headers [--trusted-proxies 127.0.0.1,::1]] [--header-timeout 10] [--idle-timeout 5] "
         "[--max-connections 1000]")
LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class ServeOptions:
    """What ``s3presign serve`` was asked for (parsed by ``s3presign.cli``)."""

    config: str
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    proxy_headers: bool = False
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    header_timeout: float = 10.0
    idle_timeout: float = 5.0
    max_connections: int = 1000


def guarded_protocol(*, header_timeout: float, max_connections: int) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol with a header timeout and a cap on open connections."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class Guarded(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > max_connections:  # the cap: this one is closed unread
                transport.abort()
                return
            self._arm()

        def _waiting(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(header_timeout, self._expired)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _expired(self) -> None:
            self._header_timer = None
            if self._waiting() and not self.transport.is_closing():
                self.transport.abort()

        def data_received(self, data: bytes) -> None:
            if self._waiting():
                self._arm()  # the first byte of a request starts its clock
            super().data_received(data)
            if not self._waiting():
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._disarm()  # until the next request's first byte: uvicorn's keep-alive timeout runs

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return Guarded


def _is_loopback(host: str) -> bool:
    import ipaddress

    try:
        return host in LOOPBACK or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _app(policy: Policy, options: ServeOptions) -> Any:
    from ._app import App
    from ._limits import shared_limiter

    return App(policy, body_timeout=options.idle_timeout, limiter=shared_limiter(policy))


def serve(options: ServeOptions, *, err: TextIO) -> int:
    """Run the service until SIGTERM or Ctrl-C: ``serve(ServeOptions("presign.toml"), err=sys.stderr)``."""
    from ._policy import load_policy

    policy = load_policy(options.config)
    try:
        import uvicorn
    except ImportError:
        raise ConfigurationError("s3presign serve needs uvicorn: pip install 's3presign[serve]'") from None
    app = _app(policy, options)  # builds the signer now: missing credentials fail before the port opens
    host = options.host
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say they are
        # TCP, and with Nagle on, every response waits ~40 ms for a delayed ACK between its two writes.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, options.port))
        sock.listen(2048)  # connections queue from now on, before uvicorn takes the socket over
    except OSError as exc:
        raise Error(f"cannot listen on {host}:{options.port}: {exc.strerror or exc}") from None
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    if not _is_loopback(host) and not options.proxy_headers:
        err.write(f"s3presign: warning: serving plain HTTP on {shown}, which is not a loopback address: tokens "
                  "travel unencrypted; put a TLS proxy in front (see --proxy-headers)\n")
    workers = f", {options.workers} workers" if options.workers > 1 else ""
    err.write(f"s3presign: serving on http://{shown}:{port} with {policy.source} "
              f"({len(policy.clients)} clients, {len(policy.rules)} rules{workers}); SIGTERM or Ctrl-C stops\n")
    err.flush()

    def run(app: Any) -> None:
        config = uvicorn.Config(
            app, access_log=False, log_level="warning", lifespan="on", server_header=False,
            timeout_graceful_shutdown=GRACE, timeout_keep_alive=max(1, round(options.idle_timeout)),
            proxy_headers=options.proxy_headers, forwarded_allow_ips=list(options.trusted_proxies),
            http=guarded_protocol(header_timeout=options.header_timeout, max_connections=options.max_connections))
        server = uvicorn.Server(config)
        # uvicorn re-raises the signal that stopped it once it has shut down; a SIGTERM after a
        # graceful shutdown is a normal end (exit 0), not a kill.
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
        # Everything loaded so far lives as long as the process: out of the collector's sight, a full
        # collection walks only what requests allocate (gc.freeze, as CPython's docs advise for servers).
        import gc

        gc.collect()
        gc.freeze()
        try:
            server.run(sockets=[sock])
        finally:
            signal.signal(signal.SIGTERM, previous)
            app.audit.close()

    try:
        if options.workers == 1:
            run(app)
        else:
            app.audit.close()
            _run_workers(options.workers, lambda: run(_app(policy, options)))
    finally:
        sock.close()
    err.write("s3presign: stopped\n")
    return 0


def _run_workers(count: int, work: Any) -> None:
    """Fork ``count`` workers that each call ``work()``; forward SIGTERM/SIGINT; wait for all."""
    children: list[int] = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:  # the worker: its own event loop, App and signal handlers
            code = 0
            try:
                work()
            except BaseException:  # noqa: BLE001 - a worker never returns into the parent's code
                code = 1
            finally:
                os._exit(code)
        children.append(pid)

    def forward(signum: int, frame: object) -> None:
        for child in children:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for child in children:
            while True:
                try:
                    os.waitpid(child, 0)
                    break
                except InterruptedError:
                    continue
                except ChildProcessError:
                    break
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
