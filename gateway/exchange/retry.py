"""Retry timing: exponential backoff with jitter, bounded attempts (pure functions).

The delay before retry n (n = attempts made so far, from 1) is

    base * factor ** (n - 1), capped at max_delay, then scaled by a random factor in
    [1 - jitter, 1 + jitter]

so synchronised failures (a partner endpoint down for everyone) spread out instead of
retrying in lockstep. After `max_attempts` attempts the work goes to the dead letter state.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from gateway.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_delay: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    max_delay: timedelta = timedelta(hours=6)
    jitter: float = 0.2
    max_attempts: int = 12
    """Attempts in total (the first send included) before dead-lettering."""

    def __post_init__(self) -> None:
        if self.base_delay <= timedelta(0) or self.max_delay < self.base_delay:
            raise ConfigurationError("retry delays must be positive, max_delay >= base_delay")
        if self.factor < 1.0:
            raise ConfigurationError("retry factor must be at least 1")
        if not 0.0 <= self.jitter < 1.0:
            raise ConfigurationError("retry jitter must be in [0, 1)")
        if self.max_attempts < 1:
            raise ConfigurationError("max_attempts must be at least 1")


def nominal_delay(attempts: int, policy: RetryPolicy) -> timedelta:
    """The delay before the next attempt, without jitter, after `attempts` attempts (>= 1)."""
    if attempts < 1:
        raise ValueError(f"attempts must be >= 1, got {attempts}")
    base = policy.base_delay.total_seconds()
    cap = policy.max_delay.total_seconds()
    try:
        seconds = min(cap, base * policy.factor ** (attempts - 1))
    except OverflowError:  # a huge attempt count: the cap applies long before
        seconds = cap
    return timedelta(seconds=seconds)


def backoff_delay(
    attempts: int,
    policy: RetryPolicy,
    rng: Callable[[], float] = random.random,
) -> timedelta:
    """The jittered delay: nominal_delay * (1 + jitter * (2u - 1)), u = rng() in [0, 1)."""
    nominal = nominal_delay(attempts, policy).total_seconds()
    u = rng()
    if not 0.0 <= u < 1.0:
        raise ValueError(f"rng must return a float in [0, 1), got {u}")
    return timedelta(seconds=nominal * (1.0 + policy.jitter * (2.0 * u - 1.0)))


def exhausted(attempts: int, policy: RetryPolicy) -> bool:
    return attempts >= policy.max_attempts
