"""Remittance advices that arrive apart from the money (remt.001, UBL RemittanceAdvice, PSP files).

An advice is linked to a payment by its EndToEndId when it has one. Otherwise it is linked by
amount and currency, an advice date within [booking - advice_days_before, booking +
advice_days_after], and the payer (notes/remittance.md section 7.1), and only when the link is
unique both ways: exactly one open advice fits the payment, and no other payment of the batch
with that amount, window and payer could claim the advice (a customer paying the same
subscription amount twice a month). An advice used by an automatic match is not offered again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gateway.remittance.matching.config import MatchConfig
from gateway.remittance.matching.money import to_minor
from gateway.remittance.model import RemittanceLine

_NOT_PROVIDED = frozenset(("", "NOTPROVIDED", "NONREF"))


def e2e_key(value: str | None) -> str | None:
    key = (value or "").strip().upper()
    return None if key in _NOT_PROVIDED else key


@dataclass(frozen=True, slots=True)
class LinkedAdvice:
    advice: RemittanceLine
    index: int
    by_reference: bool  # linked by EndToEndId (else by amount, date and payer)


class AdviceBook:
    def __init__(self, advices: Sequence[RemittanceLine], config: MatchConfig,
                 payments: Iterable[RemittanceLine] = ()) -> None:
        """`payments`: the whole batch, so that an advice meant for another payment (by its
        EndToEndId, or by amount) is never linked to this one by amount."""
        self.advices = list(advices)
        self.config = config
        self.used: set[int] = set()
        self.by_e2e: dict[str, list[int]] = {}
        self.by_amount: dict[tuple[str, int], list[int]] = {}
        self.payments_by_amount: dict[tuple[str, int], list[RemittanceLine]] = {}
        known: set[str] = set()
        for payment in payments:
            if (key := e2e_key(payment.end_to_end_id)) is not None:
                known.add(key)
            if payment.amount is not None and payment.currency:
                amount_key = (payment.currency, to_minor(payment.amount, payment.currency))
                self.payments_by_amount.setdefault(amount_key, []).append(payment)
        for index, advice in enumerate(self.advices):
            key = e2e_key(advice.end_to_end_id)
            if key:
                self.by_e2e.setdefault(key, []).append(index)
            if (key is None or key not in known) and advice.amount is not None and advice.currency:
                amount_key = (advice.currency, to_minor(advice.amount, advice.currency))
                self.by_amount.setdefault(amount_key, []).append(index)

    def linked(self, payment: RemittanceLine) -> LinkedAdvice | None:
        key = e2e_key(payment.end_to_end_id)
        for index in self.by_e2e.get(key or "", ()):
            if index not in self.used:
                return LinkedAdvice(self.advices[index], index, True)
        return None

    def by_amount_candidates(self, payment: RemittanceLine) -> list[LinkedAdvice]:
        if payment.amount is None or not payment.currency:
            return []
        found = []
        amount_key = (payment.currency, to_minor(payment.amount, payment.currency))
        for index in self.by_amount.get(amount_key, ()):
            advice = self.advices[index]
            if index in self.used or not self._in_window(advice, payment):
                continue
            found.append(LinkedAdvice(advice, index, False))
        return found

    def rival_payments(self, link: LinkedAdvice, payment: RemittanceLine) -> list[RemittanceLine]:
        """Other payments of the batch with the advice's amount and date window."""
        advice = link.advice
        if advice.amount is None or not advice.currency:
            return []
        amount_key = (advice.currency, to_minor(advice.amount, advice.currency))
        return [p for p in self.payments_by_amount.get(amount_key, ())
                if p.line_id != payment.line_id and self._in_window(advice, p)]

    def _in_window(self, advice: RemittanceLine, payment: RemittanceLine) -> bool:
        if advice.booking_date is None or payment.booking_date is None:
            return True
        days = (payment.booking_date - advice.booking_date).days
        return -self.config.advice_days_after <= days <= self.config.advice_days_before

    def consume(self, link: LinkedAdvice) -> None:
        self.used.add(link.index)
