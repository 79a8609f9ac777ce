"""Token buckets: burst, refill, per-key isolation, bounded memory."""

from __future__ import annotations

import pytest

from gateway.observability.ratelimit import TokenBucketLimiter, retry_after_header


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill_at_the_rate() -> None:
    clock = Clock()
    limiter = TokenBucketLimiter(rate=2.0, burst=3, clock=clock)
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") == pytest.approx(0.5)
    clock.now += 100
    assert [limiter.acquire("a") for _ in range(4)][:3] == [0.0, 0.0, 0.0]  # capped at burst


def test_keys_are_independent() -> None:
    limiter = TokenBucketLimiter(rate=1.0, burst=1, clock=Clock())
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") > 0
    assert limiter.acquire("b") == 0.0


def test_zero_rate_means_no_limit() -> None:
    limiter = TokenBucketLimiter(rate=0, burst=1)
    assert not limiter.enabled
    assert all(limiter.acquire("a") == 0.0 for _ in range(1000))
    assert len(limiter) == 0


def test_least_recently_used_keys_are_dropped() -> None:
    limiter = TokenBucketLimiter(rate=1.0, burst=1, clock=Clock(), max_keys=2)
    limiter.acquire("a")
    limiter.acquire("b")
    limiter.acquire("a")  # a is now the most recent
    limiter.acquire("c")  # drops b
    assert len(limiter) == 2
    assert limiter.acquire("b") == 0.0  # b starts again with a full bucket
    assert limiter.acquire("c") > 0 or limiter.acquire("a") > 0


def test_invalid_configuration() -> None:
    with pytest.raises(ValueError, match="burst"):
        TokenBucketLimiter(rate=1.0, burst=0)


@pytest.mark.parametrize(("wait", "header"), [(0.01, "1"), (1.0, "1"), (1.2, "2"), (10, "10")])
def test_retry_after_is_whole_seconds_at_least_one(wait: float, header: str) -> None:
    assert retry_after_header(wait) == header
