"""The audit log: one JSON object a line for every grant, refusal and S3 call the service makes.

Only named fields are written, each from a fixed list, so a token, a JWT, a signature or a
secret can never reach the file by accident: a URL (whose query carries the signature and any
session token) is not among them. Every character that any reader takes for a line end
(U+0085, U+2028, U+2029 too) is escaped; the file is created 0600.

Theory of operation. Nothing acknowledged is lost: each record is one ``write(2)`` on a file
opened ``O_APPEND``, made before ``write()`` returns, so before the service answers the request
it records. Once ``write(2)`` returns the record is the kernel's: a crash of the service (even
SIGKILL) cannot lose it, and a reader (``tail -f``, a log shipper, another worker appending to
the same file) never sees half a record. The machine itself crashing may lose what the kernel
had not yet put on disk: an ``fsync`` per record would cost a disk flush per request. One
``write(2)`` costs about 0.7 µs here, less than the JSON encoding did, so no buffer is kept.

The line is built from JSON-encoded pieces (``json.encoder.encode_basestring``, the encoder's
own C string escaper) rather than by ``JSONEncoder.encode``, which builds a new encoder object per
call: the same bytes ``json.dumps(record, ensure_ascii=False, separators=(",", ":"))`` gives, in a
third of the time. The fixed start of a record (time, event, pid) is made once a second.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from json.encoder import encode_basestring

from .._errors import ConfigFileError

__all__ = ["FIELDS", "AuditLog", "Fields", "encode_fields"]

# Everything a record may hold; anything else is dropped.
FIELDS = ("time", "event", "client", "identity", "auth", "route", "method", "bucket", "key", "expires_at",
          "upload_id", "part_number", "size", "max_size", "content_type", "status", "reason", "action", "remote",
          "pid")

_KNOWN = frozenset(FIELDS) - {"time", "event", "pid"}  # those three the log writes itself
_NAMES = {name: encode_basestring(name) + ":" for name in FIELDS}  # '"key":'
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# json.dumps escapes C0 controls but leaves these, which str.splitlines() (and some log shippers)
# take for line ends: a value holding one would split a record in two.
_SEPARATORS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


class Fields(str):
    """Known fields already encoded (``,"client":"web","auth":"token"``), made by ``encode_fields`` only."""

    __slots__ = ()


def encode_fields(fields: dict[str, object]) -> Fields:
    """The known, non-None ``fields`` as the inside of a JSON object, each after a comma:
    ``encode_fields({"key": "k", "url": "dropped"}) == ',"key":"k"'``."""
    return Fields(_encode(fields))


def _encode(fields: dict[str, object]) -> str:
    parts = [""]
    for name, value in fields.items():
        if value is None or name not in _KNOWN:
            continue
        kind = type(value)
        if kind is str:
            parts.append(_NAMES[name] + encode_basestring(value))  # type: ignore[arg-type]
        elif kind is int:
            parts.append(_NAMES[name] + int.__repr__(value))
        else:  # bools, floats, anything else: the JSON encoder's own spelling
            parts.append(_NAMES[name] + _ENCODER.encode(value))
    return ",".join(parts)


_NOTHING = Fields()


class AuditLog:
    """Append JSON lines to ``path`` (``"-"`` is stderr; None writes nothing): ``AuditLog("audit.jsonl")``."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._pid = os.getpid()
        self._second, self._heads = -1, {}  # type: int, dict[str, str]
        self._lock = threading.Lock()  # one record at a time, even if write(2) returns short
        self._fd: int | None = None
        self._stderr = path == "-"
        if path is not None and not self._stderr:
            try:
                # 0600: the log names every caller and key; only the service's user reads it.
                self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)  # not inherited (PEP 446)
            except OSError as exc:
                raise ConfigFileError(f"cannot open the audit log {path} (audit_log): {exc.strerror}") from None

    def fields(self, **fields: object) -> Fields:
        """Fields that many records share, encoded once for ``write(..., shared=)``: ``log.fields(client="web")``."""
        return encode_fields(fields)

    def write(self, event: str, shared: Fields = _NOTHING, /, **fields: object) -> None:
        """Record one event, written out before this returns:
        ``log.write("grant", client="web", method="PUT", bucket="b", key="k")``; ``shared`` (from
        ``fields()``) comes first, then ``fields``."""
        if self._fd is None and not self._stderr:
            return
        second = int(time.time())
        if second != self._second:  # the timestamp changes once a second, not once a record
            self._second, self._heads = second, {}
        head = self._heads.get(event)
        if head is None:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
            head = self._heads[event] = f'{{"time":"{stamp}","event":{encode_basestring(event)},"pid":{self._pid}'
        line = f"{head}{shared}{_encode(fields)}}}\n"
        if "\x85" in line or "\u2028" in line or "\u2029" in line:  # three C scans beat one translate()
            line = line.translate(_SEPARATORS)
        if self._fd is None:
            sys.stderr.write(line)
            sys.stderr.flush()
            return
        # backslashreplace: a lone surrogate (no valid UTF-8) becomes its JSON escape, \udc80
        data = line.encode("utf-8", "backslashreplace")
        with self._lock:
            fd = self._fd
            if fd is None:
                return
            while data:
                data = data[os.write(fd, data):]

    def close(self) -> None:
        """Close the file (stderr stays open)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
            self._fd = None
            self._stderr = False
