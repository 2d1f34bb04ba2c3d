"""The request rate limit per API key, shared by HTTP and websocket operations, and across server processes.

Without `LABELOPS_REDIS_URL` each process keeps its own token buckets (`limits.RateLimiter`), so N processes allow
N times the rate. With it, the buckets live in Redis and one Lua script refills and takes a token atomically, on
Redis's clock, so every process draws from the same bucket of a key.

When Redis cannot be reached the limit falls back to the process's own buckets (and tries Redis again a few seconds
later) rather than refusing every request or letting them all through: the service stays up, and each process
still holds a key to the configured rate.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

from redis import asyncio as redis_asyncio
from redis.exceptions import RedisError

from server.auth.limits import RateLimiter
from server.settings import Settings

__all__ = ["LocalRateLimit", "RateLimit", "RedisRateLimit", "build_rate_limit"]

_log = logging.getLogger(__name__)

# Seconds before a Redis found unreachable is tried again; meanwhile the process's own buckets answer.
_REDIS_RETRY_SECONDS = 5.0
# A request must not wait long on a slow Redis: past this the process's own buckets answer.
_REDIS_TIMEOUT_SECONDS = 0.5

# KEYS[1]: the bucket; ARGV: rate per second, burst. Returns the seconds to wait as a string ("0" when a token was
# taken), since Lua numbers come back from Redis as integers.
_TAKE_TOKEN = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
  tokens = burst
  updated = now
end
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return tostring(wait)
"""


class RateLimit(Protocol):
    """Token buckets by API key: `take` answers 0 when the request may run, else the seconds to wait."""

    async def take(self, key: int) -> float: ...

    async def aclose(self) -> None: ...


class LocalRateLimit:
    """The buckets of this process alone."""

    def __init__(self, rate: float, burst: int) -> None:
        self.buckets = RateLimiter(rate, burst)

    async def take(self, key: int) -> float:
        return self.buckets.take(key)

    async def aclose(self) -> None:
        return None


class RedisRateLimit:
    """Buckets in Redis shared by every process using the same URL and key prefix; local buckets while it is down."""

    def __init__(self, url: str, rate: float, burst: int, *, key_prefix: str = "labelops:rate:") -> None:
        self.rate = rate
        self.burst = burst
        self.key_prefix = key_prefix
        self.fallback = RateLimiter(rate, burst)
        self._client = redis_asyncio.Redis.from_url(
            url, socket_timeout=_REDIS_TIMEOUT_SECONDS, socket_connect_timeout=_REDIS_TIMEOUT_SECONDS
        )
        self._script = self._client.register_script(_TAKE_TOKEN)
        self._unreachable_until = 0.0

    async def take(self, key: int) -> float:
        if time.monotonic() < self._unreachable_until:
            return self.fallback.take(key)
        try:
            wait = await self._script(keys=[f"{self.key_prefix}{key}"], args=[repr(self.rate), self.burst])
        except (RedisError, OSError) as error:
            _log.warning(
                "rate limit: Redis unreachable (%s); this process's own buckets apply for %g s",
                type(error).__name__,
                _REDIS_RETRY_SECONDS,
            )
            self._unreachable_until = time.monotonic() + _REDIS_RETRY_SECONDS
            return self.fallback.take(key)
        return float(wait.decode() if isinstance(wait, bytes) else wait)

    async def aclose(self) -> None:
        await self._client.aclose()


def build_rate_limit(settings: Settings) -> RateLimit | None:
    """The rate limit the settings ask for: None when off, in Redis when a URL is set, else in this process."""
    if settings.rate_limit_per_second <= 0:
        return None
    if settings.redis_url:
        return RedisRateLimit(
            settings.redis_url,
            settings.rate_limit_per_second,
            settings.rate_limit_burst,
            key_prefix=settings.redis_key_prefix,
        )
    return LocalRateLimit(settings.rate_limit_per_second, settings.rate_limit_burst)
