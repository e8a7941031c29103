"""Files s3presign reads and writes beside the AWS CLI: bounded reads, private atomic writes.

- ``read_text`` reads a config, credentials or token file below a size cap. It is opened
  non-blocking and checked with ``fstat`` before any read: a regular file larger than the cap is
  refused unread; anything else (``/dev/null``, a FIFO, a process substitution, a character
  device) is read up to the cap, so ``AWS_CONFIG_FILE=/dev/null`` reads as empty, as AWS CLI v2
  reads it, while ``/dev/zero`` stops at the cap instead of filling memory, and a FIFO nobody
  writes to reads as empty instead of blocking. A directory reads as empty, as AWS CLI v2 reads it.
- ``write_private`` writes a cache file (AWS CLI credential cache, SSO token cache, S3 Express
  sessions) as the AWS CLI does: a new 0600 file in the same directory, then ``os.replace``. A
  crash leaves the old file whole, and a symlink planted at the destination is replaced, never
  followed.

The ground: imports only ``_errors``.
"""

from __future__ import annotations

import os
import stat

from ._errors import FileTooLargeError, NotRegularFileError

__all__ = ["MAX_FILE_BYTES", "FileTooLargeError", "NotRegularFileError", "read_text", "write_private"]

MAX_FILE_BYTES = 16 << 20  # 16 MiB: far above any real config, credentials or cache file




def read_text(path: str, *, max_bytes: int = MAX_FILE_BYTES) -> str:
    """A file's UTF-8 text: ``read_text(os.path.expanduser("~/.aws/config"))``; ``""`` for
    ``/dev/null`` or a directory.

    ``OSError`` (``FileTooLargeError`` or the system's) when it cannot be read;
    ``UnicodeDecodeError`` when it is not UTF-8. Callers turn both into their own errors.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            return ""
        if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
            raise FileTooLargeError(f"{path} is larger than {max_bytes} bytes")
        chunks: list[bytes] = []
        total = 0
        while chunk := _read_some(fd):
            total += len(chunk)
            if total > max_bytes:  # grew while we read it
                raise FileTooLargeError(f"{path} is larger than {max_bytes} bytes")
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8")


def _read_some(fd: int) -> bytes:
    """The next chunk; ``b""`` at the end, or when a FIFO or terminal has nothing ready (non-blocking)."""
    try:
        return os.read(fd, 1 << 16)
    except BlockingIOError:
        return b""


def write_private(path: str, data: bytes) -> None:
    """Replace ``path`` atomically with ``data``, readable by the owner only (0600).

    The directory is created 0700 if missing. Raises ``OSError``; callers for whom a cache is
    optional ignore it.
    """
    import tempfile

    directory = os.path.dirname(path) or "."
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".s3presign-", suffix=".tmp")  # created 0600
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)  # replaces a symlink itself; never writes through it
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
