"""Bounded subset sums: which combinations of open items add up to a payment.

Depth-first over the items sorted by amount (largest first) with two prunings: the running sum
may not pass the target (amounts are positive) and the remaining items must still be able to
reach it. The search stops after `limit` solutions or `budget` visited nodes, so an answer of
"one solution" means "exactly one within the bounds", which the caller treats as a suggestion,
never as proof.
"""

from __future__ import annotations

from collections.abc import Sequence


def subset_sums(amounts: Sequence[tuple[int, int]], target: int, *, max_size: int,
                limit: int = 2, budget: int = 20_000) -> list[tuple[int, ...]]:
    """Up to `limit` sets of keys whose amounts sum to `target` (amounts must be positive)."""
    ordered = sorted((a for a in amounts if 0 < a[1] <= target), key=lambda a: -a[1])
    suffix = [0] * (len(ordered) + 1)
    for i in range(len(ordered) - 1, -1, -1):
        suffix[i] = suffix[i + 1] + ordered[i][1]
    solutions: list[tuple[int, ...]] = []
    chosen: list[int] = []
    visited = 0

    def walk(start: int, remaining: int) -> bool:
        nonlocal visited
        if remaining == 0:
            solutions.append(tuple(chosen))
            return len(solutions) >= limit
        if len(chosen) >= max_size or suffix[start] < remaining:
            return False
        for i in range(start, len(ordered)):
            visited += 1
            if visited > budget:
                return True
            key, amount = ordered[i]
            if amount > remaining:
                continue
            if suffix[i] < remaining:
                return False
            chosen.append(key)
            stop = walk(i + 1, remaining - amount)
            chosen.pop()
            if stop:
                return True
        return False

    walk(0, target)
    return solutions
