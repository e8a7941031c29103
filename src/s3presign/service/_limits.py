"""Rate limits shared by every worker and instance: token buckets kept in Redis (or Valkey).

Theory of operation. Without ``[limits] redis_url`` each process keeps its own buckets
(``_auth.RateLimiter``), so N workers or N machines give a client N times its limit. With it,
one bucket per (client, identity) lives in Redis and one Lua script refills and takes from it
atomically (https://redis.io/docs/latest/develop/interact/programmability/eval-intro/), reading
the time from Redis itself (``TIME``), so workers and machines whose clocks differ agree.

While Redis cannot be reached the service fails *closed* for rate-limited clients: their
requests are answered 503 with ``Retry-After: 1`` (a limit that cannot be counted is not
granted); clients without ``rate_limit`` never touch Redis and are served as usual. Each request
tries again, so service resumes as soon as Redis answers (the client library reconnects).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable
    from typing import Any

    from ._auth import Caller
    from ._policy import Policy

__all__ = ["LimitsUnavailable", "RedisLimiter", "shared_limiter"]

TIMEOUT = 0.5  # seconds for each Redis call: a request waits at most this long for its limit

# KEYS[1] the bucket; ARGV rate (tokens a second), capacity. Returns the seconds to wait, as text.
_SCRIPT = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local data = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(data[1]) or capacity
local ts = tonumber(data[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens < 1 then
  wait = (1 - tokens) / rate
else
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%.6f', now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return string.format('%.6f', wait)
"""


class LimitsUnavailable(Exception):
    """Redis could not be asked: the request is refused (503), never waved through."""


class RedisLimiter:
    """Token buckets in Redis: ``await RedisLimiter("redis://127.0.0.1:6379/0").allow(caller, now=0)``."""

    def __init__(self, url: str, *, prefix: str = "s3presign:rate:") -> None:
        try:
            import redis.asyncio as aioredis
        except ImportError:
            from .._errors import ConfigurationError

            raise ConfigurationError("[limits] redis_url needs the redis client: pip install 's3presign[redis]'") from None
        self._client = aioredis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT,
                                               retry_on_timeout=False)
        self._script: Any = self._client.register_script(_SCRIPT)
        self._prefix = prefix

    def allow(self, caller: Caller, *, now: float) -> float | Awaitable[float]:
        """0 for a client without a limit (Redis is not asked), else an awaitable of the seconds to wait."""
        if caller.client.rate_limit is None:
            return 0.0
        return self._allow(caller)

    async def _allow(self, caller: Caller) -> float:
        from redis.exceptions import RedisError

        rate = caller.client.rate_limit
        assert rate is not None
        capacity = float(caller.client.burst or max(1, int(rate * 2)))
        key = f"{self._prefix}{caller.name}\x00{caller.identity}"
        try:
            answer = await self._script(keys=[key], args=[repr(rate), repr(capacity)])
        except (RedisError, OSError) as exc:
            raise LimitsUnavailable(type(exc).__name__) from None
        return float(answer)


def shared_limiter(policy: Policy) -> Any:
    """The limiter a policy asks for: Redis when ``[limits] redis_url`` is set, else per process."""
    if policy.server.redis_url:
        return RedisLimiter(policy.server.redis_url)
    from ._auth import RateLimiter

    return RateLimiter()
