"""Does a set of open items explain the amount paid, and how?

`reconcile` answers with one `Fit` and the residuals that explain the difference
(notes/remittance.md section 7.4), tried in this order:

- EXACT: the open amounts add up to the payment (credit notes count negative);
- DISCOUNT: minus early-payment discounts on some of the items, each within its terms;
- UNEARNED_DISCOUNT: the same, but taken after the discount date (the rest stays open);
- FEE: a bank charge within `bank_fee_max` (and `bank_fee_max_share` of the payment) is missing,
  possibly on top of discounts;
- DEDUCTION: the difference equals an amount the payer stated (advice adjustment, or an amount in
  a text that gives a deduction reason);
- FX: another currency, converted at the reference rate within `fx_tolerance` (or exactly the
  instructed amount the bank reports, camt AmtDtls/InstdAmt);
- UNDERPAID / OVERPAID: a partial or short payment (the rest stays open) or too much (the
  surplus stays on account);
- CURRENCY_MISMATCH: no way to compare.

Allocations are what each item's open balance goes down by: the whole open amount when the
difference is explained (the discount, deduction or fee is booked as a residual), the payment
spread oldest-due first when it is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from itertools import combinations

from gateway.remittance.matching.config import MatchConfig
from gateway.remittance.matching.fx import FxRates
from gateway.remittance.matching.ledger import Ledger
from gateway.remittance.matching.money import to_minor

MAX_DISCOUNT_ITEMS = 12  # 2**12 discount combinations at most
_NO_DISCOUNT: list[tuple[tuple[int, ...], bool]] = [((), True)]


class Fit(StrEnum):
    EXACT = "exact"
    DISCOUNT = "discount"
    UNEARNED_DISCOUNT = "unearned_discount"
    FEE = "bank_fee"
    DEDUCTION = "deduction"
    FX = "fx"
    UNDERPAID = "underpaid"
    OVERPAID = "overpaid"
    CURRENCY_MISMATCH = "currency_mismatch"

    @property
    def strict(self) -> bool:
        """Fits exact to the minor unit: no tolerance band a wrong item could fall into."""
        return self in _STRICT

    @property
    def explained(self) -> bool:
        return self not in _UNEXPLAINED


_STRICT = frozenset((Fit.EXACT, Fit.DISCOUNT, Fit.UNEARNED_DISCOUNT, Fit.DEDUCTION))
_UNEXPLAINED = frozenset((Fit.UNDERPAID, Fit.OVERPAID, Fit.CURRENCY_MISMATCH))


class ResidualKind(StrEnum):
    DISCOUNT = "discount"
    DISCOUNT_UNEARNED = "discount_unearned"
    DEDUCTION = "deduction"
    BANK_FEE = "bank_fee"
    FX = "fx"
    OVERPAYMENT = "overpayment"
    OPEN_REST = "open_rest"  # a partial payment: this much of the item stays open


@dataclass(frozen=True, slots=True)
class ResidualMinor:
    kind: ResidualKind
    minor: int  # in `currency`; positive = the payment is short by this much
    currency: str
    item: int | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """The amounts of one payment, prepared once for all candidate sets."""

    minor: int
    currency: str
    booking_date: date | None
    instructed_minor: int | None = None
    instructed_currency: str | None = None
    stated_minor: tuple[int, ...] = ()  # amounts the payer gave as deductions
    rates: FxRates | None = None  # reference rates for items in another currency


@dataclass(frozen=True, slots=True)
class Reconciliation:
    fit: Fit
    allocations: tuple[tuple[int, int], ...]  # (item, minor in the item currency)
    residuals: tuple[ResidualMinor, ...] = ()

    @property
    def loose(self) -> bool:
        """Explained only within a tolerance band (a fee, or FX at a reference rate): a wrong
        item can fall into the band by chance, so the payer must confirm it."""
        return self.fit is Fit.FEE or (self.fit is Fit.FX and any(
            r.kind is ResidualKind.FX for r in self.residuals))

    @property
    def unfunded(self) -> tuple[int, ...]:
        """Items the payment does not reach at all (an underpayment spread oldest-first)."""
        return tuple(item for item, minor in self.allocations if minor == 0)


def reconcile(ledger: Ledger, items: Sequence[int], payment: Payment,
              config: MatchConfig) -> Reconciliation:
    currencies = {ledger.items[i].currency for i in items}
    if len(currencies) != 1:
        return _mismatch(ledger, items)
    currency = currencies.pop()
    gross = sum(ledger.open_minor[i] for i in items)
    if currency == payment.currency:
        return _same_currency(ledger, items, gross, payment.minor, payment, config)
    if payment.instructed_currency == currency and payment.instructed_minor is not None:
        fit = _same_currency(ledger, items, gross, payment.instructed_minor, payment, config)
        if fit.fit.explained:
            return Reconciliation(Fit.FX, fit.allocations, fit.residuals)
        return fit
    rate = payment.rates.rate(currency, payment.currency) if payment.rates else None
    if rate is not None:
        return _converted(ledger, items, gross, rate, payment, config)
    return _mismatch(ledger, items)


def _mismatch(ledger: Ledger, items: Sequence[int]) -> Reconciliation:
    return Reconciliation(Fit.CURRENCY_MISMATCH,
                          tuple((i, ledger.open_minor[i]) for i in items))


def _same_currency(ledger: Ledger, items: Sequence[int], gross: int, paid: int,
                   payment: Payment, config: MatchConfig) -> Reconciliation:
    currency = ledger.items[items[0]].currency
    full = tuple((i, ledger.open_minor[i]) for i in items)
    short = gross - paid
    if short == 0:
        return Reconciliation(Fit.EXACT, full)
    if short < 0:
        over = ResidualMinor(ResidualKind.OVERPAYMENT, short, currency, note="kept on account")
        return Reconciliation(Fit.OVERPAID, full, (over,))
    discounts = _discount_options(ledger, items, payment.booking_date, config)
    numerator, denominator = _ratio(config.bank_fee_max_share)
    fee_cap = min(_fee_max_minor(config.bank_fee_max, currency),
                  paid * numerator // denominator)
    rests = [(short - sum(ledger.discount_minor[i] for i in taken), taken, earned)
             for taken, earned in discounts]
    for rest, taken, earned in rests:
        if abs(rest) <= len(taken):  # one minor unit of rounding per discount
            fit = Fit.DISCOUNT if earned else Fit.UNEARNED_DISCOUNT
            return Reconciliation(fit, full, _discount_residuals(ledger, taken, earned))
    for rest, taken, earned in rests:
        if rest in payment.stated_minor:
            note = "deduction stated by the payer"
            deduction = ResidualMinor(ResidualKind.DEDUCTION, rest, currency, note=note)
            return Reconciliation(Fit.DEDUCTION, full,
                                  (*_discount_residuals(ledger, taken, earned), deduction))
    fees = [option for option in rests if 0 < option[0] <= fee_cap]
    if fees:  # the smallest fee: take every discount the amounts allow
        rest, taken, earned = min(fees, key=lambda option: option[0])
        fee = ResidualMinor(ResidualKind.BANK_FEE, rest, currency)
        return Reconciliation(Fit.FEE, full, (*_discount_residuals(ledger, taken, earned), fee))
    return _underpaid(ledger, items, paid, currency)


def _discount_residuals(ledger: Ledger, taken: tuple[int, ...],
                        earned: bool) -> tuple[ResidualMinor, ...]:
    return tuple(_discount_residual(ledger, i, earned) for i in taken)


@lru_cache(maxsize=64)
def _fee_max_minor(bank_fee_max: Decimal, currency: str) -> int:
    return to_minor(bank_fee_max, currency)


@lru_cache(maxsize=16)
def _ratio(share: Decimal) -> tuple[int, int]:
    """The share as an integer fraction (0.10 -> 1/10): integer arithmetic per payment."""
    return share.as_integer_ratio()


def _discount_options(ledger: Ledger, items: Sequence[int], booking: date | None,
                      config: MatchConfig) -> list[tuple[tuple[int, ...], bool]]:
    """Subsets of the items with discount terms, smallest first; earned if all within terms."""
    eligible = [i for i in items if ledger.discount_minor[i]][:MAX_DISCOUNT_ITEMS]
    if not eligible:
        return _NO_DISCOUNT
    earned = {i: _within_terms(ledger, i, booking, config) for i in eligible}
    return [(taken, all(earned[i] for i in taken))
            for size in range(len(eligible) + 1) for taken in combinations(eligible, size)]


def _within_terms(ledger: Ledger, item: int, booking: date | None, config: MatchConfig) -> bool:
    terms = ledger.items[item].discount
    if terms is None or booking is None:
        return False
    return (booking - terms.until).days <= config.discount_grace_days


def _discount_residual(ledger: Ledger, item: int, earned: bool) -> ResidualMinor:
    kind = ResidualKind.DISCOUNT if earned else ResidualKind.DISCOUNT_UNEARNED
    note = None if earned else "discount taken after the discount date"
    return ResidualMinor(kind, ledger.discount_minor[item], ledger.items[item].currency, item, note)


def _underpaid(ledger: Ledger, items: Sequence[int], paid: int, currency: str) -> Reconciliation:
    """Spread the payment oldest-due first; credit notes are netted in first."""
    order = sorted(items, key=lambda i: (ledger.open_minor[i] > 0, _due_key(ledger, i)))
    left = paid
    allocations = []
    residuals = []
    for item in order:
        open_minor = ledger.open_minor[item]
        applied = open_minor if open_minor <= 0 else max(0, min(open_minor, left))
        left -= applied
        allocations.append((item, applied))
        if applied != open_minor:
            residuals.append(ResidualMinor(ResidualKind.OPEN_REST, open_minor - applied,
                                           currency, item, "left open"))
    return Reconciliation(Fit.UNDERPAID, tuple(allocations), tuple(residuals))


def _due_key(ledger: Ledger, item: int) -> date:
    due = ledger.items[item].due_date or ledger.items[item].issue_date
    return due or date.min


def _converted(ledger: Ledger, items: Sequence[int], gross: int, rate: Decimal,
               payment: Payment, config: MatchConfig) -> Reconciliation:
    """Another currency: the payment against the converted open amount, within tolerance."""
    full = tuple((i, ledger.open_minor[i]) for i in items)
    fee_cap = to_minor(config.bank_fee_max, payment.currency)
    for taken, earned in _discount_options(ledger, items, payment.booking_date, config):
        due = gross - sum(ledger.discount_minor[i] for i in taken)
        expected = int(Decimal(due) * rate)
        tolerance = int(abs(expected) * config.fx_tolerance)
        difference = expected - payment.minor
        if -tolerance <= difference <= tolerance + fee_cap:
            residuals = _discount_residuals(ledger, taken, earned)
            fx = ResidualMinor(ResidualKind.FX, difference, payment.currency,
                               note=f"converted at {rate:.6f}")
            return Reconciliation(Fit.FX, full, (*residuals, fx))
    return Reconciliation(Fit.CURRENCY_MISMATCH, full)
