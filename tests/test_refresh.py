"""RefreshableCredentials on a clock the tests move: the advisory and mandatory windows, failures,
credentials that arrive near expiry, the URL-lifetime option, threads, fork, pickling and asyncio.

Expected URLs come from a Presigner with plain Credentials (itself checked against the published
vectors and botocore) at the same signing time, never from the code under test."""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from s3presign import Credentials, CredentialsError, Presigner, RefreshableCredentials

T0 = 1_800_000_000.0  # 2027-01-15, the fake clock's start
NOW = datetime.fromtimestamp(T0, timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


class Source:
    """A credential source: each fetch returns new credentials lasting ``lifetime`` seconds, or the
    fixed ones in ``same``, or raises while ``failing``."""

    def __init__(self, clock: Callable[[], float], lifetime: float = 3600) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls = 0
        self.failing: Exception | None = None
        self.same: Credentials | None = None
        self.gate: threading.Event | None = None  # when set, fetch waits for it
        self.entered = threading.Event()

    def __call__(self) -> Credentials:
        self.calls += 1
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        if self.failing is not None:
            raise self.failing
        if self.same is not None:
            return self.same
        return Credentials(f"ASIA{self.calls:04d}", f"secret-{self.calls}-never-shown", f"token-{self.calls}",
                           datetime.fromtimestamp(self.clock() + self.lifetime, timezone.utc))


def at(clock: Clock) -> datetime:
    return datetime.fromtimestamp(clock.now, timezone.utc)


def key_id(url: str) -> str:
    return parse_qs(urlsplit(url).query)["X-Amz-Credential"][0].split("/")[0]


def make(lifetime: float = 3600, **settings: object) -> tuple[Clock, Source, RefreshableCredentials, Presigner]:
    clock = Clock()
    source = Source(clock, lifetime)
    rc = RefreshableCredentials(source, clock=clock, name="the test source", **settings)  # type: ignore[arg-type]
    return clock, source, rc, Presigner(rc, region="eu-west-1")


def static_url(creds: Credentials, key: str = "k", **kwargs: object) -> str:
    return Presigner(creds, region="eu-west-1").presign("bkt", key, now=NOW, **kwargs)  # type: ignore[arg-type]


def test_signs_exactly_as_the_current_snapshot_would() -> None:
    clock, source, rc, signer = make()
    url = signer.presign("bkt", "a/b c.txt", now=NOW)
    assert source.calls == 1  # the first use fetches
    assert url == static_url(signer.credentials, "a/b c.txt")
    assert signer.presign_details("bkt", "k", now=NOW).url == static_url(rc.credentials)
    request = signer.presign_request("bkt", "k", now=NOW, headers={"Content-Type": "text/csv"})
    assert request.expires_at == min(signer.credentials.expires_at, NOW.replace(hour=NOW.hour + 1))  # type: ignore
    assert source.calls == 1


def test_advisory_window_one_caller_refreshes_the_others_keep_signing() -> None:
    clock, source, rc, signer = make()
    first = signer.credentials
    clock.now += 3600 - 900 + 1  # inside the advisory window, outside the mandatory one
    source.gate, source.entered = threading.Event(), threading.Event()
    refresher = threading.Thread(target=signer.presign, args=("bkt", "k"))
    refresher.start()
    assert source.entered.wait(5)
    # While that caller is inside fetch, others sign at once with the still-valid credentials.
    urls = [signer.presign("bkt", f"k{i}") for i in range(100)]
    assert {key_id(u) for u in urls} == {first.access_key_id}
    assert source.calls == 2
    source.gate.set()
    refresher.join(5)
    assert key_id(signer.presign("bkt", "k")) == "ASIA0002"
    assert source.calls == 2


def test_mandatory_window_callers_wait_for_the_refresh() -> None:
    clock, source, rc, signer = make()
    signer.credentials
    clock.now += 3600 - 600 + 1
    source.gate, source.entered = threading.Event(), threading.Event()
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(signer.presign("bkt", "k"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    assert source.entered.wait(5)
    time.sleep(0.2)
    assert results == []  # all waiting
    source.gate.set()
    for thread in threads:
        thread.join(5)
    assert [key_id(u) for u in results] == ["ASIA0002"] * 4
    assert source.calls == 2  # one fetch for all of them


def test_no_lock_on_the_hot_path() -> None:
    clock, source, rc, signer = make()
    signer.credentials
    held = threading.Lock()
    held.acquire()
    rc._lock = held  # a refresh would block forever; signing must not touch it
    done = threading.Event()
    thread = threading.Thread(target=lambda: ([signer.presign("bkt", f"k{i}") for i in range(1000)], done.set()))
    thread.start()
    assert done.wait(10)


def test_advisory_failures_keep_signing_log_once_then_mandatory_error_then_resume(
        caplog: pytest.LogCaptureFixture) -> None:
    clock, source, rc, signer = make()
    first = signer.credentials
    source.failing = CredentialsError("STS refused: Throttling: Rate exceeded")
    caplog.set_level(logging.DEBUG, logger="s3presign")
    clock.now += 3600 - 900
    urls = []
    while clock.now < T0 + 3600 - 600 - 1:  # through the advisory window, a signature every 2 s
        urls.append(signer.presign("bkt", "k"))
        clock.now += 2
    assert {key_id(u) for u in urls} == {first.access_key_id}
    assert 3 <= source.calls - 1 <= 20  # retried, with backoff (1, 2, 4, ... 30 s), not on every call
    assert len(caplog.records) == 1
    record = caplog.records[0]
    assert record.levelno == logging.WARNING and record.name == "s3presign"
    message = record.getMessage()
    assert "the test source" in message and "Throttling" in message
    assert "secret-1" not in message and "token-1" not in message
    clock.now = T0 + 3600 - 600 + 1  # the mandatory window
    with pytest.raises(CredentialsError) as info:
        signer.presign("bkt", "k")
    assert "the test source" in str(info.value) and "Throttling" in str(info.value)
    assert "secret" not in str(info.value)
    calls = source.calls
    with pytest.raises(CredentialsError):
        signer.presign("bkt", "k")  # within the backoff: the same error, no new fetch
    assert source.calls == calls
    source.failing = None
    clock.now += 6  # past the longest mandatory backoff
    assert key_id(signer.presign("bkt", "k")) == f"ASIA{source.calls:04d}"
    assert len(caplog.records) == 1  # a mandatory failure is an exception, not a log line


def test_never_signs_with_expired_credentials() -> None:
    clock, source, rc, signer = make()
    signer.credentials
    source.failing = OSError("connection refused")
    clock.now += 3600 + 5
    with pytest.raises(CredentialsError, match="expired at .*connection refused|connection refused.*expired"):
        signer.presign("bkt", "k")
    source.failing = None
    source.same = Credentials("ASIAOLD", "s", "t", datetime.fromtimestamp(T0 + 10, timezone.utc))  # long gone
    clock.now += 10
    with pytest.raises(CredentialsError, match="returned credentials that expired"):
        signer.presign("bkt", "k")


def test_a_foreign_exception_text_is_not_quoted() -> None:
    clock, source, rc, signer = make()
    source.failing = RuntimeError("secret-leaked-in-a-message")
    with pytest.raises(CredentialsError) as info:
        signer.presign("bkt", "k")
    assert "secret-leaked" not in str(info.value) and "RuntimeError" in str(info.value)


def test_credentials_arriving_near_expiry_are_used_without_hammering_the_source() -> None:
    clock = Clock()
    source = Source(clock)
    source.same = Credentials("ASIANEAR", "s", "t", datetime.fromtimestamp(T0 + 300, timezone.utc))  # 5 min left
    rc = RefreshableCredentials(source, clock=clock)
    signer = Presigner(rc)
    signed_at = []
    while True:
        try:
            signer.presign("bkt", "k")
        except CredentialsError:
            break
        signed_at.append(clock.now)
        clock.now += 0.05
    assert max(signed_at) < T0 + 300  # never after expiry
    assert max(signed_at) > T0 + 300 - 5  # used until close to it
    assert source.calls <= 14  # about log2(300 s / 50 ms), not one per signature (6,000)


def test_short_lived_source_is_fetched_once_per_half_lifetime() -> None:
    clock, source, rc, signer = make(lifetime=300)  # a credential_process giving 5-minute credentials
    for _ in range(3600):
        signer.presign("bkt", "k")
        clock.now += 1
    assert 20 <= source.calls <= 26  # every ~150 s: the advisory point is half what is left


def test_url_lifetime_option_refreshes_early_when_the_source_can_do_better() -> None:
    clock, source, rc, signer = make(refresh_for_url_lifetime=True)
    first = signer.presign_request("bkt", "k", expires_in=1800, now=at(clock))
    assert not first.expires_early
    clock.now += 1200  # 40 minutes left: a 30-minute URL still fits
    assert key_id(signer.presign("bkt", "k", expires_in=1800, now=at(clock))) == "ASIA0001"
    clock.now += 1200  # 20 minutes left: it does not; fetch longer-lived ones first
    late = signer.presign_request("bkt", "k", expires_in=1800, now=at(clock))
    assert key_id(late.url) == "ASIA0002" and not late.expires_early
    assert key_id(signer.presign("bkt", "k", expires_in=1800, now=at(clock))) == "ASIA0002"
    # Without the option the same signer keeps the old credentials and the URL says it dies early.
    clock2, source2, rc2, plain = make()
    plain.credentials
    clock2.now += 2400
    request = plain.presign_request("bkt", "k", expires_in=1800, now=at(clock2))
    assert key_id(request.url) == "ASIA0001" and request.expires_early
    assert request.expires_at == datetime.fromtimestamp(T0 + 3600, timezone.utc)


def test_url_lifetime_option_does_not_hammer_a_source_that_cannot_do_better() -> None:
    clock, source, rc, signer = make(refresh_for_url_lifetime=True)
    source.same = Credentials("ASIASAME", "s", "t", datetime.fromtimestamp(T0 + 3600, timezone.utc))
    for _ in range(2000):  # 7-day URLs for 2000 s: no credentials last that long
        request = signer.presign_request("bkt", "k", expires_in=604800, now=at(clock))
        assert request.expires_early
        signer.presign("bkt", "k", expires_in=604800, now=at(clock))
        clock.now += 1
    assert source.calls <= 6  # at most one try per tenth of the source's lifetime


def test_pickle_carries_fetch_and_settings_only() -> None:
    rc = RefreshableCredentials(short_lived, advisory_refresh=2, mandatory_refresh=1, name="short")
    signer = Presigner(rc, region="eu-west-1")
    snapshot = signer.credentials
    data = pickle.dumps(signer)
    assert snapshot.secret_access_key.encode() not in data
    assert b"Lock" not in data and b"lock" not in data
    copy = pickle.loads(data)
    other = copy._source
    assert (other.advisory_refresh, other.mandatory_refresh, other.name) == (2, 1, "short")
    assert other._fresh[1] is None
    assert key_id(copy.presign("bkt", "k")).startswith("ASIA")
    assert other.fetches == 1  # it fetched its own


def short_lived() -> Credentials:
    """A picklable source: credentials lasting 2 s whose key id carries their expiry (ms) and pid."""
    expires = time.time() + 2
    return Credentials(f"ASIA{int(expires * 1000)}X{os.getpid()}", "secret-short-lived", "tok",
                       datetime.fromtimestamp(expires, timezone.utc))


def sign_for(signer: Presigner, seconds: float) -> list[tuple[float, str]]:
    """Sign every 20 ms for ``seconds``: (time signed, key id) pairs."""
    out = []
    end = time.time() + seconds
    while time.time() < end:
        url = signer.presign("bkt", "k")
        out.append((time.time(), key_id(url)))
        time.sleep(0.02)
    return out


def check_signatures(pairs: list[tuple[float, str]], lifetimes: int) -> None:
    for signed, kid in pairs:
        expires = int(kid[4:].split("X")[0]) / 1000
        assert signed < expires, "signed with expired credentials"
    assert len({kid for _, kid in pairs}) >= lifetimes


def _in_pool(signer: Presigner) -> list[tuple[float, str]]:
    return sign_for(signer, 5)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_multiprocessing_pool_workers_keep_refreshing(method: str) -> None:
    import multiprocessing

    rc = RefreshableCredentials(short_lived, advisory_refresh=1, mandatory_refresh=0.5)
    signer = Presigner(rc, region="eu-west-1")
    signer.credentials
    with multiprocessing.get_context(method).Pool(2) as pool:
        results = pool.map(_in_pool, [signer, signer])
    for pairs in results:
        check_signatures(pairs, lifetimes=4)
        assert all(kid.endswith(f"X{os.getpid()}") is False for _, kid in pairs)  # each fetched its own


def test_fork_while_another_thread_holds_the_lock() -> None:
    clock = Clock()
    source = Source(clock)
    rc = RefreshableCredentials(source, clock=clock)
    signer = Presigner(rc)
    source.gate = threading.Event()
    stuck = threading.Thread(target=signer.presign, args=("bkt", "k"), daemon=True)
    stuck.start()  # first use: a mandatory fetch, holding the lock, waiting on the gate
    assert source.entered.wait(5)
    pid = os.fork()
    if pid == 0:  # the child: the parent's refresh is not running here; signing must not deadlock
        try:
            source.gate = None
            ok = key_id(signer.presign("bkt", "k")).startswith("ASIA")
            os._exit(0 if ok else 1)
        except BaseException:
            os._exit(2)
    deadline = time.time() + 10
    while time.time() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the child deadlocked on the lock held at fork time")
    source.gate.set()
    stuck.join(5)
    assert os.waitstatus_to_exitcode(status) == 0


def test_refresh_async_and_keep_fresh() -> None:
    rc = RefreshableCredentials(short_lived, advisory_refresh=1, mandatory_refresh=0.5)
    signer = Presigner(rc, region="eu-west-1")

    async def scenario() -> tuple[str, str, int, list[tuple[float, str]]]:
        first = signer.credentials.access_key_id
        await asyncio.sleep(0.01)
        second = (await signer.refresh_async()).access_key_id
        task = asyncio.create_task(signer.keep_fresh(lead=0.5))
        fetches = rc.fetches
        pairs = []
        end = time.time() + 4.5
        while time.time() < end:
            deadline, creds = rc._fresh
            # The background task refreshes before signing ever reaches the advisory window.
            assert time.time() < deadline, "signing would have had to refresh on the event loop"
            pairs.append((time.time(), key_id(signer.presign("bkt", "k"))))
            await asyncio.sleep(0.02)
        task.cancel()
        return first, second, rc.fetches - fetches, pairs

    first, second, fetches, pairs = asyncio.run(scenario())
    assert first != second
    assert 6 <= fetches <= 12  # 4.5 s of 2-second credentials refreshed 1.5 s before expiry: every ~0.5 s
    check_signatures(pairs, lifetimes=3)


def test_static_signer_refresh_calls_are_harmless() -> None:
    creds = Credentials("AKID", "SECRET")
    signer = Presigner(creds)
    assert signer.refresh() is creds
    assert asyncio.run(signer.refresh_async()) is creds
    asyncio.run(signer.keep_fresh())  # returns at once


def test_settings_are_checked_and_the_repr_hides_secrets() -> None:
    with pytest.raises(CredentialsError, match="must not exceed"):
        RefreshableCredentials(short_lived, advisory_refresh=10, mandatory_refresh=20)
    with pytest.raises(CredentialsError, match="advisory_refresh must be"):
        RefreshableCredentials(short_lived, advisory_refresh=-1)
    with pytest.raises(CredentialsError, match="callable"):
        RefreshableCredentials("not callable")  # type: ignore[arg-type]
    rc = RefreshableCredentials(short_lived, credentials=short_lived(), name="short")
    signer = Presigner(rc)
    for text in (repr(rc), str(rc), repr(signer)):
        assert "secret-short-lived" not in text and "'tok'" not in text
    assert "short" in repr(rc)
    assert rc.fetches == 0  # seeded: no fetch until due
