"""What the matcher answers for each payment line: a decision, the match, candidates and reasons."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Decision(StrEnum):
    AUTO = "auto"  # applied without a human
    REVIEW = "review"  # proposed to a person, with candidates
    NONE = "none"  # nothing to propose (not a receivable, or no candidate at all)


class Flag(StrEnum):
    """Why a line is not (or not only) an ordinary receivable payment."""

    DUPLICATE = "duplicate"
    NOT_RECEIVABLE = "not_receivable"
    SETTLED_REFERENCE = "settled_reference"  # refers to an item already settled
    UNRESOLVED_REFERENCE = "unresolved_reference"  # refers to a document we cannot find open
    OUTGOING = "outgoing"  # a debit: money out, not a customer payment
    RETURN = "return"  # a returned or reversed payment
    NOT_BOOKED = "not_booked"  # pending or information only (camt Sts PDNG/INFO)
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of evidence, with the log-odds it added to the confidence."""

    code: str
    weight: float
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "weight": self.weight, "detail": self.detail}


def confidence(reasons: tuple[Reason, ...] | list[Reason]) -> float:
    """The logistic function of the summed weights: a probability-like score in (0, 1)."""
    total = sum(r.weight for r in reasons)
    return 1.0 / (1.0 + math.exp(-total))


@dataclass(frozen=True, slots=True)
class Allocation:
    item_id: str
    amount: Decimal  # how much the item's open balance goes down by
    currency: str


@dataclass(frozen=True, slots=True)
class Residual:
    kind: str  # a ResidualKind value
    amount: Decimal
    currency: str
    item_id: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    strategy: str
    confidence: float
    fit: str  # how the amounts fit (an amounts.Fit value)
    allocations: tuple[Allocation, ...]
    residuals: tuple[Residual, ...] = ()
    reasons: tuple[Reason, ...] = ()

    @property
    def item_ids(self) -> frozenset[str]:
        return frozenset(a.item_id for a in self.allocations)

    def to_dict(self, *, explain: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "strategy": self.strategy,
            "confidence": round(self.confidence, 4),
            "fit": self.fit,
            "allocations": [{"invoice_id": a.item_id, "amount": format(a.amount, "f")}
                            for a in self.allocations],
        }
        if explain:
            data["residuals"] = [
                {"type": r.kind, "amount": format(r.amount, "f"), "currency": r.currency,
                 **({"invoice_id": r.item_id} if r.item_id else {}),
                 **({"note": r.note} if r.note else {})}
                for r in self.residuals]
            data["reasons"] = [r.to_dict() for r in self.reasons]
        return data


@dataclass(frozen=True, slots=True)
class MatchResult:
    line_id: str
    decision: Decision
    match: Match | None = None  # applied (auto) or proposed (review)
    candidates: tuple[Match, ...] = ()  # the alternatives a reviewer should see
    flags: tuple[Flag, ...] = ()
    duplicate_of: str | None = None
    note: str = ""

    def to_dict(self, *, explain: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "payment_id": self.line_id,
            "decision": self.decision.value,
            "allocations": self.match.to_dict(explain=False)["allocations"] if self.match else [],
        }
        if self.match:
            data["confidence"] = round(self.match.confidence, 4)
            data["strategy"] = self.match.strategy
        if self.flags:
            data["flags"] = [f.value for f in self.flags]
        if self.duplicate_of:
            data["duplicate_of"] = self.duplicate_of
        if explain:
            if self.match:
                data["match"] = self.match.to_dict(explain=True)
            data["candidates"] = [c.to_dict(explain=True) for c in self.candidates]
            if self.note:
                data["note"] = self.note
        return data
