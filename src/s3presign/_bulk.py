"""Bulk presigning: lines of ``s3://bucket/key`` in, URLs out, streaming and in input order.

Theory of operation. Input is read in blocks of bytes cut at the last newline (about 256 KiB,
some thousands of lines); each block becomes one block of output text (and a list of bad lines),
so memory holds a few blocks whatever the input size. A line that grows past ``MAX_LINE_BYTES``
before its newline is refused with its number and skipped without being kept (an S3 key is at
most 1,024 bytes, so no valid line comes near). A UTF-8 byte-order mark at the very start is
dropped (Windows and Excel exports); blank and all-white-space lines are skipped.

With ``jobs > 1`` and more than one block of input, turns go to worker processes (each with its
own copy of the Signer, which pickles), which read the input descriptor themselves when there
is one and write the output themselves, in turn order (see "worker processes" below): the parent
neither reads, splits, decodes nor encodes lines, because with two cores every microsecond it
spent per line would be one the workers do not get. Output order is input order.

A wing: takes a ``Signer`` (its batch door) and imports the shared rules, ``_encoding``, ``_uri`` and
the ground; never the front door.
"""

from __future__ import annotations

import time
from itertools import chain, islice

from ._encoding import encode_path, encode_path_lines
from ._errors import CredentialsError, Error, InvalidRequestError
from ._checks import MAX_KEY_BYTES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import Any, BinaryIO

    from ._signer import Signer

    # A task for format_chunk: a block of whole lines (or a list of lines from a listing), the
    # number of its first line, and an error for that line instead (a line over MAX_LINE_BYTES).
    Task = tuple[bytes | list[bytes], int, str | None]

__all__ = ["FORMATS", "MAX_LINE_BYTES", "ChunkResult", "format_chunk", "presign_many", "read_blocks", "stream"]

FORMATS = ("url", "jsonl", "csv", "tsv")
BLOCK_BYTES = 1 << 18
READ_AHEAD = 512  # items presign_many holds at most
MAX_LINE_BYTES = 1 << 16  # far beyond any s3:// URI S3 allows (bucket 63 + key 1,024 bytes)
_BOM = b"\xef\xbb\xbf"

def presign_many(signer: Signer, items: Iterable[str | tuple[str, str]], *, method: str = "GET",
                 expires_in: int = 3600) -> Iterator[str]:
    """Yield one URL per ``"s3://bucket/key"`` (or ``(bucket, key)``), lazily and in order.

    Items are taken in runs of 1, 2, 4, ... up to ``READ_AHEAD``: the first URL comes after
    the first item, and no more than ``READ_AHEAD`` items are held. A run of one bucket is
    signed by ``Signer.presign_keys`` (up to 1.25x the rate of URL by URL); a run holding a bad
    item is signed item by item, so every URL before the bad item is yielded before its error.
    """
    presign = signer.presign
    iterator = iter(items)
    size = 1
    while run := list(islice(iterator, size)):
        size = min(2 * size, READ_AHEAD)
        urls: list[str] | None = None
        try:
            pairs = [split_s3_uri(item) if isinstance(item, str) else item for item in run]
            if set(map(len, pairs)) == {2}:
                buckets, keys = zip(*pairs)
                if buckets.count(buckets[0]) == len(buckets):
                    urls = signer.presign_keys(buckets[0], keys, method, expires_in)
                else:
                    urls = [presign(bucket, key, method, expires_in) for bucket, key in pairs]
        except CredentialsError:
            raise  # refreshing failed: no item's fault
        except (Error, TypeError, ValueError):
            pass  # a bad item: the loop below yields the URLs before it, then raises its error
        if urls is not None:
            yield from urls
            continue
        for item in run:
            if isinstance(item, str):
                bucket, key = split_s3_uri(item)
            else:
                bucket, key = item
            yield presign(bucket, key, method, expires_in)


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``split_uri`` for the library's URI inputs (presign_many, columns without ``bucket=``):
    ``s3://BUCKET/KEY`` only; a plain string is an error, never a guessed bucket."""
    if uri[:5].lower() != "s3://":
        raise InvalidRequestError(f"{uri[:200]!r} is not an s3:// URI: give s3://BUCKET/KEY "
                                  "(or a (bucket, key) pair, or the column's bucket=)")
    return split_uri(uri if uri[:5] == "s3://" else "s3://" + uri[5:])


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


class _Cutter:
    """Cuts a byte stream into tasks of whole lines as it arrives; memory stays under one read
    plus ``max_line`` bytes.

    A line that grows past ``max_line`` before its newline becomes a task holding only its error
    and is skipped up to its newline without being kept. A UTF-8 byte-order mark at the very
    start is dropped. The state is a few fields and the unfinished last line, so it pickles
    small: worker processes that read the input in turn pass it on with the read token.
    """

    __slots__ = ("carry", "line", "max_line", "skipping", "start")

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        self.carry = b""  # the unfinished last line
        self.line = 1  # the number of the next line to begin
        self.max_line = max_line
        self.skipping = False  # inside an overlong line: drop bytes up to its newline
        self.start = True  # nothing seen yet (a byte-order mark may come)

    def feed(self, data: bytes) -> list[Task]:
        """The tasks that ``data``, the next bytes of the stream, completes (none to two)."""
        tasks: list[Task] = []
        if self.start:
            data = self.carry + data
            if len(data) < len(_BOM) and _BOM.startswith(data):  # too little yet to tell
                self.carry = data
                return tasks
            self.carry = b""
            self.start = False
            if data.startswith(_BOM):
                data = data[len(_BOM):]
        if self.skipping:
            cut = data.find(b"\n")
            if cut < 0:
                return tasks
            data = data[cut + 1:]
            self.line += 1
            self.skipping = False
        block = self.carry + data if self.carry else data
        cut = block.rfind(b"\n") + 1
        self.carry = block[cut:]
        if cut:
            whole = block[:cut] if cut < len(block) else block
            tasks.append((whole, self.line, None))
            self.line += whole.count(b"\n")
        if len(self.carry) > self.max_line:
            tasks.append((b"", self.line, _too_long(self.max_line)))
            self.carry = b""
            self.skipping = True
        return tasks

    def end(self) -> list[Task]:
        """The task left at the end of the stream: a last line without its newline."""
        carry, self.carry = self.carry, b""
        return [(carry, self.line, None)] if carry and not self.skipping else []


def read_blocks(read: Callable[[int], bytes], cutter: _Cutter | None = None, *,
                block_bytes: int = BLOCK_BYTES) -> Iterator[Task]:
    """Tasks of whole lines from ``read(n)`` (which returns b"" at the end), cut by ``cutter``."""
    cutter = cutter or _Cutter()
    while data := read(block_bytes):
        yield from cutter.feed(data)
    yield from cutter.end()


def _too_long(limit: int) -> str:
    return f"the line is longer than {limit:,} bytes (no S3 URI is); it was skipped"


def _line_error(line: str, exc: Error) -> str:
    """What is wrong with a line: a line too long to be an S3 URI says so, whatever else failed."""
    if len(line) * 4 > MAX_LINE_BYTES and len(line.encode("utf-8", "surrogateescape")) > MAX_LINE_BYTES:
        return _too_long(MAX_LINE_BYTES)
    return str(exc)


def _one_bucket(data: bytes) -> str | None:
    """The line prefix ``s3://BUCKET/`` when every line of a block starts with it for one bucket
    (the usual bulk input), the block is UTF-8 and holds no carriage return; else None.

    Then the keys come out of the block whole, without parsing a line: one ``split`` on
    ``"\ns3://BUCKET/"`` (see ``_block_keys`` and ``_block_paths``). The block holds as many
    ``"\ns3://BUCKET/"`` as newlines between its lines exactly when every line starts with
    that prefix, so two counts check the whole block."""
    if not data.startswith(b"s3://") or data.startswith(b"s3://arn:"):  # an access point ARN holds '/'
        return None
    cut = data.find(b"/", 5) + 1
    if cut <= 0 or not data[:cut].isascii() or b"\r" in data:
        return None
    if data.count(b"\n" + data[:cut]) != data.count(b"\n", 0, len(data) - 1):
        return None
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return data[:cut].decode("ascii")


def _block_keys(data: bytes, prefix: str) -> list[str]:
    """The keys of a block that ``_one_bucket`` found to be all ``prefix`` + key lines."""
    text = data.decode("utf-8")
    return text[len(prefix):-1 if text.endswith("\n") else None].split("\n" + prefix)


def _block_paths(data: bytes, prefix: str) -> list[str] | None:
    """The keys of such a block encoded for the URL path, as ``encode_path`` encodes each: the
    block is encoded at once (a few passes of ``bytes.replace``) rather than key by key; None
    when a key is empty or may be too long, for the key-by-key path to take or refuse."""
    encoded_prefix = encode_path(prefix)  # "s3%3A//bucket/": the block's prefixes are encoded too
    text = encode_path_lines(data).decode("ascii")
    paths = text[len(encoded_prefix):-1 if text.endswith("\n") else None].split("\n" + encoded_prefix)
    # An encoded key of at most 1,024 characters is at most 1,024 bytes long; a longer one may
    # still be short enough unencoded, so the key-by-key path decides.
    if min(map(len, paths)) == 0 or max(map(len, paths)) > MAX_KEY_BYTES:
        return None
    return paths


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


def format_chunk(signer: Signer, data: bytes | list[bytes], first_line: int, *, method: str, expires_in: int,
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
        prefix = _one_bucket(data)
        if prefix is not None:
            bucket = prefix[5:-1]
            try:
                if params or headers:
                    return _result([presign(bucket, key, method, expires_in) for key in _block_keys(data, prefix)],
                                   [], False)
                if signer.signs_paths(bucket) and (paths := _block_paths(data, prefix)) is not None:
                    return _result(signer.presign_paths(bucket, paths, method, expires_in), [], False)
                return _result(signer.presign_keys(bucket, _block_keys(data, prefix), method, expires_in), [], False)
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
    count = len(out)
    if out:
        out.append("")  # the last line's newline, without copying the joined text again
    return ChunkResult("\n".join(out).encode(), count, errors, stopped)


# -- worker processes -----------------------------------------------------------------------------
#
# The parent stays out of the data path: with two cores, every microsecond it spends per line
# is one the workers do not get. Work is done in turns, turn i by worker i % jobs, and two
# tokens go round the ring of workers in turn order:
#
# - the read token, when the input is a file descriptor (stdin, --input): its holder reads the
#   next block straight from the descriptor, cuts it at its last newline with the cutter the
#   token carries (unfinished line, line number, byte-order mark and overlong-line state) and
#   passes the token on at once, so the next worker reads while this one signs. A line source
#   (a listing, an inventory) has no descriptor: the parent reads it and sends each worker its
#   tasks on a pipe of its own, in the same turn order, at most 2 * jobs turns ahead.
# - the write token: its holder writes its turn's output to the output descriptor, then
#   passes it on, so output order is input order. It also carries whether the run has stopped
#   (a bad line without --keep-going, a closed output, a failure), after which nothing more is
#   written or read.
#
# A worker keeps up to two signed turns waiting for the write token (see ``_worker``). After
# each turn it reports its count and bad lines to the parent, which reports them in turn order,
# and ``None`` when it has no turns left; turns end together for all workers, so the first
# worker found without a turn ends the run.

_GO, _STOP, _BROKEN = b"g", b"s", b"b"


def _write_all(fd: int, data: bytes) -> None:
    import os

    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class _Fed:
    """A worker's tasks, sent one turn at a time by the parent (``None``: no more)."""

    def __init__(self, tasks: Any) -> None:
        self.conn = tasks  # readable when the next turn has come

    def next_turn(self) -> list[Task] | None:
        task = self.conn.recv()
        return None if task is None else [task]


class _Ring:
    """A worker's tasks, read from the input descriptor when the read token comes round."""

    def __init__(self, fd: int, token_in: Any, token_out: Any) -> None:
        self._fd = fd
        self.conn = token_in  # readable when the read token has come
        self._out = token_out

    def next_turn(self) -> list[Task] | None:
        import os

        cutter: _Cutter | None = self.conn.recv()
        if cutter is None:  # the input has ended (or could not be read)
            self._out.send(None)
            return None
        try:
            data = os.read(self._fd, BLOCK_BYTES)
        except BaseException:
            self._out.send(None)  # the others stop reading too
            raise
        if not data:
            self._out.send(None)
            return cutter.end()
        tasks = cutter.feed(data)
        self._out.send(cutter)
        return tasks


def _format_turn(signer: Signer, settings: dict[str, Any], tasks: list[Task]) -> ChunkResult:
    """One turn's output: its tasks formatted, up to the first that stops the run."""
    results = []
    for data, first_line, error in tasks:
        results.append(format_chunk(signer, data, first_line, error=error, **settings))
        if results[-1].stopped:
            break
    if len(results) == 1:
        return results[0]
    return ChunkResult(b"".join(r.data for r in results), sum(r.count for r in results),
                       [e for r in results for e in r.errors], any(r.stopped for r in results))


def _worker(signer: Signer, settings: dict[str, Any], source: _Fed | _Ring, reports: Any, token_in: Any,
            token_out: Any, fd: int) -> None:
    """Take turns, sign them, write them when the write token comes, until there are no more.

    A worker keeps up to two signed turns waiting for the write token: when the token is late
    (the worker before it had a slower turn) it signs its next turn meanwhile rather than idle.
    It waits for whichever comes first, the token or its next turn, and writes first."""
    import signal
    from collections import deque
    from multiprocessing.connection import wait

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    pending: deque[tuple[ChunkResult, BaseException | None]] = deque()
    held: bytes | None = None  # the write token, come before this worker's turn was signed
    reading = True
    while reading or pending:
        if held is not None and pending:  # this worker's oldest turn is the one to write
            (result, failure), state, held = pending.popleft(), held, None
            if state == _GO:
                try:
                    _write_all(fd, result.data)
                except OSError:  # a closed pipe (| head), a full disk: the run ends here
                    state = _BROKEN
                else:
                    state = _STOP if result.stopped else _GO
            token_out.send_bytes(state)
            reports.send((result.count, result.errors, state, failure))
            if state != _GO:
                break  # later turns are not written; the token tells the others
            continue
        ready = wait(([token_in] if held is None else []) + ([source.conn] if reading and len(pending) < 2 else []))
        if token_in in ready:
            held = token_in.recv_bytes()
            if held != _GO:  # the run stopped in another worker: pass that on, write nothing more
                token_out.send_bytes(held)
                break
            continue
        failure = None
        try:
            tasks = source.next_turn()
            if tasks is None:
                reading = False
                continue
            result = _format_turn(signer, settings, tasks)
        except (Error, OSError) as exc:  # the run's fault, not a line's: unreadable input, credentials
            result, failure = ChunkResult(b"", 0, [], True), exc
            reading = False
        pending.append((result, failure))
    reports.send(None)


def _stream_in_workers(signer: Signer, jobs: int, settings: dict[str, Any], out_fd: int,
                       report: Callable[[int, list[tuple[int, str]]], object], *,
                       tasks: Iterator[Task] | None = None, in_fd: int | None = None,
                       cutter: _Cutter | None = None) -> None:
    """Presign in ``jobs`` forked processes writing to ``out_fd`` in order: the input read by the
    workers from ``in_fd`` (cut by ``cutter``, which has seen what was read before), or ``tasks``
    sent by this process. ``report(count, errors)`` is called in order in this process. Raises
    BrokenPipeError when the output closes."""
    import multiprocessing
    import multiprocessing.connection
    import threading

    context = multiprocessing.get_context("fork")

    def ring() -> list[tuple[Any, Any]]:  # worker w reads ring[w] and writes ring[w + 1]
        return [context.Pipe(duplex=False) for _ in range(jobs)]

    report_pipes = ring()
    writes = ring()
    sources: list[_Fed | _Ring]
    task_pipes: list[tuple[Any, Any]] = []
    if in_fd is not None:
        reads = ring()
        sources = [_Ring(in_fd, reads[w][0], reads[(w + 1) % jobs][1]) for w in range(jobs)]
    else:
        task_pipes = ring()
        sources = [_Fed(task_pipes[w][0]) for w in range(jobs)]
    workers = [
        context.Process(target=_worker, daemon=True, args=(
            signer, settings, sources[w], report_pipes[w][1], writes[w][0], writes[(w + 1) % jobs][1], out_fd))
        for w in range(jobs)
    ]
    for worker in workers:
        worker.start()
    writes[0][1].send_bytes(_GO)
    room = threading.Semaphore(2 * jobs)  # turns sent ahead of their reports
    stop = threading.Event()
    failure: list[BaseException] = []

    def feed() -> None:
        assert tasks is not None
        try:
            for index, task in enumerate(tasks):
                room.acquire()
                if stop.is_set():
                    break
                task_pipes[index % jobs][1].send(task)
        except BaseException as exc:  # noqa: BLE001 - reading input failed: end the run with it
            if not stop.is_set():  # (after a stop, a send fails because the workers have gone)
                failure.append(exc)
        finally:
            for pipe in task_pipes:
                try:
                    pipe[1].send(None)
                except OSError:
                    pass

    if in_fd is not None:
        reads[0][1].send(cutter or _Cutter())
    else:
        threading.Thread(target=feed, daemon=True).start()
    broken = False
    try:
        for turn in range(1 << 62):
            w = turn % jobs
            ready = multiprocessing.connection.wait([report_pipes[w][0], workers[w].sentinel])
            if report_pipes[w][0] not in ready:
                raise Error(f"a worker process ended unexpectedly (exit code {workers[w].exitcode})")
            message = report_pipes[w][0].recv()
            if message is None:  # no turns left
                break
            count, errors, state, failed = message
            room.release()
            if stop.is_set():
                continue  # a later turn: not written
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
        for pipe in task_pipes:  # a feeder still sending to a worker that stopped gets an error
            pipe[0].close()
    if failure:
        raise failure[0]
    if broken:
        raise BrokenPipeError("the output was closed")


def _keep_freed_memory() -> None:
    """Ask the C library (glibc) to keep freed memory for reuse instead of returning it after each block.

    A block of input allocates a few MiB (its text, its keys, its URLs and their bytes) and frees
    them. By default glibc hands that memory back to the kernel and the next block faults it in
    again page by page; on these virtual machines the faults cost a quarter of the time per URL
    (measured: 135,000 faults per 500,000 URLs; 3.3 -> 2.45 µs a URL with the thresholds raised).
    The process then keeps about what its largest block needed, still bounded by the block size.
    Only the command calls this, before it forks its workers (they inherit it); a C library
    without ``mallopt`` (macOS, Windows) is left as it is.
    """
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, ImportError):
        return
    mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: blocks up to 32 MiB come from the heap, not mmap
    mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD: keep up to 64 MiB free at the top of the heap


def _input_fd(source: Any) -> int | None:
    """The descriptor under a binary file object (stdin, an opened --input), read directly with
    ``os.read`` from here on; None for other sources (an in-memory stream). ``stream`` must be
    given the object before anything was read through it, so no bytes sit in its buffer."""
    import io

    if not isinstance(source, (io.BufferedReader, io.FileIO)):
        return None
    try:
        return source.fileno()
    except (OSError, ValueError):
        return None


def stream(signer: Signer, source: BinaryIO, write: Callable[[bytes], object], *, method: str, expires_in: int,
           fmt: str, keep_going: bool, jobs: int, on_error: Callable[[int, str], object],
           on_progress: Callable[[int], object] | None = None, params: list[tuple[str, str]] | None = None,
           headers: list[tuple[str, str]] | None = None, out_fd: int | None = None,
           line_buffered: bool = False) -> tuple[int, int]:
    """Presign every line of ``source``, writing output in order; returns (URLs written, bad lines).

    ``source``: a binary stream not yet read from, or an object with ``readlines(hint)`` (a
    listing). ``out_fd``: the file descriptor ``write`` ends in, already flushed; with it,
    ``jobs > 1`` workers write there themselves. Without it everything runs in this process;
    so does an input that comes in one read (forking would cost more than it saves).
    ``line_buffered``: each line's URL as soon as the line arrives (someone types or a program
    waits for the answer): in this process, nothing held back for the next read; ``write``
    flushes."""
    import os

    settings: dict[str, Any] = {"method": method, "expires_in": expires_in, "fmt": fmt, "keep_going": keep_going,
                                "params": params, "headers": headers}
    written = bad = 0

    def report(count: int, errors: list[tuple[int, str]]) -> None:
        nonlocal written, bad
        written += count
        for line, message in errors:
            on_error(line, message)
        bad += len(errors)
        if on_progress is not None:
            on_progress(written)

    in_fd = None
    cutter = _Cutter()
    head: list[Task] = []
    rest: Iterator[Task]
    if hasattr(source, "read"):
        in_fd = _input_fd(source)
        read: Callable[[int], bytes] = (
            (lambda n: os.read(in_fd, n)) if in_fd is not None
            else getattr(source, "read1", None) or source.read)  # read1: what is there, without waiting for more
        ended = False
        while len(head) < (1 if line_buffered else 2):  # enough to tell a large input from a small one
            data = read(BLOCK_BYTES)
            if not data:
                head += cutter.end()
                ended = True
                break
            head += cutter.feed(data)
        more = not ended if line_buffered else len(head) >= 2
        rest = read_blocks(read, cutter) if more else iter(())
    else:
        def lines() -> Iterator[Task]:  # a line source (a listing): lists of lines
            next_line = 1
            while batch := source.readlines(BLOCK_BYTES):
                yield batch, next_line, None
                next_line += len(batch)

        rest = lines()
        head = [task for task in (next(rest, None), next(rest, None)) if task is not None]
        more = len(head) == 2
    if more:
        _keep_freed_memory()
    in_workers = jobs > 1 and more and out_fd is not None and hasattr(os, "fork") and not line_buffered
    emit: Callable[[bytes], object] = (lambda data: _write_all(out_fd, data)) if in_workers else write  # type: ignore[arg-type]
    emit(header(fmt).encode())
    for task in chain(head, () if in_workers else rest):  # lazily: the input may be huge
        result = format_chunk(signer, task[0], task[1], error=task[2], **settings)
        emit(result.data)
        report(result.count, result.errors)
        if result.stopped:
            return written, bad
    if in_workers:
        assert out_fd is not None
        if in_fd is not None:
            _stream_in_workers(signer, jobs, settings, out_fd, report, in_fd=in_fd, cutter=cutter)
        else:
            _stream_in_workers(signer, jobs, settings, out_fd, report, tasks=rest)
    return written, bad
