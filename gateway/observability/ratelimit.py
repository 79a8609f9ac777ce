"""Token-bucket rate limits, in memory, per process.

Each key (a partner API key id, or a source address) has a bucket of `burst` tokens refilled
at `rate` tokens per second; a request takes one token, or is refused with the seconds until
one is back (the ``Retry-After`` of the 429). With N gateway processes behind a balancer the
effective limit is up to N times the configured one: the limit protects each process, it is
not a contract with the partner (docs/operations.md).

At most `max_keys` buckets are kept; the least recently used ones are dropped first (a dropped
key starts again with a full bucket), so random source addresses cannot exhaust memory.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_MAX_KEYS = 100_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    def __init__(self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = DEFAULT_MAX_KEYS) -> None:
        """`rate` tokens per second (0: unlimited), `burst` tokens at most."""
        if rate < 0 or burst < 1 or max_keys < 1:
            raise ValueError("rate must be >= 0, burst and max_keys >= 1")
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def acquire(self, key: str) -> float:
        """Take one token for `key`: 0.0 when granted, else the seconds until one is back."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        bucket = self._bucket(key, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def _bucket(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
            self._buckets[key] = bucket
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket

    def __len__(self) -> int:
        return len(self._buckets)


def retry_after_header(wait_seconds: float) -> str:
    """Whole seconds, at least 1 (RFC 9110 §10.2.3 delay-seconds)."""
    return str(max(1, math.ceil(wait_seconds)))
