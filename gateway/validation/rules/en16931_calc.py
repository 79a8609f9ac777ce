"""EN 16931 core rules BR-CO-* (conditions and calculations) and BR-DEC-* (decimals).

The calculations compare the amounts as written with the official arithmetic: sums of the
given amounts only, rounded with `round(x * 10 * 10) div 100` (half towards +infinity), exact
equality where the Schematron has it and the +/- 1 tolerance where it has that (BR-CO-17).
A missing operand makes the comparison false, so the rule fires, as in XPath.

Not implemented, because the official asserts can never fail:
BR-CO-05 ... BR-CO-08 (test `true()`: whether a reason code and a reason text mean the same
cannot be checked by machine) and BR-DEC-13 / BR-DEC-15 (their predicate looks for
cbc:DocumentCurrencyCode inside cbc:TaxAmount, which selects nothing; UBL-DT-01 is the rule
that catches a third decimal on BT-110 / BT-111).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from gateway.model.invoice import (
    BillingDocument,
    BuyerTaxScheme,
    DocumentTotals,
    SellerTaxScheme,
    TaxRepresentativeTaxScheme,
    VatBreakdown,
)
from gateway.validation.rules._helpers import (
    NO_VIOLATIONS,
    ZERO,
    breakdowns,
    document,
    document_allowances,
    effective_currency,
    expected_vat,
    is_vat_scheme,
    line_allowance_charges,
    money,
    too_many_decimals,
    within_one,
    xpath_round,
    xpath_round2,
)
from gateway.validation.rules.registry import Path, RuleContext, Violation, rule

Ctx = RuleContext[Any]
Found = Iterable[Violation]
PartyTaxScheme = SellerTaxScheme | BuyerTaxScheme | TaxRepresentativeTaxScheme

# BR-CO-09: `contains(' 1A AD AE ... ZW ', substring(cbc:CompanyID, 1, 2))` - ISO 3166-1 alpha-2
# plus EL (Greece), XI (Northern Ireland) and 1A (Kosovo), exactly as the official list.
VAT_PREFIXES = (
    " 1A AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO "
    "BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH EL ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP "
    "KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS "
    "MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS "
    "PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC "
    "TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XI "
    "YE YT ZA ZM ZW "
)


def _mismatch(path: Path, message: str, expected: Decimal | None,
              found: Decimal | None) -> tuple[Violation]:
    if expected is None or found is None:
        return (Violation(path),)
    return (Violation(path, f"{message} Expected {money(expected)}, found {money(found)}."),)


def _sum(values: Iterable[Decimal | None]) -> Decimal:
    return sum((v for v in values if v is not None), ZERO)


# --- conditions ---------------------------------------------------------------------------


@rule("BR-CO-03", "Value added tax point date (BT-7) and Value added tax point date code (BT-8) "
      "are mutually exclusive.", bt="BT-7")
def tax_point_date_exclusive(ctx: Ctx) -> Found:
    doc = document(ctx)
    period = doc.invoice_period
    if doc.tax_point_date is None or period is None or period.description_code is None:
        return NO_VIOLATIONS
    return (Violation(("tax_point_date",)),)


@rule("BR-CO-04", "Each Invoice line (BG-25) shall be categorized with an Invoiced item VAT "
      "category code (BT-151).", bt="BT-151")
def line_vat_category(ctx: Ctx) -> Found:
    return [
        Violation(("lines", index, "item", "vat_category_code"))
        for index, line in enumerate(document(ctx).lines)
        if line.item is None
        or line.item.vat_category_code is None
        or not is_vat_scheme(line.item.tax_scheme_id)
    ]


@rule(
    "BR-CO-09",
    "The Seller VAT identifier (BT-31), the Seller tax representative VAT identifier (BT-63) "
    "and the Buyer VAT identifier (BT-48) shall have a prefix in accordance with ISO code ISO "
    "3166-1 alpha-2 by which the country of issue may be identified. Nevertheless, Greece may "
    "use the prefix 'EL'.",
    bt="BT-31",
)
def vat_identifier_prefix(ctx: Ctx) -> Found:
    """Every PartyTaxScheme with scheme VAT: seller (BT-31), buyer (BT-48), tax representative
    (BT-63). A missing or one-letter identifier passes, as `contains(..., '')` does."""
    found = []
    for key, schemes in _party_tax_schemes(document(ctx)):
        for index, scheme in enumerate(schemes):
            if is_vat_scheme(scheme.tax_scheme_id) and \
                    (scheme.company_id or "")[:2] not in VAT_PREFIXES:
                found.append(Violation((key, "tax_schemes", index, "company_id")))
    return found


def _party_tax_schemes(doc: BillingDocument) -> Iterator[tuple[str, Sequence[PartyTaxScheme]]]:
    if doc.seller is not None:
        yield "seller", doc.seller.tax_schemes
    if doc.buyer is not None:
        yield "buyer", doc.buyer.tax_schemes
    if doc.tax_representative is not None:
        yield "tax_representative", doc.tax_representative.tax_schemes


@rule("BR-CO-18", "An Invoice shall at least have one VAT breakdown group (BG-23).", bt="BG-23")
def vat_breakdown_present(ctx: Ctx) -> Found:
    if any(total.vat_breakdown for total in document(ctx).tax_totals):
        return NO_VIOLATIONS
    return (Violation(("tax_totals",)),)


@rule("BR-CO-19", "If Invoicing period (BG-14) is used, the Invoicing period start date (BT-73) "
      "or the Invoicing period end date (BT-74) shall be filled, or both.", bt="BG-14")
def invoicing_period_filled(ctx: Ctx) -> Found:
    """The official test also accepts a period with only the VAT point date code (BT-8)."""
    period = document(ctx).invoice_period
    if period is None or period.start_date is not None or period.end_date is not None \
            or period.description_code is not None:
        return NO_VIOLATIONS
    return (Violation(("invoice_period", "start_date")),)


@rule("BR-CO-20", "If Invoice line period (BG-26) is used, the Invoice line period start date "
      "(BT-134) or the Invoice line period end date (BT-135) shall be filled, or both.",
      bt="BG-26")
def line_period_filled(ctx: Ctx) -> Found:
    return [
        Violation(("lines", index, "period", "start_date"))
        for index, line in enumerate(document(ctx).lines)
        if line.period is not None
        and line.period.start_date is None
        and line.period.end_date is None
    ]


def _document_reasons(ctx: Ctx, charge: bool) -> Found:
    return [
        Violation(("allowance_charges", index, "reason"))
        for index, item in document_allowances(document(ctx), charge)
        if item.reason is None and item.reason_code is None
    ]


def _line_reasons(ctx: Ctx, charge: bool) -> Found:
    return [
        Violation(("lines", index, "allowance_charges", ac_index, "reason"))
        for index, line in enumerate(document(ctx).lines)
        for ac_index, item in enumerate(line.allowance_charges)
        if item.charge_indicator is charge and item.reason is None and item.reason_code is None
    ]


@rule("BR-CO-21", "Each Document level allowance (BG-20) shall contain a Document level "
      "allowance reason (BT-97) or a Document level allowance reason code (BT-98), or both.",
      bt="BT-97")
def document_allowance_reason(ctx: Ctx) -> Found:
    return _document_reasons(ctx, charge=False)


@rule("BR-CO-22", "Each Document level charge (BG-21) shall contain a Document level charge "
      "reason (BT-104) or a Document level charge reason code (BT-105), or both.", bt="BT-104")
def document_charge_reason(ctx: Ctx) -> Found:
    return _document_reasons(ctx, charge=True)


@rule("BR-CO-23", "Each Invoice line allowance (BG-27) shall contain an Invoice line allowance "
      "reason (BT-139) or an Invoice line allowance reason code (BT-140), or both.", bt="BT-139")
def line_allowance_reason(ctx: Ctx) -> Found:
    return _line_reasons(ctx, charge=False)


@rule("BR-CO-24", "Each Invoice line charge (BG-28) shall contain an Invoice line charge reason "
      "(BT-144) or an Invoice line charge reason code (BT-145), or both.", bt="BT-144")
def line_charge_reason(ctx: Ctx) -> Found:
    return _line_reasons(ctx, charge=True)


@rule(
    "BR-CO-26",
    "In order for the buyer to automatically identify a supplier, the Seller identifier "
    "(BT-29), the Seller legal registration identifier (BT-30) and/or the Seller VAT "
    "identifier (BT-31) shall be present.",
    bt="BT-29",
)
def seller_identified(ctx: Ctx) -> Found:
    """A seller identifier with scheme SEPA is the bank creditor reference (BT-90): not BT-29."""
    seller = document(ctx).seller
    if seller is None:
        return NO_VIOLATIONS
    if seller.legal_registration_id is not None:
        return NO_VIOLATIONS
    if any(s.company_id is not None and is_vat_scheme(s.tax_scheme_id)
           for s in seller.tax_schemes):
        return NO_VIOLATIONS
    if any(i.id is not None and i.scheme_id != "SEPA" for i in seller.identifiers):
        return NO_VIOLATIONS
    return (Violation(("seller", "identifiers")),)


# --- document totals (context cac:LegalMonetaryTotal) -------------------------------------


def _totals(ctx: Ctx) -> DocumentTotals | None:
    return document(ctx).totals


@rule("BR-CO-10", "Sum of Invoice line net amount (BT-106) = Σ Invoice line net amount "
      "(BT-131).", bt="BT-106")
def line_total_matches(ctx: Ctx) -> Found:
    doc = document(ctx)
    totals = doc.totals
    if totals is None:
        return NO_VIOLATIONS
    expected = xpath_round2(_sum(line.line_extension_amount for line in doc.lines))
    given = totals.line_extension_amount
    if given is not None and given == expected:
        return NO_VIOLATIONS
    return _mismatch(("totals", "line_extension_amount"), "BT-106 differs from the sum of the "
                     "line net amounts.", expected, given)


def _document_sum_rule(ctx: Ctx, charge: bool, field: str) -> Found:
    doc = document(ctx)
    totals = doc.totals
    if totals is None:
        return NO_VIOLATIONS
    items = [item for _, item in document_allowances(doc, charge)]
    given: Decimal | None = getattr(totals, field)
    if given is None and not items:
        return NO_VIOLATIONS
    expected = xpath_round2(_sum(item.amount for item in items))
    if given is not None and given == expected:
        return NO_VIOLATIONS
    what = "charges" if charge else "allowances"
    return _mismatch(("totals", field), f"The total differs from the sum of the document "
                     f"level {what}.", expected, given)


@rule("BR-CO-11", "Sum of allowances on document level (BT-107) = Σ Document level allowance "
      "amount (BT-92).", bt="BT-107")
def allowance_total_matches(ctx: Ctx) -> Found:
    return _document_sum_rule(ctx, charge=False, field="allowance_total_amount")


@rule("BR-CO-12", "Sum of charges on document level (BT-108) = Σ Document level charge amount "
      "(BT-99).", bt="BT-108")
def charge_total_matches(ctx: Ctx) -> Found:
    return _document_sum_rule(ctx, charge=True, field="charge_total_amount")


def _expected_tax_exclusive(totals: DocumentTotals) -> Decimal | None:
    lines = totals.line_extension_amount
    charges = totals.charge_total_amount
    allowances = totals.allowance_total_amount
    if lines is None:
        return None
    if charges is None and allowances is None:
        return lines
    return xpath_round2(lines + (charges or ZERO) - (allowances or ZERO))


@rule("BR-CO-13", "Invoice total amount without VAT (BT-109) = Σ Invoice line net amount "
      "(BT-131) - Sum of allowances on document level (BT-107) + Sum of charges on document "
      "level (BT-108).", bt="BT-109")
def tax_exclusive_matches(ctx: Ctx) -> Found:
    totals = _totals(ctx)
    if totals is None:
        return NO_VIOLATIONS
    expected = _expected_tax_exclusive(totals)
    given = totals.tax_exclusive_amount
    if expected is not None and given is not None and given == expected:
        return NO_VIOLATIONS
    return _mismatch(("totals", "tax_exclusive_amount"), "BT-109 is not BT-106 - BT-107 + "
                     "BT-108.", expected, given)


@rule("BR-CO-15", "Invoice total amount with VAT (BT-112) = Invoice total amount without VAT "
      "(BT-109) + Invoice total VAT amount (BT-110).", bt="BT-112")
def tax_inclusive_matches(ctx: Ctx) -> Found:
    """BT-110 is the one cac:TaxTotal/cbc:TaxAmount in the document currency; none or two of
    them fail the rule, as does a missing BT-109 or BT-112."""
    doc = document(ctx)
    if doc.currency_code is None:
        return NO_VIOLATIONS
    vat_totals = [
        total.tax_amount for total in doc.tax_totals
        if total.tax_amount is not None
        and effective_currency(doc, total.tax_amount_currency) == doc.currency_code
    ]
    totals = doc.totals
    exclusive = totals.tax_exclusive_amount if totals is not None else None
    given = totals.tax_inclusive_amount if totals is not None else None
    if len(vat_totals) != 1:
        return (Violation(("tax_totals",)),)
    vat = vat_totals[0]
    expected = xpath_round2(exclusive + vat) if exclusive is not None and vat is not None else None
    if expected is not None and given is not None and given == expected:
        return NO_VIOLATIONS
    return _mismatch(("totals", "tax_inclusive_amount"), "BT-112 is not BT-109 + BT-110.",
                     expected, given)


def _expected_payable(totals: DocumentTotals) -> tuple[Decimal | None, Decimal | None]:
    """(left, right) of the BR-CO-16 equation for the paid / rounding amounts present."""
    payable = totals.payable_amount
    inclusive = totals.tax_inclusive_amount
    prepaid = totals.prepaid_amount
    rounding = totals.payable_rounding_amount
    if payable is None or inclusive is None:
        return None, None
    right = inclusive if prepaid is None else xpath_round2(inclusive - prepaid)
    if rounding is None:
        return payable, right
    return xpath_round2(payable - rounding), right


@rule("BR-CO-16", "Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112) - "
      "Paid amount (BT-113) + Rounding amount (BT-114).", bt="BT-115")
def payable_matches(ctx: Ctx) -> Found:
    totals = _totals(ctx)
    if totals is None:
        return NO_VIOLATIONS
    left, right = _expected_payable(totals)
    if left is not None and right is not None and left == right:
        return NO_VIOLATIONS
    return _mismatch(("totals", "payable_amount"), "BT-115 is not BT-112 - BT-113 + BT-114.",
                     right, left)


# --- VAT totals and breakdown (contexts cac:TaxTotal and cac:TaxTotal/cac:TaxSubtotal) ------


@rule("BR-CO-14", "Invoice total VAT amount (BT-110) = Σ VAT category tax amount (BT-117).",
      bt="BT-110")
def vat_total_matches(ctx: Ctx) -> Found:
    found: list[Violation] = []
    for index, total in enumerate(document(ctx).tax_totals):
        if not total.vat_breakdown:
            continue
        expected = xpath_round2(_sum(b.tax_amount for b in total.vat_breakdown))
        if total.tax_amount is None or total.tax_amount != expected:
            found.extend(_mismatch(("tax_totals", index, "tax_amount"), "BT-110 differs from "
                                   "the sum of the VAT breakdown.", expected, total.tax_amount))
    return found


def _category_vat_ok(breakdown: VatBreakdown) -> bool:
    """BR-CO-17 as written: a rate rounding to 0 needs a tax amount rounding to 0; another rate
    a tax amount within 1 of taxable x rate; no rate (or no VAT scheme) a tax amount of ~0."""
    tax = breakdown.tax_amount
    if tax is None:
        return False
    rate = breakdown.vat_rate if is_vat_scheme(breakdown.tax_scheme_id) else None
    if rate is None or xpath_round(rate) == 0:
        return xpath_round(tax) == 0
    taxable = breakdown.taxable_amount
    return taxable is not None and within_one(abs(tax), expected_vat(taxable, rate))


@rule("BR-CO-17", "VAT category tax amount (BT-117) = VAT category taxable amount (BT-116) x "
      "(VAT category rate (BT-119) / 100), rounded to two decimals.", bt="BT-117")
def category_vat_matches(ctx: Ctx) -> Found:
    found: list[Violation] = []
    for path, breakdown in breakdowns(document(ctx)):
        if _category_vat_ok(breakdown):
            continue
        taxable, rate = breakdown.taxable_amount, breakdown.vat_rate
        expected = expected_vat(taxable, rate) if taxable is not None and rate is not None \
            else None
        found.extend(_mismatch((*path, "tax_amount"), "BT-117 is not BT-116 x BT-119 / 100 "
                               "(within 1).", expected, breakdown.tax_amount))
    return found


# --- decimals (BR-DEC-*) ------------------------------------------------------------------


def _decimals_of_allowances(ctx: Ctx, charge: bool, field: str) -> Found:
    return [
        Violation(("allowance_charges", index, field))
        for index, item in document_allowances(document(ctx), charge)
        if too_many_decimals(getattr(item, field))
    ]


def _decimals_of_line_allowances(ctx: Ctx, charge: bool, field: str) -> Found:
    return [
        Violation(("lines", index, "allowance_charges", ac_index, field))
        for index, ac_index, item in line_allowance_charges(ctx)
        if item.charge_indicator is charge and too_many_decimals(getattr(item, field))
    ]


def _decimals_of_total(ctx: Ctx, field: str) -> Found:
    totals = _totals(ctx)
    if totals is None or not too_many_decimals(getattr(totals, field)):
        return NO_VIOLATIONS
    return (Violation(("totals", field)),)


def _decimals_of_breakdowns(doc: BillingDocument, field: str) -> Found:
    return [
        Violation((*path, field))
        for path, breakdown in breakdowns(doc)
        if too_many_decimals(getattr(breakdown, field))
    ]


_DEC = "The allowed maximum number of decimals for the {} is 2."


@rule("BR-DEC-01", _DEC.format("Document level allowance amount (BT-92)"), bt="BT-92")
def dec_allowance_amount(ctx: Ctx) -> Found:
    return _decimals_of_allowances(ctx, False, "amount")


@rule("BR-DEC-02", _DEC.format("Document level allowance base amount (BT-93)"), bt="BT-93")
def dec_allowance_base(ctx: Ctx) -> Found:
    return _decimals_of_allowances(ctx, False, "base_amount")


@rule("BR-DEC-05", _DEC.format("Document level charge amount (BT-99)"), bt="BT-99")
def dec_charge_amount(ctx: Ctx) -> Found:
    return _decimals_of_allowances(ctx, True, "amount")


@rule("BR-DEC-06", _DEC.format("Document level charge base amount (BT-100)"), bt="BT-100")
def dec_charge_base(ctx: Ctx) -> Found:
    return _decimals_of_allowances(ctx, True, "base_amount")


@rule("BR-DEC-09", _DEC.format("Sum of Invoice line net amount (BT-106)"), bt="BT-106")
def dec_line_total(ctx: Ctx) -> Found:
    return _decimals_of_total(ctx, "line_extension_amount")


@rule("BR-DEC-10", _DEC.format("Sum of allowances on document level (BT-107)"), bt="BT-107")
def dec_allowance_total(ctx: Ctx) -> Found:
    return _decimals_of_total(ctx, "allowance_total_amount")


@rule("BR-DEC-11", _DEC.format("Sum of charges on document level (BT-108)"), bt="BT-108")
def dec_charge_total(ctx: Ctx) -> Found:
    return _decimals_of_total(ctx, "charge_total_amount")


@rule("BR-DEC-12", _DEC.format("Invoice total amount without VAT (BT-109)"), bt="BT-109")
def dec_tax_exclusive(ctx: Ctx) -> Found:
    return _decimals_of_total(ctx, "tax_exclusive_amount")


@rule("BR-DEC-14", _DEC.format("Invoice total amount with VAT (BT-112)"), bt="BT-112")
def dec_tax_inclusive(ctx: Ctx) -> Found:
    return _decimals_of_total(ctx, "tax_inclusive_amount")


@rule("BR-DEC-16", _DEC.format("Paid amount (BT-113)"), bt="BT-113")
def dec_prepaid(ctx: Ctx) -> Found:
    return _decimals_of_total(ctx, "prepaid_amount")


@rule("BR-DEC-17", _DEC.format("Rounding amount (BT-114)"), bt="BT-114")
def dec_rounding(ctx: Ctx) -> Found:
    return _decimals_of_total(ctx, "payable_rounding_amount")


@rule("BR-DEC-18", _DEC.format("Amount due for payment (BT-115)"), bt="BT-115")
def dec_payable(ctx: Ctx) -> Found:
    return _decimals_of_total(ctx, "payable_amount")


@rule("BR-DEC-19", _DEC.format("VAT category taxable amount (BT-116)"), bt="BT-116")
def dec_taxable(ctx: Ctx) -> Found:
    return _decimals_of_breakdowns(document(ctx), "taxable_amount")


@rule("BR-DEC-20", _DEC.format("VAT category tax amount (BT-117)"), bt="BT-117")
def dec_category_tax(ctx: Ctx) -> Found:
    return _decimals_of_breakdowns(document(ctx), "tax_amount")


@rule("BR-DEC-23", _DEC.format("Invoice line net amount (BT-131)"), bt="BT-131")
def dec_line_net(ctx: Ctx) -> Found:
    return [
        Violation(("lines", index, "line_extension_amount"))
        for index, line in enumerate(document(ctx).lines)
        if too_many_decimals(line.line_extension_amount)
    ]


@rule("BR-DEC-24", _DEC.format("Invoice line allowance amount (BT-136)"), bt="BT-136")
def dec_line_allowance(ctx: Ctx) -> Found:
    return _decimals_of_line_allowances(ctx, False, "amount")


@rule("BR-DEC-25", _DEC.format("Invoice line allowance base amount (BT-137)"), bt="BT-137")
def dec_line_allowance_base(ctx: Ctx) -> Found:
    return _decimals_of_line_allowances(ctx, False, "base_amount")


@rule("BR-DEC-27", _DEC.format("Invoice line charge amount (BT-141)"), bt="BT-141")
def dec_line_charge(ctx: Ctx) -> Found:
    return _decimals_of_line_allowances(ctx, True, "amount")


@rule("BR-DEC-28", _DEC.format("Invoice line charge base amount (BT-142)"), bt="BT-142")
def dec_line_charge_base(ctx: Ctx) -> Found:
    return _decimals_of_line_allowances(ctx, True, "base_amount")
