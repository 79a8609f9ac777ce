"""Turning what a strategy found into weighted reasons (see `config.EvidenceWeights`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gateway.remittance.matching.amounts import Fit, Payment, Reconciliation
from gateway.remittance.matching.config import MatchConfig
from gateway.remittance.matching.ledger import Ledger
from gateway.remittance.matching.money import format_minor
from gateway.remittance.matching.payer import PayerIdentity
from gateway.remittance.matching.result import Reason, confidence
from gateway.remittance.matching.text import TextFacts
from gateway.remittance.model import RemittanceLine


@dataclass(slots=True)
class PaymentContext:
    """Everything the strategies need to know about one payment line."""

    line: RemittanceLine
    payment: Payment
    facts: TextFacts
    identity: PayerIdentity


@dataclass(slots=True)
class Candidate:
    """A set of open items a strategy proposes for a payment, with the evidence."""

    strategy: str
    items: tuple[int, ...]
    fit: Reconciliation
    reasons: list[Reason] = field(default_factory=list)
    key: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        self.key = frozenset(self.items)

    @property
    def confidence(self) -> float:
        return confidence(self.reasons)


class Evidence:
    def __init__(self, ledger: Ledger, config: MatchConfig) -> None:
        self.ledger = ledger
        self.config = config
        self.w = config.weights

    def amount(self, fit: Reconciliation, *, strict_only: bool = False,
               payer_confirmed: bool = True) -> Reason:
        """How the amounts fit. A loose fit (fee, FX at a reference rate) confirms nothing with
        `strict_only`, and counts as unexplained when the payer does not confirm the items."""
        kind = fit.fit
        detail = kind.value + "".join(
            f"; {r.kind.value} {format_minor(r.minor, r.currency)}" for r in fit.residuals)
        if kind is Fit.EXACT:
            return Reason("amount_exact", self.w.amount_exact, detail)
        if kind is Fit.DISCOUNT:
            return Reason("amount_discount", self.w.discount_within_terms, detail)
        if kind.explained and fit.loose and not payer_confirmed:
            return Reason("amount_loose_unconfirmed", self.w.unexplained_difference,
                          detail + " (within a tolerance, payer unconfirmed)")
        if kind.explained:
            weight = 0.0 if strict_only else self.w.explained_difference
            return Reason("amount_explained", weight, detail)
        if kind is Fit.OVERPAID and self._large_surplus(fit):
            return Reason("amount_surplus", self.w.unexplained_difference + self.w.common_amount,
                          detail + " (more than the overpayment tolerance share)")
        return Reason("amount_unexplained", self.w.unexplained_difference, detail)

    def _large_surplus(self, fit: Reconciliation) -> bool:
        """An overpayment this large more likely pays items the remittance does not name."""
        surplus = -sum(r.minor for r in fit.residuals if r.kind.value == "overpayment")
        paid = sum(minor for _item, minor in fit.allocations) + surplus
        return paid > 0 and surplus > paid * self.config.overpayment_share

    def payer(self, identity: PayerIdentity, items: Sequence[int]) -> list[Reason]:
        ledger = self.ledger
        customers = {ledger.customer_of(i) for i in items}
        reasons: list[Reason] = []
        if identity.account_customer:
            group = ledger.group(identity.account_customer)
            if customers <= group:
                weight = self.w.payer_name if identity.account_learned else self.w.payer_account
                reasons.append(Reason("payer_account", weight,
                                      f"debtor account belongs to {identity.account_customer}"))
            else:
                weight = (self.w.payer_name_other if identity.account_learned
                          else self.w.payer_account_other)
                reasons.append(Reason("payer_account_other", weight,
                                      f"debtor account belongs to {identity.account_customer}"))
        elif identity.name_customers:
            names = identity.name_customers
            if not all(self._within(c, names) for c in customers):
                reasons.append(Reason("payer_name_other", self.w.payer_name_other,
                                      "debtor name belongs to another customer"))
            elif len(names) == 1:
                reasons.append(Reason("payer_name", self.w.payer_name,
                                      f"debtor name matches {next(iter(names))}"))
            else:
                reasons.append(Reason("payer_name_ambiguous", self.w.payer_name_ambiguous,
                                      f"debtor name fits {len(names)} customers"))
        if identity.text_customers:
            numbered = frozenset(identity.text_customers)
            if all(self._within(c, numbered) for c in customers):
                reasons.append(Reason("payer_customer_number", self.w.payer_customer_number,
                                      "customer number in the remittance text"))
        return reasons

    def _within(self, customer_id: str, payers: frozenset[str]) -> bool:
        """Is the customer one of `payers`, or a subsidiary of one (a parent pays centrally)?"""
        current: str | None = customer_id
        for _depth in range(4):
            if current is None:
                return False
            if current in payers:
                return True
            parent = self.ledger.customers.get(current)
            current = parent.parent_id if parent else None
        return False

    def common_amount(self, items: Sequence[int]) -> Reason | None:
        """An item whose amount many open items share: an amount fit confirms little."""
        if len(items) != 1:
            return None
        item = self.ledger.items[items[0]]
        count = self.ledger.amount_count.get((item.currency, self.ledger.start_minor[items[0]]), 0)
        threshold = max(self.config.common_amount_count,
                        self.config.common_amount_share * len(self.ledger.items))
        if count > threshold:
            return Reason("common_amount", self.w.common_amount,
                          f"{count} open items share this amount")
        return None

    def settled(self, items: Sequence[int]) -> Reason | None:
        settled = [i for i in items if i in self.ledger.settled_by]
        if not settled:
            return None
        first = settled[0]
        return Reason("settled_reference", -4.0,
                      f"{self.ledger.items[first].item_id} was settled by "
                      f"{self.ledger.settled_by[first]}")

    def context(self, ctx: PaymentContext) -> list[Reason]:
        """Evidence from the whole line that applies to every candidate."""
        reasons = []
        if ctx.facts.unresolved:
            reasons.append(Reason("unresolved_reference", self.w.unresolved_reference,
                                  "text names " + ", ".join(ctx.facts.unresolved[:3])))
        if ctx.facts.non_ar_keyword:
            reasons.append(Reason("not_receivable_keyword", -2.0,
                                  f"text contains {ctx.facts.non_ar_keyword!r}"))
        return reasons
