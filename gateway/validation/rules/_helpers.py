"""Shared helpers of the EN 16931 core rules (rule set CEN) over the canonical Invoice/CreditNote.

The official rules are XPath 2.0 assertions over UBL (CEN-EN16931-UBL.sch). To raise exactly
the same rule ids, the helpers here reproduce the XPath semantics the assertions rely on:

* `normalize-space(x) != ''` is `has_text`; a missing value and a blank one are alike;
* `exists(x)` is "the element is there": a value that is not None, even an empty string;
* `round(x * 10 * 10) div 100` rounds half towards positive infinity (`xpath_round2`), which
  differs from ROUND_HALF_UP for negative amounts (-0.005 -> 0.00, not -0.01);
* a comparison with a missing operand is false, so "A = B" with A missing fails the assert;
* `string-length(substring-after(x, '.')) <= 2` counts the written fraction digits, which the
  model keeps as the Decimal exponent (`fraction_digits`).

`TaxCategoryUse` collects, in one pass over lines, allowances, charges and VAT breakdowns,
the facts the VAT category rules (BR-S-*, BR-Z-*, ...) need, memoised per run (ctx.memo).

The model's `tax_scheme_id` is absent when the UBL carried `VAT` (the mapping implies it), so
an absent scheme counts as VAT (`is_vat_scheme`).

These sums deliberately do not use gateway.model.calc: calc derives values the document left
out (net amounts from quantity x price, allowance amounts from base x percentage) and rounds
half up, whereas the official assertions sum only the amounts written and round the XPath way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from gateway.model.invoice import (
    BillingDocument,
    DocumentAllowanceCharge,
    InvoiceLine,
    VatBreakdown,
)
from gateway.validation.rules.registry import Path, RuleContext, Violation

ZERO = Decimal(0)
ONE = Decimal(1)
HALF = Decimal("0.5")
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

_XML_SPACE = " \t\r\n"
_XML_SPACE_RUN = re.compile(r"[ \t\r\n]+")

NO_VIOLATIONS: tuple[Violation, ...] = ()


# --- XPath value semantics ------------------------------------------------------------------


def has_text(value: str | None) -> bool:
    """`normalize-space(value) != ''`."""
    return value is not None and bool(value.strip(_XML_SPACE))


def normalize_space(value: str | None) -> str:
    """XPath `normalize-space`: XML whitespace runs become one space, ends trimmed."""
    if not value:
        return ""
    if value.isalnum():
        return value
    return _XML_SPACE_RUN.sub(" ", value).strip(" ")


def is_vat_scheme(tax_scheme_id: str | None) -> bool:
    """`cac:TaxScheme/normalize-space(upper-case(cbc:ID)) = 'VAT'`; absent means VAT (mapping)."""
    return tax_scheme_id is None or normalize_space(tax_scheme_id.upper()) == "VAT"


def xpath_round(value: Decimal) -> Decimal:
    """XPath `round(x)`: the nearest integer, halves towards positive infinity."""
    return (value + HALF).to_integral_value(rounding=ROUND_FLOOR)


def xpath_round2(value: Decimal) -> Decimal:
    """`round(x * 10 * 10) div 100`, the two-decimal rounding of the official assertions."""
    return xpath_round(value * HUNDRED) / HUNDRED


def fraction_digits(value: Decimal) -> int:
    """Digits written after the decimal point (`string-length(substring-after(x, '.'))`)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def money(value: Decimal | None) -> str:
    """An amount for a message, with at least two decimals (`xpath_round2` drops zeros)."""
    if value is None:
        return "missing"
    return str(value.quantize(CENT) if fraction_digits(value) < 2 else value)


def too_many_decimals(value: Decimal | None) -> bool:
    """BR-DEC-*: more than two fraction digits written."""
    return value is not None and fraction_digits(value) > 2


def double_shift(value: Decimal, delta: int) -> Decimal:
    """`xs:decimal(cbc:TaxableAmount + delta)`: untyped text plus an integer is xs:double.

    BR-S-08, BR-AF-08 and BR-AG-08 add their tolerance in binary floating point before
    comparing, so 100.10 - 1 is 99.0999999999999943..., not 99.10; reproducing it keeps the
    verdict on the tolerance boundary identical to the official rules.
    """
    return Decimal(float(value) + delta)


def within_one(value: Decimal, expected: Decimal) -> bool:
    """`value - 1 < expected and value + 1 > expected` in decimal arithmetic."""
    return value - ONE < expected < value + ONE


def expected_vat(taxable: Decimal, percent: Decimal) -> Decimal:
    """`round((abs(BT-116) * (BT-119 div 100)) * 10 * 10) div 100` (BR-S-09, BR-CO-17)."""
    return xpath_round2(abs(taxable) * (percent / HUNDRED))


# --- model access ---------------------------------------------------------------------------


def document(ctx: RuleContext[Any]) -> BillingDocument:
    model: BillingDocument = ctx.model
    return model


def effective_currency(doc: BillingDocument, amount_currency: str | None) -> str | None:
    """The @currencyID of an amount: the model keeps it only where it differs from BT-5."""
    return amount_currency if amount_currency is not None else doc.currency_code


def document_allowances(
    doc: BillingDocument, charge: bool
) -> Iterator[tuple[int, DocumentAllowanceCharge]]:
    """Document level allowances (charge False, BG-20) or charges (True, BG-21) with index.

    Like `cac:AllowanceCharge[cbc:ChargeIndicator = false()]`, an allowance/charge without
    indicator is neither.
    """
    for index, item in enumerate(doc.allowance_charges):
        if item.charge_indicator is charge:
            yield index, item


def line_allowance_charges(ctx: RuleContext[Any]) -> tuple[tuple[int, int, Any], ...]:
    """(line index, index, allowance/charge) of every line level BG-27/BG-28, in document
    order; collected once per run, since a dozen rules look at them and most lines have none.
    """
    found: tuple[tuple[int, int, Any], ...] = ctx.memo("cen.line-allowance-charges", lambda: tuple(
        (index, ac_index, item)
        for index, line in enumerate(document(ctx).lines) if line.allowance_charges
        for ac_index, item in enumerate(line.allowance_charges)
    ))
    return found


def breakdowns(doc: BillingDocument) -> Iterator[tuple[Path, VatBreakdown]]:
    """Every VAT breakdown (`/*/cac:TaxTotal/cac:TaxSubtotal`) with its JSON path."""
    for t_index, total in enumerate(doc.tax_totals):
        for b_index, breakdown in enumerate(total.vat_breakdown):
            yield ("tax_totals", t_index, "vat_breakdown", b_index), breakdown


def breakdown_has_category(breakdown: VatBreakdown) -> bool:
    """Whether the breakdown had a cac:TaxCategory (any of its parts was written)."""
    return (
        breakdown.vat_category_code is not None
        or breakdown.vat_rate is not None
        or breakdown.tax_scheme_id is not None
        or breakdown.vat_category_scheme_id is not None
        or breakdown.exemption_reason is not None
        or breakdown.exemption_reason_code is not None
    )


def line_has_category(line: InvoiceLine) -> bool:
    """Whether the line had a cac:Item/cac:ClassifiedTaxCategory."""
    item = line.item
    return item is not None and (
        item.vat_category_code is not None
        or item.vat_rate is not None
        or item.tax_scheme_id is not None
        or item.vat_category_scheme_id is not None
    )


def allowance_has_category(item: DocumentAllowanceCharge) -> bool:
    """Whether the document level allowance/charge had a cac:TaxCategory."""
    return (
        item.vat_category_code is not None
        or item.vat_rate is not None
        or item.tax_scheme_id is not None
        or item.vat_category_scheme_id is not None
    )


# --- VAT category facts, collected once per run ---------------------------------------------


@dataclass(slots=True)
class CategoryOccurrence:
    """One cac:TaxCategory / cac:ClassifiedTaxCategory: where it is and what it says."""

    path: Path  # JSON path of the owning object (line item, allowance/charge, breakdown)
    code: str | None  # cbc:ID as written
    norm: str  # normalize-space(cbc:ID)
    vat: bool  # the tax scheme is VAT
    rate: Decimal | None  # cbc:Percent
    source: Any  # the model object: item, allowance/charge or VAT breakdown


@dataclass(slots=True)
class TaxCategoryUse:
    """VAT category codes of lines, document allowances/charges and VAT breakdowns."""

    lines: list[CategoryOccurrence] = field(default_factory=list)
    allowances: list[CategoryOccurrence] = field(default_factory=list)  # charge indicator false
    charges: list[CategoryOccurrence] = field(default_factory=list)  # charge indicator true
    other_allowance_charges: list[CategoryOccurrence] = field(default_factory=list)  # no indicator
    breakdowns: list[CategoryOccurrence] = field(default_factory=list)
    # sums of BT-131 by normalize-space(category) whatever the scheme, and by (category, rate)
    line_net_by_code: dict[str, Decimal] = field(default_factory=dict)
    line_net_by_code_rate: dict[tuple[str, Decimal], Decimal] = field(default_factory=dict)
    # the same for document level charges (BT-99) and allowances (BT-92)
    charge_by_code: dict[str, Decimal] = field(default_factory=dict)
    charge_by_code_rate: dict[tuple[str, Decimal], Decimal] = field(default_factory=dict)
    allowance_by_code: dict[str, Decimal] = field(default_factory=dict)
    allowance_by_code_rate: dict[tuple[str, Decimal], Decimal] = field(default_factory=dict)
    codes: set[str] = field(default_factory=set)  # every normalised code, whatever the scheme
    # lines of a category, by (normalised code, any scheme): see en16931_vat._lines_matching
    line_matches: dict[tuple[str, bool], list[CategoryOccurrence]] = field(default_factory=dict)

    def all_allowance_charges(self) -> Iterator[CategoryOccurrence]:
        yield from self.allowances
        yield from self.charges
        yield from self.other_allowance_charges

    def any_tax_category(self, norm: str) -> bool:
        """`//cac:TaxCategory[VAT]/cbc:ID[normalize-space(.) = X]` or the same in a line."""
        return any(
            o.vat and o.norm == norm
            for group in (self.lines, self.breakdowns, self.allowances, self.charges,
                          self.other_allowance_charges)
            for o in group
        )


def _add(sums: dict[Any, Decimal], key: Any, amount: Decimal) -> None:
    sums[key] = sums.get(key, ZERO) + amount


def _occurrence(path: Path, source: Any, code: str | None, scheme: str | None,
                rate: Decimal | None) -> CategoryOccurrence:
    return CategoryOccurrence(path, code, normalize_space(code), is_vat_scheme(scheme), rate,
                              source)


def _collect_lines(doc: BillingDocument, use: TaxCategoryUse) -> None:
    # The hot loop of long invoices: the normalised code and scheme test are computed once
    # per distinct (code, scheme), and the sums are added in line order as before.
    facts: dict[tuple[str | None, str | None], tuple[str, bool]] = {}
    by_code = use.line_net_by_code
    by_code_rate = use.line_net_by_code_rate
    for index, line in enumerate(doc.lines):
        item = line.item
        if item is None:
            continue
        code, scheme, rate = item.vat_category_code, item.tax_scheme_id, item.vat_rate
        if code is None and rate is None and scheme is None and (
            item.vat_category_scheme_id is None
        ):
            continue  # no cac:ClassifiedTaxCategory (line_has_category)
        fact = facts.get((code, scheme))
        if fact is None:
            fact = facts[(code, scheme)] = (normalize_space(code), is_vat_scheme(scheme))
        norm = fact[0]
        use.lines.append(CategoryOccurrence(("lines", index, "item"), code, norm, fact[1], rate,
                                            item))
        amount = line.line_extension_amount
        if amount is not None and code is not None:
            by_code[norm] = by_code.get(norm, ZERO) + amount
            if rate is not None:
                by_code_rate[(norm, rate)] = by_code_rate.get((norm, rate), ZERO) + amount


def _collect_allowance_charges(doc: BillingDocument, use: TaxCategoryUse) -> None:
    for index, item in enumerate(doc.allowance_charges):
        if not allowance_has_category(item):
            continue
        occurrence = _occurrence(("allowance_charges", index), item, item.vat_category_code,
                                 item.tax_scheme_id, item.vat_rate)
        if item.charge_indicator is None:
            use.other_allowance_charges.append(occurrence)
            continue
        charge = item.charge_indicator
        (use.charges if charge else use.allowances).append(occurrence)
        if item.amount is None or item.vat_category_code is None:
            continue
        by_code = use.charge_by_code if charge else use.allowance_by_code
        _add(by_code, occurrence.norm, item.amount)
        if item.vat_rate is not None:
            by_rate = use.charge_by_code_rate if charge else use.allowance_by_code_rate
            _add(by_rate, (occurrence.norm, item.vat_rate), item.amount)


def _collect_breakdowns(doc: BillingDocument, use: TaxCategoryUse) -> None:
    for path, breakdown in breakdowns(doc):
        if breakdown_has_category(breakdown):
            use.breakdowns.append(_occurrence(path, breakdown, breakdown.vat_category_code,
                                              breakdown.tax_scheme_id, breakdown.vat_rate))


def _collect(doc: BillingDocument) -> TaxCategoryUse:
    use = TaxCategoryUse()
    _collect_lines(doc, use)
    _collect_allowance_charges(doc, use)
    _collect_breakdowns(doc, use)
    for group in (use.lines, use.allowances, use.charges, use.other_allowance_charges,
                  use.breakdowns):
        use.codes.update(o.norm for o in group)
    return use


_CATEGORY_USE = "cen.category_use"
_PARTY_TAX_IDS = "cen.party_tax_ids"


def category_use(ctx: RuleContext[Any]) -> TaxCategoryUse:
    """The document's `TaxCategoryUse`, collected on first use in a run (ctx.cache)."""
    use: TaxCategoryUse | None = ctx.cache.get(_CATEGORY_USE)
    if use is None:
        use = ctx.cache[_CATEGORY_USE] = _collect(document(ctx))
    return use


# --- party identifiers the VAT category rules ask for ---------------------------------------


@dataclass(frozen=True, slots=True)
class PartyTaxIds:
    """Which of BT-31/BT-32, BT-63, BT-48 and BT-47 the document carries."""

    seller_any: bool  # cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID
    seller_vat: bool  # ... with tax scheme VAT (BT-31)
    tax_representative_vat: bool  # BT-63
    buyer_vat: bool  # BT-48
    buyer_legal: bool  # BT-47


def _party_tax_ids(doc: BillingDocument) -> PartyTaxIds:
    seller = doc.seller
    seller_schemes = seller.tax_schemes if seller is not None else []
    representative = doc.tax_representative
    rep_schemes = representative.tax_schemes if representative is not None else []
    buyer = doc.buyer
    buyer_schemes = buyer.tax_schemes if buyer is not None else []
    return PartyTaxIds(
        seller_any=any(s.company_id is not None for s in seller_schemes),
        seller_vat=any(
            s.company_id is not None and is_vat_scheme(s.tax_scheme_id) for s in seller_schemes
        ),
        tax_representative_vat=any(
            s.company_id is not None and is_vat_scheme(s.tax_scheme_id) for s in rep_schemes
        ),
        buyer_vat=any(
            s.company_id is not None and is_vat_scheme(s.tax_scheme_id) for s in buyer_schemes
        ),
        buyer_legal=buyer is not None and buyer.legal_registration_id is not None,
    )


def party_tax_ids(ctx: RuleContext[Any]) -> PartyTaxIds:
    ids: PartyTaxIds | None = ctx.cache.get(_PARTY_TAX_IDS)
    if ids is None:
        ids = ctx.cache[_PARTY_TAX_IDS] = _party_tax_ids(document(ctx))
    return ids
