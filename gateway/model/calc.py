"""EN 16931 calculations on the canonical Invoice / Credit Note, shared by derivation and rules.

`complete(doc)` fills what the JSON left out (line net amounts, allowance/charge amounts from
base and percentage, the VAT breakdown, the document totals) and keeps what it gave; the
own-rules layer compares given values with the same functions (BR-CO-10 ... BR-CO-17,
PEPPOL-EN16931-R040, R120), so derivation and checking cannot disagree.

Rounding: EN 16931 amounts have at most two decimals (BR-DEC-*); computed amounts are rounded
half up to two decimals, the way the Peppol/CEN rules compute their expected values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from gateway.findings import Finding, Layer, Severity
from gateway.model.invoice import (
    BillingDocument,
    DocumentAllowanceCharge,
    DocumentTotals,
    InvoiceLine,
    LineAllowanceCharge,
    TaxTotal,
    VatBreakdown,
)

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
RULE_DERIVED = "GW-DERIVED"

AllowanceCharge = DocumentAllowanceCharge | LineAllowanceCharge


def round_amount(value: Decimal) -> Decimal:
    """Round half up to two decimals (EN 16931 amount precision)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def allowance_charge_amount(item: AllowanceCharge) -> Decimal | None:
    """BT-92/99/136/141 as given, else base amount x percentage / 100 (PEPPOL-EN16931-R040)."""
    if item.amount is not None:
        return item.amount
    if item.base_amount is None or item.multiplier_factor is None:
        return None
    return round_amount(item.base_amount * item.multiplier_factor / HUNDRED)


def _sum_of(items: Iterable[AllowanceCharge], charge: bool) -> Decimal:
    total = ZERO
    for item in items:
        if item.charge_indicator is charge:
            amount = allowance_charge_amount(item)
            if amount is not None:
                total += amount
    return total


def sum_allowances(items: Iterable[AllowanceCharge]) -> Decimal:
    """Sum of the allowances (charge indicator false): BT-107 for document level (BR-CO-11)."""
    return _sum_of(items, charge=False)


def sum_charges(items: Iterable[AllowanceCharge]) -> Decimal:
    """Sum of the charges (charge indicator true): BT-108 for document level (BR-CO-12)."""
    return _sum_of(items, charge=True)


def net_price(line: InvoiceLine) -> Decimal | None:
    """BT-146 divided by the price base quantity BT-149 (default 1)."""
    price = line.price
    if price is None or price.amount is None:
        return None
    base = price.base_quantity if price.base_quantity is not None else Decimal(1)
    if base == 0:
        return None
    return price.amount / base


def line_net_amount(line: InvoiceLine) -> Decimal | None:
    """Expected BT-131: quantity x (net price / base quantity) + line charges - line allowances.

    PEPPOL-EN16931-R120; None when quantity or price is missing.
    """
    unit = net_price(line)
    if unit is None or line.quantity is None:
        return None
    extra = sum_charges(line.allowance_charges) - sum_allowances(line.allowance_charges)
    return round_amount(line.quantity * unit + extra)


def line_net_or_expected(line: InvoiceLine) -> Decimal | None:
    """BT-131 as given, else as computed."""
    if line.line_extension_amount is not None:
        return line.line_extension_amount
    return line_net_amount(line)


def sum_line_net_amounts(lines: Iterable[InvoiceLine]) -> Decimal:
    """Expected BT-106: the sum of the line net amounts (BR-CO-10)."""
    total = ZERO
    for line in lines:
        amount = line_net_or_expected(line)
        if amount is not None:
            total += amount
    return total


def tax_exclusive_amount(line_total: Decimal, allowances: Decimal, charges: Decimal) -> Decimal:
    """BT-109 = BT-106 - BT-107 + BT-108 (BR-CO-13)."""
    return line_total - allowances + charges


def vat_category_tax_amount(taxable: Decimal, rate: Decimal | None) -> Decimal:
    """BT-117 = BT-116 x BT-119 / 100, rounded to two decimals (BR-CO-17)."""
    return round_amount(taxable * (rate or ZERO) / HUNDRED)


def tax_inclusive_amount(tax_exclusive: Decimal, tax_total: Decimal) -> Decimal:
    """BT-112 = BT-109 + BT-110 (BR-CO-15)."""
    return tax_exclusive + tax_total


def payable_amount(tax_inclusive: Decimal, prepaid: Decimal | None,
                   rounding: Decimal | None) -> Decimal:
    """BT-115 = BT-112 - BT-113 + BT-114 (BR-CO-16)."""
    return tax_inclusive - (prepaid or ZERO) + (rounding or ZERO)


@dataclass(frozen=True, slots=True)
class ExpectedVat:
    """One expected VAT breakdown (BG-23) per VAT category code and rate."""

    category: str | None
    rate: Decimal | None
    taxable_amount: Decimal  # BT-116 (BR-S-08, BR-Z-08, BR-E-08, ...)
    tax_amount: Decimal  # BT-117 (BR-CO-17)


def expected_vat_breakdown(doc: BillingDocument) -> list[ExpectedVat]:
    """BG-23 from lines, document allowances and charges, grouped by (BT-118, BT-119).

    Taxable amount: line net amounts + charges - allowances of the category and rate
    (BR-S-08 and its siblings for the other categories); tax amount per BR-CO-17.
    """
    taxable: dict[tuple[str | None, Decimal | None], Decimal] = {}
    rates: dict[tuple[str | None, Decimal | None], Decimal | None] = {}

    def add(category: str | None, rate: Decimal | None, amount: Decimal | None) -> None:
        if amount is None:
            return
        key = (category, rate)
        rates.setdefault(key, rate)
        taxable[key] = taxable.get(key, ZERO) + amount

    for line in doc.lines:
        item = line.item
        add(item.vat_category_code if item else None, item.vat_rate if item else None,
            line_net_or_expected(line))
    for ac in doc.allowance_charges:
        amount = allowance_charge_amount(ac)
        if amount is None or ac.charge_indicator is None:
            continue
        add(ac.vat_category_code, ac.vat_rate, amount if ac.charge_indicator else -amount)
    return [
        ExpectedVat(category, rates[(category, rate)], round_amount(amount),
                    vat_category_tax_amount(amount, rate))
        for (category, rate), amount in taxable.items()
    ]


@dataclass(frozen=True, slots=True)
class ExpectedTotals:
    """BG-22 as the given values imply (each from the given lower-level values when present)."""

    line_extension_amount: Decimal
    allowance_total_amount: Decimal
    charge_total_amount: Decimal
    tax_exclusive_amount: Decimal
    tax_amount: Decimal  # BT-110
    tax_inclusive_amount: Decimal
    payable_amount: Decimal


def _given(value: Decimal | None, fallback: Decimal) -> Decimal:
    return fallback if value is None else value


def expected_totals(doc: BillingDocument) -> ExpectedTotals:
    totals = doc.totals or DocumentTotals()
    lines = round_amount(sum_line_net_amounts(doc.lines))
    allowances = round_amount(sum_allowances(doc.allowance_charges))
    charges = round_amount(sum_charges(doc.allowance_charges))
    exclusive = tax_exclusive_amount(
        _given(totals.line_extension_amount, lines),
        _given(totals.allowance_total_amount, allowances),
        _given(totals.charge_total_amount, charges),
    )
    tax = document_tax_amount(doc)
    inclusive = tax_inclusive_amount(_given(totals.tax_exclusive_amount, exclusive), tax)
    payable = payable_amount(_given(totals.tax_inclusive_amount, inclusive),
                             totals.prepaid_amount, totals.payable_rounding_amount)
    return ExpectedTotals(lines, allowances, charges, exclusive, tax, inclusive, payable)


def document_tax_amount(doc: BillingDocument) -> Decimal:
    """BT-110: as given in the first TaxTotal, else the sum of its (or the expected) BT-117."""
    first = doc.tax_totals[0] if doc.tax_totals else None
    if first is not None and first.tax_amount is not None:
        return first.tax_amount
    if first is not None and first.vat_breakdown:
        return sum((b.tax_amount or ZERO for b in first.vat_breakdown), ZERO)
    return sum((v.tax_amount for v in expected_vat_breakdown(doc)), ZERO)


# --- derivation ---------------------------------------------------------------------------


def complete(doc: BillingDocument, *, copy: bool = True
             ) -> tuple[BillingDocument, list[Finding]]:
    """`doc` with omitted derived values filled in; given values are kept.

    Fills line net amounts (BT-131), allowance/charge amounts from base x percentage, the
    VAT breakdown (BG-23) and VAT total (BT-110) when the first TaxTotal omits them, and the
    document totals (BG-22) that are missing. Returns an info finding per derived group.
    Works on a deep copy unless `copy` is false (for a model nothing else holds yet).
    """
    result = doc.model_copy(deep=True) if copy else doc
    notes: list[Finding] = []
    _complete_lines(result, notes)
    _complete_allowance_charges(result.allowance_charges, "/allowance_charges", "BT-92/BT-99",
                                notes)
    _complete_tax_total(result, notes)
    _complete_totals(result, notes)
    return result, notes


def _derived(notes: list[Finding], pointer: str, bt: str, what: str) -> None:
    notes.append(Finding(RULE_DERIVED, Severity.INFO, Layer.MODEL, f"derived {bt} {what}",
                         json_pointer=pointer, bt=bt))


def _complete_allowance_charges(items: list[Any], pointer: str, bt: str,
                                notes: list[Finding]) -> None:
    for index, item in enumerate(items):
        if item.amount is None:
            amount = allowance_charge_amount(item)
            if amount is not None:
                item.amount = amount
                _derived(notes, f"{pointer}/{index}/amount", bt,
                         f"{amount} = base amount x percentage / 100")


def _complete_lines(doc: BillingDocument, notes: list[Finding]) -> None:
    filled = 0
    for index, line in enumerate(doc.lines):
        _complete_allowance_charges(line.allowance_charges, f"/lines/{index}/allowance_charges",
                                    "BT-136/BT-141", notes)
        if line.line_extension_amount is None:
            amount = line_net_amount(line)
            if amount is not None:
                line.line_extension_amount = amount
                filled += 1
    if filled:
        _derived(notes, "/lines", "BT-131", f"line net amount on {filled} line(s)")


def _complete_tax_total(doc: BillingDocument, notes: list[Finding]) -> None:
    if not doc.tax_totals:
        doc.tax_totals = [TaxTotal()]
    first = doc.tax_totals[0]
    if not first.vat_breakdown:
        first.vat_breakdown = [
            VatBreakdown(taxable_amount=v.taxable_amount, tax_amount=v.tax_amount,
                         vat_category_code=v.category, vat_rate=v.rate)
            for v in expected_vat_breakdown(doc)
        ]
        if first.vat_breakdown:
            _derived(notes, "/tax_totals/0/vat_breakdown", "BG-23",
                     "VAT breakdown from lines, allowances and charges")
    if first.tax_amount is None:
        first.tax_amount = round_amount(
            sum((b.tax_amount or ZERO for b in first.vat_breakdown), ZERO)
        )
        _derived(notes, "/tax_totals/0/tax_amount", "BT-110", f"{first.tax_amount}")


def _complete_totals(doc: BillingDocument, notes: list[Finding]) -> None:
    totals = doc.totals if doc.totals is not None else DocumentTotals()
    doc.totals = totals
    allowances = [ac for ac in doc.allowance_charges if ac.charge_indicator is False]
    charges = [ac for ac in doc.allowance_charges if ac.charge_indicator is True]
    fill = _TotalsFiller(totals, notes)
    fill("line_extension_amount", "BT-106", lambda: sum_line_net_amounts(doc.lines))
    if allowances:
        fill("allowance_total_amount", "BT-107", lambda: sum_allowances(allowances))
    if charges:
        fill("charge_total_amount", "BT-108", lambda: sum_charges(charges))
    fill("tax_exclusive_amount", "BT-109", lambda: tax_exclusive_amount(
        totals.line_extension_amount or ZERO, totals.allowance_total_amount or ZERO,
        totals.charge_total_amount or ZERO))
    fill("tax_inclusive_amount", "BT-112", lambda: tax_inclusive_amount(
        totals.tax_exclusive_amount or ZERO, document_tax_amount(doc)))
    fill("payable_amount", "BT-115", lambda: payable_amount(
        totals.tax_inclusive_amount or ZERO, totals.prepaid_amount,
        totals.payable_rounding_amount))


class _TotalsFiller:
    def __init__(self, totals: DocumentTotals, notes: list[Finding]) -> None:
        self.totals = totals
        self.notes = notes

    def __call__(self, name: str, bt: str, compute: Any) -> None:
        if getattr(self.totals, name) is not None:
            return
        value = round_amount(compute())
        setattr(self.totals, name, value)
        _derived(self.notes, f"/totals/{name}", bt, str(value))
