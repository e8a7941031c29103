"""Bulk presigning: lines of ``s3://bucket/key`` in, URLs out, streaming and in input order.

Theory of operation. Input is read in chunks of lines; each chunk becomes one block of output
text (and a list of bad lines), so memory holds a few chunks whatever the input size. With
``jobs > 1`` and more than one chunk of input, chunks go to worker processes (each with its own
copy of the Presigner, which pickles); at most ``2 * jobs`` chunks are in flight and results are
written in submission order, so output order is input order. The parent only reads and writes.
"""

from __future__ import annotations

import time
from itertools import chain

from ._errors import CredentialsError, Error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import Any, BinaryIO

    from ._presigner import Presigner

__all__ = ["FORMATS", "ChunkResult", "format_chunk", "presign_many", "stream"]

FORMATS = ("url", "jsonl", "csv", "tsv")
CHUNK_LINES = 4096


def presign_many(signer: Presigner, items: Iterable[str | tuple[str, str]], *, method: str = "GET",
                 expires_in: int = 3600) -> Iterator[str]:
    """Yield one URL per ``"s3://bucket/key"`` (or ``(bucket, key)``), lazily and in order."""
    presign = signer.presign
    for item in items:
        if isinstance(item, str):
            bucket, key = split_uri(item)
        else:
            bucket, key = item
        yield presign(bucket, key, method, expires_in)


def split_uri(uri: str) -> tuple[str, str]:
    """The fast form of ``parse_s3_uri`` for bulk input; errors are the same."""
    rest = uri[5:] if uri.startswith("s3://") else uri
    bucket, slash, key = rest.partition("/")
    if bucket and key:
        return bucket, key
    from ._uri import parse_s3_uri

    return parse_s3_uri(uri)  # raises the clear error


def _quote_field(text: str, delimiter: str) -> str:
    if delimiter in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def header(fmt: str) -> str:
    """The header row of a tabular format ('' for the others)."""
    return {"csv": "uri,url,expires_at\n", "tsv": "uri\turl\texpires_at\n"}.get(fmt, "")


class ChunkResult:
    """A chunk's output (UTF-8 bytes, encoded where it was made), its bad lines ``(line number,
    message)``, and whether it stopped early."""

    __slots__ = ("count", "data", "errors", "stopped")

    def __init__(self, data: bytes, count: int, errors: list[tuple[int, str]], stopped: bool) -> None:
        self.data = data
        self.count = count
        self.errors = errors
        self.stopped = stopped


def format_chunk(signer: Presigner, lines: list[bytes], first_line: int, *, method: str, expires_in: int,
                 fmt: str, keep_going: bool, params: list[tuple[str, str]] | None = None,
                 headers: list[tuple[str, str]] | None = None) -> ChunkResult:
    """Presign and format one chunk of input lines (each ``bytes``, newline included or not)."""
    presign: Callable[..., str] = signer.presign
    if params or headers:
        def presign(bucket: str, key: str, method: str, expires_in: int, now: Any = None) -> str:
            return signer.presign(bucket, key, method, expires_in, now, params=params, headers=headers)
    out: list[str] = []
    errors: list[tuple[int, str]] = []
    append = out.append
    expires_at = ""
    json_dumps: Any = None
    if fmt != "url":
        from datetime import datetime, timezone

        second = int(time.time())
        now = datetime.fromtimestamp(second, timezone.utc)
        expires_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second + expires_in))
        if fmt == "jsonl":
            from json import dumps as json_dumps
        delimiter = "\t" if fmt == "tsv" else ","
    stopped = False
    for offset, raw in enumerate(lines):
        try:
            uri = raw.decode("utf-8").rstrip("\r\n") if raw[-1:] in (b"\n", b"\r") else raw.decode("utf-8")
            rest = uri[5:] if uri.startswith("s3://") else uri
            bucket, slash, key = rest.partition("/")
            if not (bucket and key):
                bucket, key = split_uri(uri)
            if fmt == "url":
                append(presign(bucket, key, method, expires_in) + "\n")
                continue
            url = presign(bucket, key, method, expires_in, now)
        except UnicodeDecodeError:
            errors.append((first_line + offset, "the line is not valid UTF-8"))
        except CredentialsError:
            raise  # not the line's fault (refreshing failed): stops the run, exit 253
        except Error as exc:
            errors.append((first_line + offset, str(exc)))
        else:
            if json_dumps is not None:
                append(f'{{"uri": {json_dumps(uri, ensure_ascii=False)}, "url": "{url}", '
                       f'"expires_at": "{expires_at}"}}\n')
            else:
                append(f"{_quote_field(uri, delimiter)}{delimiter}{url}{delimiter}{expires_at}\n")
            continue
        if not keep_going:
            stopped = True
            break
    return ChunkResult("".join(out).encode(), len(out), errors, stopped)


# -- worker processes -----------------------------------------------------------------------------

_worker_args: tuple[Presigner, dict[str, Any]] | None = None


def _init_worker(signer: Presigner, settings: dict[str, Any]) -> None:
    global _worker_args
    import os
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    # Workers send results back through the pool, never to stdout. Letting go of the inherited
    # stdout means the reader sees end-of-file as soon as the parent is done, even if a worker
    # is still shutting down (a pipeline must not wait on them).
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    _worker_args = (signer, settings)


def _work(task: tuple[list[bytes], int]) -> ChunkResult:
    assert _worker_args is not None
    signer, settings = _worker_args
    return format_chunk(signer, task[0], task[1], **settings)


def stream(signer: Presigner, source: BinaryIO, write: Callable[[bytes], object], *, method: str, expires_in: int,
           fmt: str, keep_going: bool, jobs: int, on_error: Callable[[int, str], object],
           on_progress: Callable[[int], object] | None = None, params: list[tuple[str, str]] | None = None,
           headers: list[tuple[str, str]] | None = None) -> tuple[int, int]:
    """Presign every line of ``source``, writing output in order; returns (URLs written, bad lines)."""
    settings: dict[str, Any] = {"method": method, "expires_in": expires_in, "fmt": fmt, "keep_going": keep_going,
                                "params": params, "headers": headers}
    write(header(fmt).encode())
    written = bad = 0
    next_line = 1

    def chunks() -> Iterator[tuple[list[bytes], int]]:
        nonlocal next_line
        while True:
            lines = source.readlines(CHUNK_LINES * 64)  # about CHUNK_LINES lines of 64 bytes
            if not lines:
                return
            yield lines, next_line
            next_line += len(lines)

    def emit(result: ChunkResult) -> bool:
        nonlocal written, bad
        write(result.data)
        written += result.count
        for line, message in result.errors:
            on_error(line, message)
        bad += len(result.errors)
        if on_progress is not None:
            on_progress(written)
        return result.stopped

    tasks = chunks()
    first = next(tasks, None)
    if first is None:
        return 0, 0
    second = next(tasks, None)
    if jobs <= 1 or second is None:  # small input: no processes to start
        for task in chain([first], [second] if second else [], tasks):  # lazily: input may be huge
            if emit(format_chunk(signer, task[0], task[1], **settings)):
                break
        return written, bad
    import multiprocessing
    import os
    from collections import deque

    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(jobs, initializer=_init_worker, initargs=(signer, settings)) as pool:
        pending: deque[Any] = deque()
        feed = iter([first, second])

        def refill() -> None:
            while len(pending) < 2 * jobs:
                task = next(feed, None) or next(tasks, None)
                if task is None:
                    return
                pending.append(pool.apply_async(_work, (task,)))

        refill()
        while pending:
            if emit(pending.popleft().get()):
                pool.terminate()
                break
            refill()
    return written, bad

