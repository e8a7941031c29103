"""The audit log: one JSON object a line for every grant, refusal and S3 call the service makes.

Only named fields are written, each from a fixed list, so a token, a JWT, a signature or a
secret can never reach the file by accident: a URL (whose query carries the signature and any
session token) is not among them. Lines are written whole under a lock and flushed at once, so
a reader (``tail -f``, a log shipper) never sees half a record. Every character that any reader
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
_SEPARATORS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


class AuditLog:
    """Append JSON lines to ``path`` (``"-"`` is stderr; None writes nothing): ``AuditLog("audit.jsonl")``."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        if path == "-":
            self._file = sys.stderr
        elif path is not None:
            try:
                # 0600: the log names every caller and key; only the service's user reads it.
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                self._file = open(fd, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
            except OSError as exc:
                raise ConfigFileError(f"cannot open the audit log {path} (audit_log): {exc.strerror}") from None

    def write(self, event: str, **fields: object) -> None:
        """Record one event: ``log.write("grant", client="web", method="PUT", bucket="b", key="k")``."""
        if self._file is None:
            return
        record: dict[str, object] = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "event": event,
                                     "pid": os.getpid()}  # which worker, with --workers
        record.update((name, value) for name, value in fields.items() if name in FIELDS and value is not None)
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).translate(_SEPARATORS) + "\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()

    def close(self) -> None:
        """Close the file (stderr stays open)."""
        with self._lock:
            if self._file is not None and self._file is not sys.stderr:
                self._file.close()
            self._file = None
