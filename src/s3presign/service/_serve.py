"""``s3presign serve --config FILE [--host 127.0.0.1] [--port 8080]``: the service under uvicorn.

The socket is bound here, before uvicorn starts, so a port in use is one clear error and
``--port 0`` picks a free port that the start-up line reports. uvicorn's access log is off: a
browser's path token is part of each request line. SIGTERM (and Ctrl-C) stop accepting
connections, let requests in flight finish (up to ``GRACE`` seconds), then exit.
"""

from __future__ import annotations

import signal
import socket

from .._errors import ConfigurationError, Error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO

__all__ = ["GRACE", "USAGE", "serve"]

GRACE = 10  # seconds that requests in flight get to finish on shutdown
USAGE = "usage: s3presign serve --config FILE [--host 127.0.0.1] [--port 8080]"


def serve(argv: Sequence[str], *, err: TextIO) -> int:
    """Run the service until SIGTERM or Ctrl-C: ``serve(["--config", "presign.toml"], err=sys.stderr)``."""
    from ..cli import UsageError
    from ._policy import load_policy

    options = {"--config": None, "--host": "127.0.0.1", "--port": "8080"}
    args = list(argv)
    while args:
        arg = args.pop(0)
        name, eq, value = arg.partition("=")
        if name in ("-h", "--help", "help"):
            err.write(USAGE + "\n")
            return 0
        if name not in options:
            raise UsageError(f"unknown option {name} for s3presign serve; {USAGE}")
        if not eq:
            if not args:
                raise UsageError(f"{name} needs a value; {USAGE}")
            value = args.pop(0)
        options[name] = value
    if not options["--config"]:
        raise UsageError(f"give the policy file: {USAGE}")
    port_text = str(options["--port"])
    if not port_text.isdigit() or int(port_text) > 65535:
        raise UsageError(f"--port must be a port number (0 to 65535), not {port_text!r}")
    policy = load_policy(str(options["--config"]))
    try:
        import uvicorn
    except ImportError:
        raise ConfigurationError("s3presign serve needs uvicorn: pip install 's3presign[serve]'") from None
    from ._app import App

    app = App(policy)  # builds the signer now: missing credentials fail before the port opens
    host = str(options["--host"])
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say they are
        # TCP, and with Nagle on, every response waits ~40 ms for a delayed ACK between its two writes.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, int(port_text)))
        sock.listen(2048)  # connections queue from now on, before uvicorn takes the socket over
    except OSError as exc:
        raise Error(f"cannot listen on {host}:{port_text}: {exc.strerror or exc}") from None
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, access_log=False, log_level="warning", lifespan="on", server_header=False,
                            timeout_graceful_shutdown=GRACE, proxy_headers=False)
    server = uvicorn.Server(config)
    shown = f"[{host}]" if ":" in host else host
    err.write(f"s3presign: serving on http://{shown}:{port} with {policy.source} "
              f"({len(policy.clients)} clients, {len(policy.rules)} rules); SIGTERM or Ctrl-C stops\n")
    err.flush()
    # uvicorn re-raises the signal that stopped it once it has shut down; a SIGTERM after a
    # graceful shutdown is a normal end (exit 0), not a kill.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        server.run(sockets=[sock])
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()
        app.audit.close()
    err.write("s3presign: stopped\n")
    return 0
