"""Peppol BIS Billing 3.0 transaction rules PEPPOL-EN16931-R* (PEPPOL-EN16931-UBL.sch 3.0.21).

Each function mirrors one assert of the official Schematron, including its XPath details
(`normalize-space`, which element must exist, which rule of a pattern claims a node first).
The table is registered for rule set PEPPOL here and for PEPPOL-SB by peppol_selfbilling.

Not expressible on the canonical model (see tests/interop/test_rules_differential_peppol.py):
PEPPOL-EN16931-R100 (two cac:DocumentReference on a line: the model holds one object
identifier, and the XML reader reports the second as GW-MAPPING-REPEATED).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from gateway.validation.rules._peppol_flavour import BILLING, Flavour, RuleTable, profile_of
from gateway.validation.rules._peppol_helpers import normalize_space, slack
from gateway.validation.rules._peppol_walk import (
    ROLE_SUBTOTAL_TAX,
    ROLE_TAX_TOTAL_ACCOUNTING,
    allowance_charges_in,
    amounts_to_check,
    both_german,
    document_shape,
    effective_currency,
    empty_elements,
    is_credit_note,
)
from gateway.validation.rules.registry import RuleContext, Violation

TABLE = RuleTable()
rule = TABLE.rule

_CENT = Decimal("0.02")
_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)


# --- document level ----------------------------------------------------------------------


@rule("PEPPOL-EN16931-R001", "Business process (cbc:ProfileID, BT-23) MUST be provided.",
      bt="BT-23")
def profile_present(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    if ctx.model.profile_id is None:
        yield Violation(("profile_id",))


@rule("PEPPOL-EN16931-R007", "Business process (BT-23) MUST have an approved identifier.",
      bt="BT-23")
def profile_known(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    if profile_of(ctx.model.profile_id, flavour) == "Unknown":
        yield Violation(("profile_id",), f"Business process (BT-23) {ctx.model.profile_id!r} "
                        f"is not an approved identifier for {flavour.title}.")


@rule("PEPPOL-EN16931-R002", "No more than one note (BT-22) is allowed on document level, "
      "unless both the buyer and seller are German organizations.", bt="BT-22")
def one_note(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    if len(ctx.model.notes) > 1 and not both_german(ctx):
        yield Violation(("notes", 1))


@rule("PEPPOL-EN16931-R003", "A buyer reference (BT-10) or purchase order reference (BT-13) "
      "MUST be provided.", bt="BT-10")
def buyer_or_order_reference(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    doc = ctx.model
    if doc.buyer_reference is None and doc.purchase_order_reference is None:
        yield Violation(("buyer_reference",))


@rule("PEPPOL-EN16931-R004", "Specification identifier (BT-24) MUST begin with the value of the "
      "specification and follow the format rules for the identifier.", bt="BT-24")
def customization_id(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    value = normalize_space(ctx.model.customization_id)
    if not value.startswith(flavour.customization_prefix) or "::" in value:
        yield Violation(("customization_id",), f"Specification identifier (BT-24) must begin "
                        f"with {flavour.customization_prefix!r} and contain no '::'.")


@rule("PEPPOL-EN16931-R005", "VAT accounting currency code (BT-6) MUST be different from "
      "invoice currency code (BT-5) when provided.", bt="BT-6")
def tax_currency_differs(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    doc = ctx.model
    if doc.tax_currency_code is not None and (
        normalize_space(doc.tax_currency_code) == normalize_space(doc.currency_code)
    ):
        yield Violation(("tax_currency_code",))


@rule("PEPPOL-EN16931-R053", "Only one tax total with tax subtotals MUST be provided.",
      bt="BT-110")
def one_tax_total_with_breakdown(ctx: RuleContext[Any], flavour: Flavour
                                 ) -> Iterator[Violation]:
    if sum(1 for total in ctx.model.tax_totals if total.vat_breakdown) != 1:
        yield Violation(("tax_totals",))


@rule("PEPPOL-EN16931-R054", "Only one tax total without tax subtotals MUST be provided when "
      "tax currency code is provided.", bt="BT-111")
def accounting_tax_total(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    doc = ctx.model
    without = sum(1 for total in doc.tax_totals if not total.vat_breakdown)
    if without != (1 if doc.tax_currency_code is not None else 0):
        yield Violation(("tax_totals",))


def _tax_amounts_in(doc: Any, currency: str) -> list[Decimal]:
    found = []
    for total in doc.tax_totals:
        written = total.tax_amount_currency if total.tax_amount_currency is not None else (
            doc.currency_code)
        if total.tax_amount is not None and written == currency:
            found.append(total.tax_amount)
    return found


@rule("PEPPOL-EN16931-R055", "Invoice total VAT amount (BT-110) and Invoice total VAT amount "
      "in accounting currency (BT-111) MUST have the same operational sign.", bt="BT-111")
def tax_totals_same_sign(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    doc = ctx.model
    if doc.tax_currency_code is None:
        return
    # General comparisons over sequences: true when any member satisfies them.
    accounting = _tax_amounts_in(doc, normalize_space(doc.tax_currency_code))
    document = _tax_amounts_in(doc, normalize_space(doc.currency_code))
    negative = any(a <= 0 for a in accounting) and any(d <= 0 for d in document)
    positive = any(a >= 0 for a in accounting) and any(d >= 0 for d in document)
    if not (negative or positive):
        yield Violation(("tax_totals",))


@rule("PEPPOL-EN16931-R080", "Only one project reference (BT-11) is allowed on document level.",
      bt="BT-11")
def one_project_reference(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    if not is_credit_note(ctx.model):
        return
    projects = [i for i, d in enumerate(ctx.model.additional_documents) if d.type_code == "50"]
    if len(projects) > 1:
        yield Violation(("additional_documents", projects[1], "type_code"))


@rule("PEPPOL-EN16931-R008", "Document MUST not contain empty elements.")
def no_empty_elements(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    for path in empty_elements(ctx.model, document_shape(ctx.doc_type)):
        yield Violation(path)


# --- parties ------------------------------------------------------------------------------


@rule("PEPPOL-EN16931-R010", "Buyer electronic address (BT-49) MUST be provided.", bt="BT-49")
def buyer_endpoint(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    buyer = ctx.model.buyer
    if buyer is not None and buyer.endpoint_id is None:
        yield Violation(("buyer", "endpoint_id"))


@rule("PEPPOL-EN16931-R020", "Seller electronic address (BT-34) MUST be provided.", bt="BT-34")
def seller_endpoint(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    seller = ctx.model.seller
    if seller is not None and seller.endpoint_id is None:
        yield Violation(("seller", "endpoint_id"))


# --- allowances and charges (document and line level) ---------------------------------------


def _has_base(charge: Any) -> bool:
    return charge.base_amount is not None or charge.base_amount_currency is not None


def _classify(charge: Any) -> str:
    """Which rule of the pattern claims the cac:AllowanceCharge first (R041, R042, else R040)."""
    has_factor = charge.multiplier_factor is not None
    if has_factor and not _has_base(charge):
        return "R041"
    if not has_factor and _has_base(charge):
        return "R042"
    return "R040"


@rule("PEPPOL-EN16931-R041", "Allowance/charge base amount MUST be provided when allowance/"
      "charge percentage is provided.", bt="BT-93")
def base_with_percentage(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    for path, charge in allowance_charges_in(ctx):
        if _classify(charge) == "R041":
            yield Violation((*path, "base_amount"))


@rule("PEPPOL-EN16931-R042", "Allowance/charge percentage MUST be provided when allowance/"
      "charge base amount is provided.", bt="BT-94")
def percentage_with_base(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    for path, charge in allowance_charges_in(ctx):
        if _classify(charge) == "R042":
            yield Violation((*path, "multiplier_factor"))


@rule("PEPPOL-EN16931-R040", "Allowance/charge amount must equal base amount * percentage/100 "
      "if base amount and percentage exists.", bt="BT-92")
def amount_from_percentage(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    for path, charge in allowance_charges_in(ctx):
        factor, base = charge.multiplier_factor, charge.base_amount
        if _classify(charge) != "R040" or factor is None or base is None:
            continue
        amount = charge.amount if charge.amount is not None else Decimal(0)
        if not slack(amount, base * factor / _HUNDRED, _CENT):
            yield Violation((*path, "amount"))


@rule("PEPPOL-EN16931-R043", "Allowance/charge ChargeIndicator value MUST equal 'true' or "
      "'false'.")
def charge_indicator(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    for path, charge in allowance_charges_in(ctx):
        if _classify(charge) == "R040" and charge.charge_indicator is None:
            yield Violation((*path, "charge_indicator"))


# --- payment and currency -------------------------------------------------------------------


@rule("PEPPOL-EN16931-R061", "Mandate reference (BT-89) MUST be provided for direct debit.",
      bt="BT-89")
def mandate_for_direct_debit(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    for index, means in enumerate(ctx.model.payment_means):
        if normalize_space(means.code) in ("49", "59") and (
            means.mandate is None or means.mandate.id is None
        ):
            yield Violation(("payment_means", index, "mandate", "id"))


@rule("PEPPOL-EN16931-R051", "All currencyID attributes must have the same value as the invoice "
      "currency code (BT-5), except for the invoice total VAT amount in accounting currency "
      "(BT-111).", bt="BT-5")
def amounts_in_document_currency(ctx: RuleContext[Any], flavour: Flavour
                                 ) -> Iterator[Violation]:
    doc = ctx.model
    # An amount without @currencyID of its own carries BT-5: it passes when BT-5 is there.
    for ref in amounts_to_check(ctx, doc.currency_code is not None):
        if ref.role == ROLE_TAX_TOTAL_ACCOUNTING:
            continue
        if ref.role == ROLE_SUBTOTAL_TAX and not flavour.r051_checks_subtotal_tax:
            continue
        if doc.currency_code is None or effective_currency(ref, doc) != doc.currency_code:
            yield Violation(ref.pointer_path)


# --- lines -------------------------------------------------------------------------------


@rule("PEPPOL-EN16931-R110", "Start date of line period (BT-134) MUST be within invoice "
      "period.", bt="BT-134")
def line_period_start(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    period = ctx.model.invoice_period
    start = period.start_date if period is not None else None
    if start is None:
        return
    for index, line in enumerate(ctx.model.lines):
        if line.period is not None and line.period.start_date is not None and (
            line.period.start_date < start
        ):
            yield Violation(("lines", index, "period", "start_date"))


@rule("PEPPOL-EN16931-R111", "End date of line period (BT-135) MUST be within invoice period.",
      bt="BT-135")
def line_period_end(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    period = ctx.model.invoice_period
    end = period.end_date if period is not None else None
    if end is None:
        return
    for index, line in enumerate(ctx.model.lines):
        if line.period is not None and line.period.end_date is not None and (
            line.period.end_date > end
        ):
            yield Violation(("lines", index, "period", "end_date"))


def _xpath_round_cents(total: Decimal) -> Decimal:
    """`round(x * 10 * 10) div 100`: XPath round() takes ties towards positive infinity."""
    return (total * _HUNDRED + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR) / _HUNDRED


def _line_charges(charges: list[Any], indicator: bool) -> Decimal:
    chosen = [c for c in charges if c.charge_indicator is indicator]
    if not chosen:
        return _ZERO
    return _xpath_round_cents(sum((c.amount for c in chosen if c.amount is not None), _ZERO))


def _expected_line_amount(line: Any) -> Decimal:
    price = line.price
    quantity = line.quantity if line.quantity is not None else _ONE
    net = price.amount if price is not None and price.amount is not None else _ZERO
    base = price.base_quantity if price is not None else None
    if base is None or base == 0:
        base = _ONE
    expected = quantity * (net / base)
    charges = line.allowance_charges
    if not charges:  # most lines; adding the zero sums keeps the exponent of the message
        return expected + _ZERO - _ZERO
    return expected + _line_charges(charges, True) - _line_charges(charges, False)


@rule("PEPPOL-EN16931-R120", "Invoice line net amount (BT-131) MUST equal (Invoiced quantity * "
      "(Item net price/item price base quantity) + Sum of invoice line charge amount - sum of "
      "invoice line allowance amount.", bt="BT-131")
def line_net_amount(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    for index, line in enumerate(ctx.model.lines):
        written = line.line_extension_amount
        actual = written if written is not None else Decimal(0)
        expected = _expected_line_amount(line)
        if not slack(actual, expected, _CENT):
            yield Violation(("lines", index, "line_extension_amount"),
                            f"Invoice line net amount (BT-131) is {actual}; quantity x net "
                            f"price / base quantity + charges - allowances is {expected}.")


@rule("PEPPOL-EN16931-R121", "Base quantity (BT-149) MUST be a positive number above zero.",
      bt="BT-149")
def positive_base_quantity(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    for index, line in enumerate(ctx.model.lines):
        price = line.price
        if price is not None and price.base_quantity is not None and price.base_quantity <= 0:
            yield Violation(("lines", index, "price", "base_quantity"))


@rule("PEPPOL-EN16931-R101", "Element Document reference can only be used for Invoice line "
      "object (document type code 130).", bt="BT-128")
def line_object_type(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    for index, line in enumerate(ctx.model.lines):
        ref = line.object_identifier
        if ref is not None and ref.type_code is not None and ref.type_code != "130":
            yield Violation(("lines", index, "object_identifier", "type_code"))


@rule("PEPPOL-EN16931-R044", "Charge on price level is NOT allowed. Only value 'false' allowed.",
      bt="BT-147")
def no_price_charge(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    for index, line in enumerate(ctx.model.lines):
        discount = line.price.discount if line.price is not None else None
        if discount is not None and discount.charge_indicator is True:
            yield Violation(("lines", index, "price", "discount", "charge_indicator"))


@rule("PEPPOL-EN16931-R046", "Item net price (BT-146) MUST equal (Gross price - Allowance "
      "amount) when gross price is provided.", bt="BT-146")
def net_price_from_gross(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    for index, line in enumerate(ctx.model.lines):
        price = line.price
        discount = price.discount if price is not None else None
        if discount is None or (discount.base_amount is None
                                and discount.base_amount_currency is None):
            continue
        gross, reduction, net = discount.base_amount, discount.amount, price.amount
        if gross is None or reduction is None or net is None or net != gross - reduction:
            yield Violation(("lines", index, "price", "amount"))


@rule("PEPPOL-EN16931-R130", "Unit code of price base quantity (BT-150) MUST be same as "
      "invoiced quantity (BT-130).", bt="BT-150")
def base_quantity_unit(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    for index, line in enumerate(ctx.model.lines):
        price = line.price
        unit = price.base_quantity_unit_code if price is not None else None
        if unit is None:
            continue
        has_quantity = line.quantity is not None or line.unit_code is not None
        if has_quantity and unit != line.unit_code:
            yield Violation(("lines", index, "price", "base_quantity_unit_code"))


TABLE.register(BILLING)
