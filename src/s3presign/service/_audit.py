"""The audit log: one JSON object a line for every grant, refusal and S3 call the service makes.

Only named fields are written, each from a fixed list, so a token, a JWT, a signature or a
secret can never reach the file by accident: a URL (whose query carries the signature and any
session token) is not among them. Lines are written whole under a lock; in the service's event
loop they are flushed once the loop has handled the requests that are ready (one write for a
burst), elsewhere at once, so a reader (``tail -f``, a log shipper) never sees half a record. Every character that any reader
takes for a line end (U+0085, U+2028, U+2029 too) is escaped; the file is created 0600.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

from .._errors import ConfigFileError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

__all__ = ["FIELDS", "AuditLog"]

# Everything a record may hold; anything else is dropped.
FIELDS = ("time", "event", "client", "identity", "auth", "route", "method", "bucket", "key", "expires_at",
          "upload_id", "part_number", "size", "max_size", "content_type", "status", "reason", "action", "remote",
          "pid")

# json.dumps escapes C0 controls but leaves these, which str.splitlines() (and some log shippers)
# take for line ends: a value holding one would split a record in two.
_KNOWN = frozenset(FIELDS)
_FLUSH_AT = 1 << 17  # characters: far below the 1 MiB buffer, so the buffer never writes a partial line
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_SEPARATORS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


class AuditLog:
    """Append JSON lines to ``path`` (``"-"`` is stderr; None writes nothing): ``AuditLog("audit.jsonl")``."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._second, self._stamp, self._pid = -1, "", os.getpid()
        self._pending = False  # a flush is scheduled on the running event loop
        self._buffered = 0  # characters written since the last flush
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        if path == "-":
            self._file = sys.stderr
        elif path is not None:
            try:
                # 0600: the log names every caller and key; only the service's user reads it.
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                # A buffer larger than any burst's records: only flush() writes, and it writes whole lines.
                self._file = open(fd, "a", encoding="utf-8", buffering=1 << 20)  # noqa: SIM115 - closed by close()
            except OSError as exc:
                raise ConfigFileError(f"cannot open the audit log {path} (audit_log): {exc.strerror}") from None

    def write(self, event: str, **fields: object) -> None:
        """Record one event: ``log.write("grant", client="web", method="PUT", bucket="b", key="k")``."""
        if self._file is None:
            return
        second = int(time.time())
        if second != self._second:  # the timestamp changes once a second, not once a record
            self._second, self._stamp = second, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
        record: dict[str, object] = {"time": self._stamp, "event": event, "pid": self._pid}  # pid: which worker
        for name, value in fields.items():
            if value is not None and name in _KNOWN:
                record[name] = value
        line = _ENCODER.encode(record)
        if "\x85" in line or "\u2028" in line or "\u2029" in line:  # three C scans beat one translate()
            line = line.translate(_SEPARATORS)
        line += "\n"
        with self._lock:
            self._file.write(line)
            self._buffered += len(line)
            if self._buffered < _FLUSH_AT and self._flush_soon():
                return
            self._file.flush()
            self._buffered = 0

    def _flush_soon(self) -> bool:
        """Inside an event loop: flush once the loop has run what is ready now, so a burst of requests
        handled in one pass of the loop costs one write(2), and no record waits for the next event."""
        if self._file is sys.stderr:
            return False
        try:
            import asyncio

            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if not self._pending:
            self._pending = True
            loop.call_soon(self.flush)
        return True

    def flush(self) -> None:
        """Write out what is buffered (whole lines only)."""
        with self._lock:
            self._pending = False
            if self._file is not None:
                self._file.flush()
            self._buffered = 0

    def close(self) -> None:
        """Close the file (stderr stays open)."""
        with self._lock:
            if self._file is not None and self._file is not sys.stderr:
                self._file.close()
            self._file = None
