"""Credentials: an access key id, its secret and an optional session token; and credentials that
refresh themselves from a source before they expire.

The ground: imports only ``_errors``.
"""

from __future__ import annotations

from ._errors import CredentialsError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from typing import Any

__all__ = ["Credentials", "RefreshableCredentials"]


class Credentials:
    """AWS credentials; the repr shows the key id only, e.g. ``Credentials("AKID", "SECRET")``.

    ``expires_at`` (an aware datetime) is set for temporary credentials: a URL they sign stops
    working then. Immutable, comparable and picklable. (A plain class rather than a dataclass:
    ``dataclasses`` costs more start-up time than the whole command may take.)
    """

    __slots__ = ("access_key_id", "expires_at", "secret_access_key", "session_token")

    access_key_id: str
    secret_access_key: str
    session_token: str | None
    expires_at: datetime | None

    def __init__(self, access_key_id: str, secret_access_key: str, session_token: str | None = None,
                 expires_at: datetime | None = None) -> None:
        if not isinstance(access_key_id, str) or not access_key_id:
            raise CredentialsError("the access key id is empty: give the key id of an IAM user or role")
        if not isinstance(secret_access_key, str) or not secret_access_key:
            raise CredentialsError(
                f"the secret access key for {access_key_id} is empty: give the secret that goes with it"
            )
        if any(c.isspace() for c in access_key_id) or "/" in access_key_id:
            raise CredentialsError(
                f"the access key id {access_key_id!r} contains a space or '/': check for a copy-paste error"
            )
        if session_token is not None and not isinstance(session_token, str):
            raise CredentialsError("the session token must be a string or None")
        if expires_at is not None and expires_at.utcoffset() is None:
            raise CredentialsError("expires_at must be an aware datetime, e.g. datetime.now(timezone.utc)")
        set_ = object.__setattr__
        set_(self, "access_key_id", access_key_id)
        set_(self, "secret_access_key", secret_access_key)
        set_(self, "session_token", session_token or None)
        set_(self, "expires_at", expires_at)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Credentials are immutable: make new ones")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Credentials):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __reduce__(self) -> tuple[object, ...]:
        return (Credentials, self._fields())

    def _fields(self) -> tuple[str, str, str | None, datetime | None]:
        return (self.access_key_id, self.secret_access_key, self.session_token, self.expires_at)

    def __repr__(self) -> str:
        token = "'***'" if self.session_token else "None"
        expiry = f", expires_at={self.expires_at.isoformat()!r}" if self.expires_at else ""
        return (
            f"Credentials(access_key_id={self.access_key_id!r}, secret_access_key='***', "
            f"session_token={token}{expiry})"
        )

    __str__ = __repr__


# -- refreshing credentials --------------------------------------------------------------------------
#
# Theory of operation. ``_fresh`` is a (deadline, snapshot) tuple, replaced whole and read without a
# lock: while the clock is before the deadline the snapshot is good, and that one comparison is all
# the signing hot path pays. Past the deadline ``_due()`` decides under the lock:
#
#   expiry - advisory_refresh   one caller fetches, the others keep signing with the snapshot; a failure
#                               is logged once per outage and retried with backoff (1 s, 2 s, ... 30 s)
#   expiry - mandatory_refresh  every caller waits for the fetch; a failure raises CredentialsError, and
#                               the source is asked again at most once a second (single flight)
#   expiry                      never signed with
#
# Credentials that arrive already inside the windows (instance metadata near rotation, a short-lived
# credential_process) get windows scaled to what is left: the next advisory fetch at half the
# remaining time, the mandatory point at a quarter (at least a second before expiry), so a source that keeps returning the same
# near-expiry credentials is asked about log2(remaining) times, not on every call. botocore solves
# the same problem for IMDS by pretending the expiry is 10-20 minutes away, which can sign with
# expired credentials; we never do.

_BACKOFF_MAX = 30.0  # seconds between advisory attempts, at most
# In the mandatory window nothing can be signed until a fetch succeeds, so a failed fetch is retried
# once a second (one caller at a time: the others get its error meanwhile), not with a growing
# backoff: signing resumes within a second of the source answering again. A slow source is still
# asked at most once a second; the advisory window, where signing goes on, keeps the backoff.
_MANDATORY_RETRY = 1.0
_instances: Any = None  # a WeakSet of every RefreshableCredentials, for os.register_at_fork


def _after_fork_in_child() -> None:
    """A lock held by another thread at fork time stays held in the child forever: replace them."""
    import threading

    for instance in list(_instances or ()):
        instance._lock = threading.Lock()


class RefreshableCredentials:
    """Temporary credentials that fetch new ones before they expire, e.g.
    ``Presigner(RefreshableCredentials(lambda: sts_assume_role(), advisory_refresh=900))``.

    ``fetch()`` returns ``Credentials`` with ``expires_at``; ``advisory_refresh`` and
    ``mandatory_refresh`` are seconds before expiry (botocore's 15 and 10 minutes by default).
    ``refresh_for_url_lifetime=True`` fetches early rather than sign a URL that would die before
    its ``expires_in``, when the source gives longer-lived credentials. ``credentials`` seeds the
    first snapshot; ``name`` names the source in errors and logs; ``clock`` returns epoch seconds.
    Thread-safe, fork-safe, and it pickles ``fetch`` and the settings (never the credentials).
    """

    def __init__(
        self,
        fetch: Callable[[], Credentials],
        *,
        advisory_refresh: float = 900,
        mandatory_refresh: float = 600,
        refresh_for_url_lifetime: bool = False,
        credentials: Credentials | None = None,
        name: str | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if not callable(fetch):
            raise CredentialsError("fetch must be a callable that returns s3presign.Credentials")
        for label, value in (("advisory_refresh", advisory_refresh), ("mandatory_refresh", mandatory_refresh)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
                raise CredentialsError(f"{label} must be a number of seconds, at least 0, not {value!r}")
        if mandatory_refresh > advisory_refresh:
            raise CredentialsError(f"mandatory_refresh ({mandatory_refresh}) must not exceed advisory_refresh "
                                   f"({advisory_refresh}): the advisory window comes first")
        if credentials is not None and not isinstance(credentials, Credentials):
            raise CredentialsError("credentials must be an s3presign.Credentials or None")
        import threading
        import time

        self.fetch = fetch
        self.advisory_refresh = float(advisory_refresh)
        self.mandatory_refresh = float(mandatory_refresh)
        self.refresh_for_url_lifetime = bool(refresh_for_url_lifetime)
        self.name = name or getattr(fetch, "__qualname__", None) or type(fetch).__name__
        self._clock: Callable[[], float] = clock or time.time
        self._lock = threading.Lock()
        self._fresh: tuple[float, Credentials | None] = (float("-inf"), None)
        self._advisory_at = self._mandatory_at = self._expiry = float("-inf")
        self._retry_at = float("-inf")  # no fetch before this (backoff after a failure)
        self._failures = 0
        self._error = ""  # the last failure, for callers that arrive during a mandatory backoff
        self._attempted_at = float("-inf")
        self._longest = 0.0  # the longest lifetime the source has given, for refresh_for_url_lifetime
        self.fetches = 0  # successful fetches, for monitoring
        global _instances
        if _instances is None:
            import os
            import weakref

            _instances = weakref.WeakSet()
            if hasattr(os, "register_at_fork"):
                os.register_at_fork(after_in_child=_after_fork_in_child)
        _instances.add(self)
        if credentials is not None:
            self._install(credentials, self._clock())

    # -- public --------------------------------------------------------------------------------

    @property
    def credentials(self) -> Credentials:
        """The current snapshot, refreshed first when due: ``rc.credentials.expires_at``."""
        deadline, creds = self._fresh
        if creds is not None and self._clock() < deadline:
            return creds
        return self._due()

    @property
    def current(self) -> Credentials | None:
        """The snapshot held now, never refreshed (None before the first fetch): for reprs and ``--debug``."""
        return self._fresh[1]

    @property
    def clock(self) -> Callable[[], float]:
        """The clock the refresh windows are read on (epoch seconds): ``time.time`` unless one was given."""
        return self._clock

    def for_url(self, url_ends: float) -> Credentials:
        """The credentials to sign a URL valid until ``url_ends`` (epoch seconds): ``credentials``, or,
        with ``refresh_for_url_lifetime``, fresher ones when those would end the URL early."""
        return self._for_lifetime(self.credentials, url_ends)

    def steady_until(self, creds: Credentials, clock: Callable[[], float]) -> float:
        """Until when a signer reading ``clock`` may keep signing with ``creds`` without asking again:
        the hot path's deadline while ``creds`` is the snapshot and ``clock`` is this source's own,
        else minus infinity (ask on every call)."""
        deadline, held = self._fresh
        return deadline if held is creds and clock is self._clock else float("-inf")

    def refresh(self) -> Credentials:
        """Fetch now, whatever the windows say (blocking I/O); raises ``CredentialsError`` on failure."""
        with self._lock:
            return self._fetch_and_install(self._clock(), mandatory=True)

    async def refresh_async(self) -> Credentials:
        """``await rc.refresh_async()``: ``refresh()`` in a worker thread, off the event loop."""
        import asyncio

        return await asyncio.to_thread(self.refresh)

    async def keep_fresh(self, *, lead: float | None = None) -> None:
        """Refresh in a worker thread ``lead`` seconds before the advisory window, forever:
        ``task = asyncio.create_task(rc.keep_fresh())``; cancel the task to stop. Failures are
        logged (once per outage) and retried with backoff; signing then refreshes as usual."""
        import asyncio

        if lead is None:
            lead = min(60.0, max(1.0, (self.advisory_refresh - self.mandatory_refresh) / 2))
        gap = 0.0  # after an attempt, at least lead / 4 before the next: a source may return the same ones
        while True:
            now = self._clock()
            wake = max(self._advisory_at - lead, self._retry_at) if self._fresh[1] is not None else now
            await asyncio.sleep(max(wake - now, gap))
            gap = lead / 4
            try:
                await asyncio.to_thread(self._refresh_ahead, lead)
            except CredentialsError:
                pass  # no credentials yet and the source failed: retried after the backoff

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_refreshable, (self.fetch, self.advisory_refresh, self.mandatory_refresh,
                                       self.refresh_for_url_lifetime, self.name))

    def __repr__(self) -> str:
        creds = self._fresh[1]
        holding = f", current={creds!r}" if creds is not None else ""
        return (f"RefreshableCredentials(name={self.name!r}, advisory_refresh={self.advisory_refresh:g}, "
                f"mandatory_refresh={self.mandatory_refresh:g}{holding})")

    # -- the slow path ---------------------------------------------------------------------------

    def _due(self) -> Credentials:
        """Past the hot-path deadline: refresh (advisory or mandatory) or just move the deadline."""
        now = self._clock()
        creds = self._fresh[1]
        if creds is not None and now < self._mandatory_at:
            if now >= self._advisory_at and now >= self._retry_at and self._lock.acquire(blocking=False):
                try:
                    if self._fresh[1] is creds:  # nobody refreshed meanwhile
                        creds = self._fetch_and_install(now, mandatory=False)
                finally:
                    self._lock.release()
            else:
                creds = self._fresh[1] or creds
            if self._clock() < self._mandatory_at:  # a failed fetch may have taken us into the mandatory window
                return creds
        with self._lock:
            now = self._clock()
            creds = self._fresh[1]
            if creds is not None and now < self._mandatory_at:
                return creds  # another caller refreshed while we waited
            if now < self._retry_at and self._error:
                raise CredentialsError(self._error)
            return self._fetch_and_install(now, mandatory=True)

    def _for_lifetime(self, creds: Credentials, url_ends: float) -> Credentials:
        """``creds`` or fresher ones, so a URL valid until ``url_ends`` (epoch seconds) does not die early
        when the source can do better; at most one fetch per tenth of the source's longest lifetime."""
        if not self.refresh_for_url_lifetime or url_ends <= self._expiry:
            return creds
        now = self._clock()
        if now < self._retry_at or self._lifetime_limited(now):
            return creds
        with self._lock:
            now = self._clock()
            if self._fresh[1] is creds and now >= self._retry_at and not self._lifetime_limited(now):
                self._fetch_and_install(now, mandatory=False)
        return self.credentials  # the new ones, or the old ones if still good (a failed fetch takes time)

    def _lifetime_limited(self, now: float) -> bool:
        return now < self._attempted_at + max(self._longest / 10, 1.0)

    def _refresh_ahead(self, lead: float) -> None:
        with self._lock:
            now = self._clock()
            if self._fresh[1] is None or (now + lead >= self._advisory_at and now >= self._retry_at):
                self._fetch_and_install(now, mandatory=False)

    def _fetch_and_install(self, now: float, *, mandatory: bool) -> Credentials:
        """Fetch (the caller holds the lock) and install; on failure log once (advisory) or raise."""
        self._attempted_at = now
        try:
            fresh = self.fetch()
            if not isinstance(fresh, Credentials):
                raise CredentialsError(f"returned {type(fresh).__name__}, not s3presign.Credentials")
            if fresh.expires_at is not None:
                expiry, now = fresh.expires_at.timestamp(), self._clock()
                if expiry <= now:
                    raise CredentialsError(f"returned credentials that expired at {_iso(expiry)}")
                if self._windows(expiry, now)[1] <= now:
                    raise CredentialsError(f"returned credentials that expire at {_iso(expiry)}, too soon to sign with")
        except Exception as exc:
            return self._failed(now, exc, mandatory=mandatory)
        self.fetches += 1
        return self._install(fresh, self._clock())

    def _failed(self, now: float, exc: Exception, *, mandatory: bool) -> Credentials:
        # Only our own errors and OS errors are quoted: another exception's text may hold a secret.
        from ._errors import Error

        reason = str(exc) if isinstance(exc, (Error, OSError)) else type(exc).__name__
        self._failures += 1
        backoff = _MANDATORY_RETRY if mandatory else min(2.0 ** (self._failures - 1), _BACKOFF_MAX)
        self._retry_at = now + backoff
        creds = self._fresh[1]
        if mandatory or creds is None:
            if creds is None:
                state = "there are no credentials yet"
            elif now >= self._expiry:
                state = f"the current ones expired at {_iso(self._expiry)}"
            else:
                state = f"the current ones expire at {_iso(self._expiry)}, inside the mandatory refresh window"
            self._error = f"cannot refresh the credentials from {self.name}: {reason}; {state}"
            self._fresh = (min(self._retry_at, self._mandatory_at), creds)
            raise CredentialsError(self._error) from None
        if self._failures == 1:  # once per outage: a service refreshing every second must not flood its log
            import logging

            logging.getLogger("s3presign").warning(
                "refreshing the credentials from %s failed: %s; still signing with the current ones (they expire "
                "at %s) and retrying with backoff", self.name, reason, _iso(self._expiry))
        self._fresh = (min(self._retry_at, self._mandatory_at), creds)
        return creds

    def _install(self, fresh: Credentials, now: float) -> Credentials:
        """Make ``fresh`` the snapshot and compute when to look again (see the theory above)."""
        old = self._fresh[1]
        if old is not None and old == fresh:
            fresh = old  # the same credentials again: keep the object, so signers keep their caches
        expiry = fresh.expires_at.timestamp() if fresh.expires_at is not None else float("inf")
        remaining = expiry - now
        advisory_at, mandatory_at = self._windows(expiry, now)
        if fresh is not old:
            self._longest = max(self._longest, remaining if remaining < float("inf") else 0.0)
        self._advisory_at, self._mandatory_at, self._expiry = advisory_at, mandatory_at, expiry
        self._failures, self._error, self._retry_at = 0, "", float("-inf")
        self._fresh = (advisory_at, fresh)
        return fresh


    def _windows(self, expiry: float, now: float) -> tuple[float, float]:
        """(advisory point, mandatory point) for credentials expiring at ``expiry``, received at ``now``."""
        remaining = expiry - now
        if remaining > self.advisory_refresh:
            return expiry - self.advisory_refresh, expiry - self.mandatory_refresh
        # Arrived inside the windows: scale them to what is left, but stop a second before expiry
        # (or at the mandatory window, when smaller): a URL that dies at once helps nobody.
        return now + remaining / 2, expiry - min(self.mandatory_refresh, max(remaining / 4, 1.0))


def _rebuild_refreshable(fetch: Callable[[], Credentials], advisory: float, mandatory: float, lifetime: bool,
                         name: str) -> RefreshableCredentials:
    return RefreshableCredentials(fetch, advisory_refresh=advisory, mandatory_refresh=mandatory,
                                  refresh_for_url_lifetime=lifetime, name=name)


def _iso(epoch: float) -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
