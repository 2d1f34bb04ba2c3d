"""The request rate limit: a per-key token bucket (the limits on a query's shape are in `query_limits`).

Rate limit: one token bucket per API key (`RateLimiter`, in this process's memory). A bucket holds `burst` tokens,
refills at `rate` tokens per second, and each request takes one; an empty bucket answers HTTP 429 with
`Retry-After` (seconds until the next token). `server.auth.rate_limit` puts the buckets in Redis when several
server processes must share them, and falls back to these.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["RateLimiter"]


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets by key; `take(key)` answers 0 when allowed, else the seconds to wait."""

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"rate must be > 0 and burst >= 1, got rate={rate!r}, burst={burst!r}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[Any, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: Any) -> float:
        with self._lock:
            now = self._clock()
            bucket = self._buckets.pop(key, None) or _Bucket(tokens=float(self.burst), updated=now)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            self._buckets[key] = bucket
            # Keys idle longest go first; a forgotten key comes back with a full bucket, which is harmless.
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate

    @staticmethod
    def retry_after_header(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
