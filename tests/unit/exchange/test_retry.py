"""Backoff: exponential, capped, jittered within bounds; policy validation."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from gateway.errors import ConfigurationError
from gateway.exchange.retry import RetryPolicy, backoff_delay, exhausted, nominal_delay

POLICY = RetryPolicy(base_delay=timedelta(seconds=30), factor=2.0,
                     max_delay=timedelta(hours=1), jitter=0.25, max_attempts=5)


def test_nominal_delay_doubles_until_the_cap() -> None:
    seconds = [nominal_delay(n, POLICY).total_seconds() for n in range(1, 10)]
    assert seconds == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert nominal_delay(10_000, POLICY) == timedelta(hours=1)  # no overflow


@pytest.mark.parametrize("attempts", [1, 2, 5, 8, 50])
def test_jitter_stays_within_bounds(attempts: int) -> None:
    nominal = nominal_delay(attempts, POLICY).total_seconds()
    low, high = nominal * 0.75, nominal * 1.25
    assert backoff_delay(attempts, POLICY, rng=lambda: 0.0).total_seconds() == pytest.approx(low)
    assert backoff_delay(attempts, POLICY, rng=lambda: 0.5).total_seconds() == pytest.approx(
        nominal)
    rng = random.Random(attempts)
    samples = [backoff_delay(attempts, POLICY, rng.random).total_seconds() for _ in range(2000)]
    assert all(low <= s < high for s in samples)
    assert max(samples) - min(samples) > (high - low) * 0.9  # the spread is actually used


def test_no_jitter_means_nominal() -> None:
    policy = RetryPolicy(jitter=0.0)
    assert backoff_delay(3, policy, rng=lambda: 0.9) == nominal_delay(3, policy)


def test_exhausted() -> None:
    assert not exhausted(4, POLICY)
    assert exhausted(5, POLICY)
    assert exhausted(6, POLICY)


@pytest.mark.parametrize(
    "kwargs",
    [{"base_delay": timedelta(0)}, {"max_delay": timedelta(seconds=1)}, {"factor": 0.5},
     {"jitter": 1.0}, {"jitter": -0.1}, {"max_attempts": 0}],
)
def test_bad_policies_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="attempts"):
        nominal_delay(0, POLICY)
    with pytest.raises(ValueError, match="rng"):
        backoff_delay(1, POLICY, rng=lambda: 1.0)
