"""What every strategy shares: the protocol, the base class and small helpers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import product
from typing import Protocol

from gateway.remittance.matching.amounts import Reconciliation
from gateway.remittance.matching.config import MatchConfig
from gateway.remittance.matching.evidence import Candidate, Evidence, PaymentContext
from gateway.remittance.matching.ledger import Ledger
from gateway.remittance.matching.result import Reason

MAX_EXACT_OPTIONS = 5
MAX_FUZZY_OPTIONS = 80


class Strategy(Protocol):
    name: str

    def candidates(self, ctx: PaymentContext) -> list[Candidate]: ...


def unique(items: Sequence[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(items))


class Base:
    name = "base"

    def __init__(self, ledger: Ledger, config: MatchConfig, evidence: Evidence) -> None:
        self.ledger = ledger
        self.config = config
        self.evidence = evidence
        self.w = config.weights

    def _candidate(self, ctx: PaymentContext, items: tuple[int, ...], fit: Reconciliation,
                   reasons: list[Reason], *, strict_only: bool = False) -> Candidate:
        payer = self.evidence.payer(ctx.identity, items)
        confirmed = any(r.weight > 0 for r in payer)
        all_reasons = [*reasons, self.evidence.amount(fit, strict_only=strict_only,
                                                      payer_confirmed=confirmed), *payer]
        settled = self.evidence.settled(items)
        if settled:
            all_reasons.append(settled)
        all_reasons += self.evidence.context(ctx)
        return Candidate(self.name, items, fit, all_reasons)


def bounded_product(options: list[tuple[int, ...]], budget: int) -> Iterator[tuple[int, ...]]:
    if any(not o for o in options):
        return
    for count, combo in enumerate(product(*options)):
        if count >= budget:
            return
        yield combo


def mark_alternatives(candidates: list[Candidate], weight: float) -> list[Candidate]:
    """When several different item sets fit equally, none of them is certain."""
    distinct = {c.key for c in candidates}
    if len(distinct) > 1:
        for candidate in candidates:
            candidate.reasons.append(Reason("alternatives", weight,
                                            f"{len(distinct)} different sets fit"))
    return candidates
