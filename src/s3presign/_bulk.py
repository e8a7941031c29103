"""Bulk presigning: lines of ``s3://bucket/key`` in, URLs out, streaming and in input order.

Theory of operation. Input is read in blocks of bytes cut at the last newline (about 256 KiB,
some thousands of lines); each block becomes one block of output text (and a list of bad lines),
so memory holds a few blocks whatever the input size. A line that grows past ``MAX_LINE_BYTES``
before its newline is refused with its number and skipped without being kept (an S3 key is at
most 1,024 bytes, so no valid line comes near). A UTF-8 byte-order mark at the very start is
dropped (Windows and Excel exports); blank and all-white-space lines are skipped.

With ``jobs > 1`` and more than one block of input, blocks go to worker processes (each with its
own copy of the Presigner, which pickles). A block travels as one ``bytes`` object and comes back
as one: the parent neither splits, decodes nor encodes lines, because with two cores every
microsecond the parent spends per line is one the workers do not get. At most ``2 * jobs``
blocks are in flight and results are written in submission order, so output order is input order.
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

    # A task for format_chunk: a block of whole lines (or a list of lines from a listing), the
    # number of its first line, and an error for that line instead (a line over MAX_LINE_BYTES).
    Task = tuple[bytes | list[bytes], int, str | None]

__all__ = ["FORMATS", "MAX_LINE_BYTES", "ChunkResult", "format_chunk", "presign_many", "read_blocks", "stream"]

FORMATS = ("url", "jsonl", "csv", "tsv")
BLOCK_BYTES = 1 << 18
MAX_LINE_BYTES = 1 << 16  # far beyond any s3:// URI S3 allows (bucket 63 + key 1,024 bytes)
_BOM = b"\xef\xbb\xbf"

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
    if bucket and key and bucket[:4] != "arn:":
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


def read_blocks(source: BinaryIO, *, block_bytes: int = BLOCK_BYTES,
                max_line: int = MAX_LINE_BYTES) -> Iterator[Task]:
    """Cut a binary stream into tasks of whole lines; memory stays under ``block_bytes + max_line``."""
    read = getattr(source, "read1", None) or source.read  # read1: what is there, without waiting for more
    line = 1
    carry = b""
    skipping = False  # inside an overlong line: drop bytes up to its newline
    start = True
    while True:
        data = read(block_bytes)
        if not data:
            if carry and not skipping:
                yield carry, line, None
            return
        if start:
            data = carry + data
            if len(data) < len(_BOM) and _BOM.startswith(data):  # too little yet to tell
                carry = data
                continue
            carry = b""
            start = False
            if data.startswith(_BOM):
                data = data[len(_BOM):]
        if skipping:
            cut = data.find(b"\n")
            if cut < 0:
                continue
            data = data[cut + 1:]
            line += 1
            skipping = False
        block = carry + data if carry else data
        cut = block.rfind(b"\n") + 1
        carry = block[cut:]
        if cut:
            whole = block[:cut] if cut < len(block) else block
            yield whole, line, None
            line += whole.count(b"\n")
        if len(carry) > max_line:
            yield b"", line, _too_long(max_line)
            carry = b""
            skipping = True


def _too_long(limit: int) -> str:
    return f"the line is longer than {limit:,} bytes (no S3 URI is); it was skipped"


def _line_error(line: str, exc: Error) -> str:
    """What is wrong with a line: a line too long to be an S3 URI says so, whatever else failed."""
    if len(line) * 4 > MAX_LINE_BYTES and len(line.encode("utf-8", "surrogateescape")) > MAX_LINE_BYTES:
        return _too_long(MAX_LINE_BYTES)
    return str(exc)


def _one_bucket(data: bytes) -> tuple[str, list[str]] | None:
    """``(bucket, keys)`` when every line of a block is ``s3://BUCKET/...`` for one bucket (the
    usual bulk input), else None. One ``split`` on ``"\ns3://BUCKET/"`` then yields the keys
    themselves, and the block signs in one comprehension: no per-line parsing at all."""
    if not data.startswith(b"s3://") or data.startswith(b"s3://arn:"):  # an access point ARN holds '/'
        return None
    cut = data.find(b"/", 5)
    if cut < 0:
        return None
    prefix = data[: cut + 1]
    body = data[:-1] if data.endswith(b"\n") else data
    if b"\r" in body or body.count(b"\n") != body.count(b"\n" + prefix):
        return None
    try:
        keys = body[len(prefix):].decode("utf-8").split("\n" + prefix[:-1].decode("utf-8") + "/")
    except UnicodeDecodeError:
        return None
    return prefix[5:-1].decode("utf-8"), keys


def _text_lines(data: bytes | list[bytes]) -> tuple[list[str], bool, bool]:
    """The lines of a task as text; whether each had its ``s3://`` cut off (every line had one);
    whether some may hold bytes that are not UTF-8.

    Undecodable bytes become lone surrogates (``surrogateescape``), which valid UTF-8 never
    yields, so a line holding one is a line that was not UTF-8. When every line of a block
    starts with ``s3://`` (the usual case), one ``split`` on ``"\ns3://"`` both cuts the block
    into lines and drops the scheme: the per-line loop is where the time goes.
    """
    if isinstance(data, list):
        return [raw.decode("utf-8", "surrogateescape").rstrip("\r\n") for raw in data], False, True
    try:
        text = data.decode("utf-8")
        suspect = False
    except UnicodeDecodeError:
        text = data.decode("utf-8", "surrogateescape")
        suspect = True
    if text.endswith("\n"):
        text = text[:-1]  # the block's final newline
    if "\r" in text:
        return [line.rstrip("\r") for line in text.split("\n")], False, suspect
    if text.startswith("s3://") and text.count("\n") == text.count("\ns3://"):
        return text[5:].split("\ns3://"), True, suspect
    return text.split("\n"), False, suspect


def format_chunk(signer: Presigner, data: bytes | list[bytes], first_line: int, *, method: str, expires_in: int,
                 fmt: str, keep_going: bool, params: list[tuple[str, str]] | None = None,
                 headers: list[tuple[str, str]] | None = None, error: str | None = None) -> ChunkResult:
    """Presign and format one task: a block of whole lines (``bytes``) or a list of lines."""
    if error is not None:
        return ChunkResult(b"", 0, [(first_line, error)], not keep_going)
    presign: Callable[..., str] = signer.presign
    if params or headers:
        def presign(bucket: str, key: str, method: str, expires_in: int, now: Any = None) -> str:
            return signer.presign(bucket, key, method, expires_in, now, params=params, headers=headers)
    if fmt == "url" and isinstance(data, bytes):
        found = _one_bucket(data)
        if found is not None:
            bucket, keys = found
            try:
                return _result([presign(bucket, key, method, expires_in) for key in keys], [], False)
            except CredentialsError:
                raise  # not a line's fault (refreshing failed): stops the run, exit 253
            except Error:
                pass  # a bad line: the loop below finds and names it
    lines, prefixed, suspect = _text_lines(data)
    out: list[str] = []
    errors: list[tuple[int, str]] = []
    append = out.append
    stopped = False
    if prefixed and fmt == "url" and not suspect:  # the fast loop: "bucket/key" lines in, URLs out
        for offset, line in enumerate(lines):
            bucket, _, key = line.partition("/")
            try:
                if not (bucket and key) or bucket[:4] == "arn:":  # an access point ARN holds '/'
                    bucket, key = split_uri("s3://" + line)
                append(presign(bucket, key, method, expires_in))
            except CredentialsError:
                raise  # not the line's fault (refreshing failed): stops the run, exit 253
            except Error as exc:
                errors.append((first_line + offset, _line_error(line, exc)))
                if not keep_going:
                    stopped = True
                    break
        return _result(out, errors, stopped)
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
    for offset, uri in enumerate(lines):
        if prefixed:
            uri = "s3://" + uri
        elif not uri or uri.isspace():
            continue  # blank lines separate groups in hand-made lists; they name no object
        try:
            if suspect and not uri.isascii():
                uri.encode("utf-8")  # raises for the lone surrogates undecodable bytes became
            bucket, key = split_uri(uri)
            if fmt == "url":
                append(presign(bucket, key, method, expires_in))
                continue
            url = presign(bucket, key, method, expires_in, now)
        except UnicodeEncodeError:
            errors.append((first_line + offset, "the line is not valid UTF-8"))
        except CredentialsError:
            raise  # not the line's fault (refreshing failed): stops the run, exit 253
        except Error as exc:
            errors.append((first_line + offset, _line_error(uri, exc)))
        else:
            if json_dumps is not None:
                append(f'{{"uri": {json_dumps(uri, ensure_ascii=False)}, "url": "{url}", '
                       f'"expires_at": "{expires_at}"}}')
            else:
                append(f"{_quote_field(uri, delimiter)}{delimiter}{url}{delimiter}{expires_at}")
            continue
        if not keep_going:
            stopped = True
            break
    return _result(out, errors, stopped)


def _result(out: list[str], errors: list[tuple[int, str]], stopped: bool) -> ChunkResult:
    text = "\n".join(out)
    return ChunkResult((text + "\n" if out else text).encode(), len(out), errors, stopped)


# -- worker processes -----------------------------------------------------------------------------
#
# Workers write their output straight to the output file descriptor, in input order: the
# parent only reads input and hands out blocks. Passing every URL back through the parent
# cost the parent (pickling, pipe reads, copies) more CPU than one worker's signing, on a
# machine whose two cores the workers need. Order comes from a token passed round a ring:
# block i goes to worker i % jobs, which writes it only after holding the token that worker
# (i - 1) % jobs passes on once its block i - 1 is written. The token also carries whether the
# run has stopped (a bad line without --keep-going, or a closed output), so no later block is
# written. Each worker then reports the block's count and bad lines to the parent, which
# reports them in order. The parent sends blocks from a thread so that it is always ready to
# read those reports (a report with many bad lines can fill a pipe).

_GO, _STOP, _BROKEN = b"g", b"s", b"b"


def _write_all(fd: int, data: bytes) -> None:
    import os

    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _worker(signer: Presigner, settings: dict[str, Any], tasks: Any, reports: Any, token_in: Any, token_out: Any,
            fd: int) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    while True:
        task = tasks.recv()
        if task is None:
            return
        failure: Error | None = None
        try:
            result = format_chunk(signer, task[0], task[1], error=task[2], **settings)
        except Error as exc:  # the run's fault, not a line's (credentials could not refresh)
            result, failure = ChunkResult(b"", 0, [], True), exc
        state = token_in.recv_bytes()
        if state == _GO:
            try:
                _write_all(fd, result.data)
            except OSError:  # a closed pipe (| head), a full disk: the run ends here
                state = _BROKEN
            else:
                state = _STOP if result.stopped else _GO
        token_out.send_bytes(state)
        reports.send((result.count, result.errors, state, failure))


def _stream_in_workers(signer: Presigner, tasks: Iterator[Task], fd: int, jobs: int, settings: dict[str, Any],
                       report: Callable[[int, list[tuple[int, str]]], object]) -> None:
    """Presign ``tasks`` in ``jobs`` forked processes writing to ``fd`` in order; ``report(count,
    errors)`` is called in order in this process. Raises BrokenPipeError when the output closes."""
    import multiprocessing
    import multiprocessing.connection
    import queue
    import threading

    context = multiprocessing.get_context("fork")
    task_pipes = [context.Pipe(duplex=False) for _ in range(jobs)]
    report_pipes = [context.Pipe(duplex=False) for _ in range(jobs)]
    ring = [context.Pipe(duplex=False) for _ in range(jobs)]  # worker w reads ring[w], writes ring[w + 1]
    workers = [
        context.Process(target=_worker, daemon=True, args=(
            signer, settings, task_pipes[w][0], report_pipes[w][1], ring[w][0], ring[(w + 1) % jobs][1], fd))
        for w in range(jobs)
    ]
    for worker in workers:
        worker.start()
    ring[0][1].send_bytes(_GO)
    sent: queue.SimpleQueue[int | None] = queue.SimpleQueue()  # which worker got each block, in order
    room = threading.Semaphore(2 * jobs)  # blocks in flight
    stop = threading.Event()

    def feed() -> None:
        try:
            for index, task in enumerate(tasks):
                room.acquire()
                if stop.is_set():
                    break
                task_pipes[index % jobs][1].send(task)
                sent.put(index % jobs)
        except BaseException as exc:  # noqa: BLE001 - reading input failed: end the run with it
            sent.put(None)
            failure.append(exc)
            return
        finally:
            for pipe in task_pipes:
                try:
                    pipe[1].send(None)
                except OSError:
                    pass
        sent.put(None)

    failure: list[BaseException] = []
    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    broken = False
    try:
        while (w := sent.get()) is not None:
            ready = multiprocessing.connection.wait([report_pipes[w][0], workers[w].sentinel])
            if report_pipes[w][0] not in ready:
                raise Error(f"a worker process ended unexpectedly (exit code {workers[w].exitcode})")
            count, errors, state, failed = report_pipes[w][0].recv()
            room.release()
            if stop.is_set():
                continue  # a later block: not written
            if failed is not None:
                failure.append(failed)
            report(count, errors)
            if state != _GO:
                stop.set()
                room.release()  # let the feeder see the stop
                broken = state == _BROKEN
        for worker in workers:
            worker.join()
    finally:
        stop.set()
        room.release()
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
                worker.join()
    if failure:
        raise failure[0]
    if broken:
        raise BrokenPipeError("the output was closed")


def stream(signer: Presigner, source: BinaryIO, write: Callable[[bytes], object], *, method: str, expires_in: int,
           fmt: str, keep_going: bool, jobs: int, on_error: Callable[[int, str], object],
           on_progress: Callable[[int], object] | None = None, params: list[tuple[str, str]] | None = None,
           headers: list[tuple[str, str]] | None = None, out_fd: int | None = None) -> tuple[int, int]:
    """Presign every line of ``source``, writing output in order; returns (URLs written, bad lines).

    ``out_fd``: the file descriptor ``write`` ends in, already flushed; with it, ``jobs > 1``
    workers write there themselves. Without it everything runs in this process."""
    settings: dict[str, Any] = {"method": method, "expires_in": expires_in, "fmt": fmt, "keep_going": keep_going,
                                "params": params, "headers": headers}
    written = bad = 0

    def chunks() -> Iterator[Task]:
        if hasattr(source, "read"):
            yield from read_blocks(source)
            return
        next_line = 1
        while True:  # a line source (a listing): lists of lines
            lines = source.readlines(BLOCK_BYTES)
            if not lines:
                return
            yield lines, next_line, None
            next_line += len(lines)

    def report(count: int, errors: list[tuple[int, str]]) -> None:
        nonlocal written, bad
        written += count
        for line, message in errors:
            on_error(line, message)
        bad += len(errors)
        if on_progress is not None:
            on_progress(written)

    tasks = chunks()
    first = next(tasks, None)
    second = next(tasks, None) if first is not None else None
    import os

    if jobs > 1 and second is not None and out_fd is not None and hasattr(os, "fork"):
        _write_all(out_fd, header(fmt).encode())
        assert first is not None
        _stream_in_workers(signer, chain([first, second], tasks), out_fd, jobs, settings, report)
        return written, bad
    write(header(fmt).encode())  # small input, or nowhere for workers to write: no processes
    for task in chain([first] if first else [], [second] if second else [], tasks):  # lazily: input may be huge
        result = format_chunk(signer, task[0], task[1], error=task[2], **settings)
        write(result.data)
        report(result.count, result.errors)
        if result.stopped:
            break
    return written, bad
