"""EN 16931 core rules BR-01 ... BR-65: mandatory business terms and their conditions.

Each rule mirrors the assert of the same id in the official CEN-EN16931-UBL Schematron, context
included: a rule about an optional group (BR-09 on the seller postal address, BR-18 on the tax
representative, BR-12 on the document totals) only applies when the group is there, as the
Schematron rule context only matches when the element exists. "Present" follows the assert:
`normalize-space(x) != ''` is `has_text`, `exists(x)` is "not None".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gateway.findings import Severity
from gateway.validation.rules._helpers import (
    NO_VIOLATIONS,
    breakdowns,
    document,
    document_allowances,
    effective_currency,
    has_text,
    is_vat_scheme,
    line_allowance_charges,
    normalize_space,
)
from gateway.validation.rules.registry import RuleContext, Violation, rule

Ctx = RuleContext[Any]
Found = Iterable[Violation]


def _missing_text(value: str | None, *path: str | int) -> Found:
    return NO_VIOLATIONS if has_text(value) else (Violation(path),)


# --- document level (context /ubl:Invoice | /cn:CreditNote) ---------------------------------


@rule("BR-01", "An Invoice shall have a Specification identifier (BT-24).", bt="BT-24")
def specification_identifier(ctx: Ctx) -> Found:
    return _missing_text(document(ctx).customization_id, "customization_id")


@rule("BR-02", "An Invoice shall have an Invoice number (BT-1).", bt="BT-1")
def invoice_number(ctx: Ctx) -> Found:
    return _missing_text(document(ctx).id, "id")


@rule("BR-03", "An Invoice shall have an Invoice issue date (BT-2).", bt="BT-2")
def issue_date(ctx: Ctx) -> Found:
    return NO_VIOLATIONS if document(ctx).issue_date is not None else (Violation(("issue_date",)),)


@rule("BR-04", "An Invoice shall have an Invoice type code (BT-3).", bt="BT-3")
def type_code(ctx: Ctx) -> Found:
    return _missing_text(document(ctx).type_code, "type_code")


@rule("BR-05", "An Invoice shall have an Invoice currency code (BT-5).", bt="BT-5")
def currency_code(ctx: Ctx) -> Found:
    return _missing_text(document(ctx).currency_code, "currency_code")


@rule("BR-06", "An Invoice shall contain the Seller name (BT-27).", bt="BT-27")
def seller_name(ctx: Ctx) -> Found:
    seller = document(ctx).seller
    return _missing_text(seller.name if seller else None, "seller", "name")


@rule("BR-07", "An Invoice shall contain the Buyer name (BT-44).", bt="BT-44")
def buyer_name(ctx: Ctx) -> Found:
    buyer = document(ctx).buyer
    return _missing_text(buyer.name if buyer else None, "buyer", "name")


@rule("BR-08", "An Invoice shall contain the Seller postal address (BG-5).", bt="BG-5")
def seller_address(ctx: Ctx) -> Found:
    seller = document(ctx).seller
    if seller is not None and seller.address is not None:
        return NO_VIOLATIONS
    return (Violation(("seller", "address")),)


@rule("BR-10", "An Invoice shall contain the Buyer postal address (BG-8).", bt="BG-8")
def buyer_address(ctx: Ctx) -> Found:
    buyer = document(ctx).buyer
    if buyer is not None and buyer.address is not None:
        return NO_VIOLATIONS
    return (Violation(("buyer", "address")),)


@rule("BR-16", "An Invoice shall have at least one Invoice line (BG-25).", bt="BG-25")
def at_least_one_line(ctx: Ctx) -> Found:
    return NO_VIOLATIONS if document(ctx).lines else (Violation(("lines",)),)


@rule(
    "BR-53",
    "If the VAT accounting currency code (BT-6) is present, then the Invoice total VAT amount "
    "in accounting currency (BT-111) shall be provided.",
    bt="BT-111",
)
def vat_total_in_accounting_currency(ctx: Ctx) -> Found:
    doc = document(ctx)
    wanted = doc.tax_currency_code
    if wanted is None:
        return NO_VIOLATIONS
    for total in doc.tax_totals:
        written = total.tax_amount is not None or total.tax_amount_currency is not None
        if written and effective_currency(doc, total.tax_amount_currency) == wanted:
            return NO_VIOLATIONS
    return (Violation(("tax_totals",)),)


# --- parties ------------------------------------------------------------------------------


@rule("BR-09", "The Seller postal address (BG-5) shall contain a Seller country code (BT-40).",
      bt="BT-40")
def seller_country(ctx: Ctx) -> Found:
    seller = document(ctx).seller
    if seller is None or seller.address is None:
        return NO_VIOLATIONS
    return _missing_text(seller.address.country_code, "seller", "address", "country_code")


@rule("BR-11", "The Buyer postal address shall contain a Buyer country code (BT-55).",
      bt="BT-55")
def buyer_country(ctx: Ctx) -> Found:
    buyer = document(ctx).buyer
    if buyer is None or buyer.address is None:
        return NO_VIOLATIONS
    return _missing_text(buyer.address.country_code, "buyer", "address", "country_code")


@rule("BR-62", "The Seller electronic address (BT-34) shall have a Scheme identifier.",
      bt="BT-34-1")
def seller_endpoint_scheme(ctx: Ctx) -> Found:
    seller = document(ctx).seller
    if seller is None or seller.endpoint_id is None or seller.endpoint_scheme_id is not None:
        return NO_VIOLATIONS
    return (Violation(("seller", "endpoint_scheme_id")),)


@rule("BR-63", "The Buyer electronic address (BT-49) shall have a Scheme identifier.",
      bt="BT-49-1")
def buyer_endpoint_scheme(ctx: Ctx) -> Found:
    buyer = document(ctx).buyer
    if buyer is None or buyer.endpoint_id is None or buyer.endpoint_scheme_id is not None:
        return NO_VIOLATIONS
    return (Violation(("buyer", "endpoint_scheme_id")),)


@rule(
    "BR-17",
    "The Payee name (BT-59) shall be provided in the Invoice, if the Payee (BG-10) is "
    "different from the Seller (BG-4).",
    bt="BT-59",
)
def payee_name(ctx: Ctx) -> Found:
    """The official test also fails when the payee repeats the seller's trading name (BT-28)
    or one of its identifiers (BT-29): a payee that is the seller is not given as a payee."""
    doc = document(ctx)
    payee = doc.payee
    if payee is None:
        return NO_VIOLATIONS
    seller = doc.seller
    seller_name = seller.trading_name if seller else None
    seller_ids = {i.id for i in seller.identifiers if i.id is not None} if seller else set()
    same_name = payee.name is not None and payee.name == seller_name
    same_id = any(i.id in seller_ids for i in payee.identifiers if i.id is not None)
    if payee.name is not None and not same_name and not same_id:
        return NO_VIOLATIONS
    return (Violation(("payee", "name")),)


@rule(
    "BR-18",
    "The Seller tax representative name (BT-62) shall be provided in the Invoice, if the Seller "
    "(BG-4) has a Seller tax representative party (BG-11).",
    bt="BT-62",
)
def tax_representative_name(ctx: Ctx) -> Found:
    representative = document(ctx).tax_representative
    if representative is None:
        return NO_VIOLATIONS
    return _missing_text(representative.name, "tax_representative", "name")


@rule(
    "BR-19",
    "The Seller tax representative postal address (BG-12) shall be provided in the Invoice, if "
    "the Seller (BG-4) has a Seller tax representative party (BG-11).",
    bt="BG-12",
)
def tax_representative_address(ctx: Ctx) -> Found:
    representative = document(ctx).tax_representative
    if representative is None or representative.address is not None:
        return NO_VIOLATIONS
    return (Violation(("tax_representative", "address")),)


@rule(
    "BR-20",
    "The Seller tax representative postal address (BG-12) shall contain a Tax representative "
    "country code (BT-69), if the Seller (BG-4) has a Seller tax representative party (BG-11).",
    bt="BT-69",
)
def tax_representative_country(ctx: Ctx) -> Found:
    representative = document(ctx).tax_representative
    if representative is None or representative.address is None:
        return NO_VIOLATIONS
    return _missing_text(representative.address.country_code,
                         "tax_representative", "address", "country_code")


@rule(
    "BR-56",
    "Each Seller tax representative party (BG-11) shall have a Seller tax representative VAT "
    "identifier (BT-63).",
    bt="BT-63",
)
def tax_representative_vat_id(ctx: Ctx) -> Found:
    representative = document(ctx).tax_representative
    if representative is None or any(
        s.company_id is not None and is_vat_scheme(s.tax_scheme_id)
        for s in representative.tax_schemes
    ):
        return NO_VIOLATIONS
    return (Violation(("tax_representative", "tax_schemes")),)


@rule(
    "BR-57",
    "Each Deliver to address (BG-15) shall contain a Deliver to country code (BT-80).",
    bt="BT-80",
)
def delivery_country(ctx: Ctx) -> Found:
    delivery = document(ctx).delivery
    if delivery is None or delivery.address is None or delivery.address.country_code is not None:
        return NO_VIOLATIONS
    return (Violation(("delivery", "address", "country_code")),)


# --- document totals (context cac:LegalMonetaryTotal) -------------------------------------


def _missing_total(ctx: Ctx, name: str) -> Found:
    totals = document(ctx).totals
    if totals is None or getattr(totals, name) is not None:
        return NO_VIOLATIONS
    return (Violation(("totals", name)),)


@rule("BR-12", "An Invoice shall have the Sum of Invoice line net amount (BT-106).",
      bt="BT-106")
def line_total(ctx: Ctx) -> Found:
    return _missing_total(ctx, "line_extension_amount")


@rule("BR-13", "An Invoice shall have the Invoice total amount without VAT (BT-109).",
      bt="BT-109")
def total_without_vat(ctx: Ctx) -> Found:
    return _missing_total(ctx, "tax_exclusive_amount")


@rule("BR-14", "An Invoice shall have the Invoice total amount with VAT (BT-112).",
      bt="BT-112")
def total_with_vat(ctx: Ctx) -> Found:
    return _missing_total(ctx, "tax_inclusive_amount")


@rule("BR-15", "An Invoice shall have the Amount due for payment (BT-115).", bt="BT-115")
def amount_due(ctx: Ctx) -> Found:
    return _missing_total(ctx, "payable_amount")


# --- invoicing period, references, payment --------------------------------------------------


@rule(
    "BR-29",
    "If both Invoicing period start date (BT-73) and Invoicing period end date (BT-74) are "
    "given then the Invoicing period end date (BT-74) shall be later or equal to the Invoicing "
    "period start date (BT-73).",
    bt="BT-74",
)
def invoicing_period_order(ctx: Ctx) -> Found:
    period = document(ctx).invoice_period
    if period is None or period.start_date is None or period.end_date is None:
        return NO_VIOLATIONS
    if period.end_date >= period.start_date:
        return NO_VIOLATIONS
    return (Violation(("invoice_period", "end_date")),)


@rule(
    "BR-52",
    "Each Additional supporting document (BG-24) shall contain a Supporting document reference "
    "(BT-122).",
    bt="BT-122",
)
def supporting_document_reference(ctx: Ctx) -> Found:
    return [
        Violation(("additional_documents", index, "id"))
        for index, reference in enumerate(document(ctx).additional_documents)
        if not has_text(reference.id)
    ]


@rule(
    "BR-55",
    "Each Preceding Invoice reference (BG-3) shall contain a Preceding Invoice reference "
    "(BT-25).",
    bt="BT-25",
)
def preceding_invoice_reference(ctx: Ctx) -> Found:
    return [
        Violation(("preceding_invoices", index, "id"))
        for index, reference in enumerate(document(ctx).preceding_invoices)
        if reference.id is None
    ]


@rule("BR-49", "A Payment instruction (BG-16) shall specify the Payment means type code (BT-81).",
      bt="BT-81")
def payment_means_code(ctx: Ctx) -> Found:
    return [
        Violation(("payment_means", index, "code"))
        for index, means in enumerate(document(ctx).payment_means)
        if means.code is None
    ]


@rule(
    "BR-50",
    "A Payment account identifier (BT-84) shall be present if Credit transfer (BG-17) "
    "information is provided in the Invoice.",
    bt="BT-84",
)
def credit_transfer_account(ctx: Ctx) -> Found:
    """Context `cac:PaymentMeans[cbc:PaymentMeansCode='30' or ...='58']/cac:PayeeFinancialAccount`
    (the code compared as written)."""
    return [
        Violation(("payment_means", index, "payee_account", "id"))
        for index, means in enumerate(document(ctx).payment_means)
        if means.code in ("30", "58")
        and means.payee_account is not None
        and not has_text(means.payee_account.id)
    ]


@rule(
    "BR-61",
    "If the Payment means type code (BT-81) means SEPA credit transfer, Local credit transfer "
    "or Non-SEPA international credit transfer, the Payment account identifier (BT-84) shall "
    "be present.",
    bt="BT-84",
)
def credit_transfer_account_present(ctx: Ctx) -> Found:
    return [
        Violation(("payment_means", index, "payee_account"))
        for index, means in enumerate(document(ctx).payment_means)
        if normalize_space(means.code) in ("30", "58")
        and (means.payee_account is None or means.payee_account.id is None)
    ]


@rule(
    "BR-51",
    "In accordance with card payments security standards an invoice should never include a "
    "full card primary account number (BT-87). At the moment PCI Security Standards Council "
    "has defined that the first 6 digits and last 4 digits are the maximum number of digits "
    "to be shown.",
    severity=Severity.WARNING,
    bt="BT-87",
)
def card_number_masked(ctx: Ctx) -> Found:
    return [
        Violation(("payment_means", index, "card", "primary_account_number"))
        for index, means in enumerate(document(ctx).payment_means)
        if means.card is not None
        and means.card.primary_account_number is not None
        and len(normalize_space(means.card.primary_account_number)) > 10
    ]


# --- document level allowances and charges --------------------------------------------------


def _allowance_charge_rule(ctx: Ctx, charge: bool, field: str) -> Found:
    found = []
    for index, item in document_allowances(document(ctx), charge):
        if field == "amount":
            ok = item.amount is not None
        elif field == "vat_category_code":
            ok = item.vat_category_code is not None and is_vat_scheme(item.tax_scheme_id)
        else:
            ok = item.reason is not None or item.reason_code is not None
        if not ok:
            found.append(Violation(("allowance_charges", index, field)))
    return found


@rule("BR-31", "Each Document level allowance (BG-20) shall have a Document level allowance "
      "amount (BT-92).", bt="BT-92")
def allowance_amount(ctx: Ctx) -> Found:
    return _allowance_charge_rule(ctx, False, "amount")


@rule("BR-32", "Each Document level allowance (BG-20) shall have a Document level allowance VAT "
      "category code (BT-95).", bt="BT-95")
def allowance_vat_category(ctx: Ctx) -> Found:
    return _allowance_charge_rule(ctx, False, "vat_category_code")


@rule("BR-33", "Each Document level allowance (BG-20) shall have a Document level allowance "
      "reason (BT-97) or a Document level allowance reason code (BT-98).", bt="BT-97")
def allowance_reason(ctx: Ctx) -> Found:
    return _allowance_charge_rule(ctx, False, "reason")


@rule("BR-36", "Each Document level charge (BG-21) shall have a Document level charge amount "
      "(BT-99).", bt="BT-99")
def charge_amount(ctx: Ctx) -> Found:
    return _allowance_charge_rule(ctx, True, "amount")


@rule("BR-37", "Each Document level charge (BG-21) shall have a Document level charge VAT "
      "category code (BT-102).", bt="BT-102")
def charge_vat_category(ctx: Ctx) -> Found:
    return _allowance_charge_rule(ctx, True, "vat_category_code")


@rule("BR-38", "Each Document level charge (BG-21) shall have a Document level charge reason "
      "(BT-104) or a Document level charge reason code (BT-105).", bt="BT-104")
def charge_reason(ctx: Ctx) -> Found:
    return _allowance_charge_rule(ctx, True, "reason")


# --- VAT breakdown (context cac:TaxTotal/cac:TaxSubtotal) ----------------------------------


@rule("BR-45", "Each VAT breakdown (BG-23) shall have a VAT category taxable amount (BT-116).",
      bt="BT-116")
def breakdown_taxable_amount(ctx: Ctx) -> Found:
    return [
        Violation((*path, "taxable_amount"))
        for path, breakdown in breakdowns(document(ctx))
        if breakdown.taxable_amount is None
    ]


@rule("BR-46", "Each VAT breakdown (BG-23) shall have a VAT category tax amount (BT-117).",
      bt="BT-117")
def breakdown_tax_amount(ctx: Ctx) -> Found:
    return [
        Violation((*path, "tax_amount"))
        for path, breakdown in breakdowns(document(ctx))
        if breakdown.tax_amount is None
    ]


@rule("BR-47", "Each VAT breakdown (BG-23) shall be defined through a VAT category code "
      "(BT-118).", bt="BT-118")
def breakdown_category(ctx: Ctx) -> Found:
    return [
        Violation((*path, "vat_category_code"))
        for path, breakdown in breakdowns(document(ctx))
        if breakdown.vat_category_code is None or not is_vat_scheme(breakdown.tax_scheme_id)
    ]


@rule("BR-48", "Each VAT breakdown (BG-23) shall have a VAT category rate (BT-119), except if "
      "the Invoice is not subject to VAT.", bt="BT-119")
def breakdown_rate(ctx: Ctx) -> Found:
    return [
        Violation((*path, "vat_rate"))
        for path, breakdown in breakdowns(document(ctx))
        if not is_vat_scheme(breakdown.tax_scheme_id)
        or (breakdown.vat_rate is None and normalize_space(breakdown.vat_category_code) != "O")
    ]


# --- lines (context cac:InvoiceLine | cac:CreditNoteLine) ----------------------------------


@rule("BR-21", "Each Invoice line (BG-25) shall have an Invoice line identifier (BT-126).",
      bt="BT-126")
def line_identifier(ctx: Ctx) -> Found:
    return [
        Violation(("lines", index, "id"))
        for index, line in enumerate(document(ctx).lines)
        if not has_text(line.id)
    ]


@rule("BR-22", "Each Invoice line (BG-25) shall have an Invoiced quantity (BT-129).",
      bt="BT-129")
def line_quantity(ctx: Ctx) -> Found:
    return [
        Violation(("lines", index, "quantity"))
        for index, line in enumerate(document(ctx).lines)
        if line.quantity is None
    ]


@rule("BR-23", "An Invoice line (BG-25) shall have an Invoiced quantity unit of measure code "
      "(BT-130).", bt="BT-130")
def line_unit(ctx: Ctx) -> Found:
    return [
        Violation(("lines", index, "unit_code"))
        for index, line in enumerate(document(ctx).lines)
        if line.unit_code is None
    ]


@rule("BR-24", "Each Invoice line (BG-25) shall have an Invoice line net amount (BT-131).",
      bt="BT-131")
def line_net_amount(ctx: Ctx) -> Found:
    return [
        Violation(("lines", index, "line_extension_amount"))
        for index, line in enumerate(document(ctx).lines)
        if line.line_extension_amount is None
    ]


@rule("BR-25", "Each Invoice line (BG-25) shall contain the Item name (BT-153).", bt="BT-153")
def item_name(ctx: Ctx) -> Found:
    return [
        Violation(("lines", index, "item", "name"))
        for index, line in enumerate(document(ctx).lines)
        if line.item is None or not has_text(line.item.name)
    ]


@rule("BR-26", "Each Invoice line (BG-25) shall contain the Item net price (BT-146).",
      bt="BT-146")
def item_net_price(ctx: Ctx) -> Found:
    return [
        Violation(("lines", index, "price", "amount"))
        for index, line in enumerate(document(ctx).lines)
        if line.price is None or line.price.amount is None
    ]


@rule("BR-27", "The Item net price (BT-146) shall NOT be negative.", bt="BT-146")
def item_net_price_not_negative(ctx: Ctx) -> Found:
    """`(cac:Price/cbc:PriceAmount) >= 0` is false, so fails, when the price is missing too."""
    return [
        Violation(("lines", index, "price", "amount"))
        for index, line in enumerate(document(ctx).lines)
        if line.price is None or line.price.amount is None or line.price.amount < 0
    ]


@rule("BR-28", "The Item gross price (BT-148) shall NOT be negative.", bt="BT-148")
def item_gross_price_not_negative(ctx: Ctx) -> Found:
    found = []
    for index, line in enumerate(document(ctx).lines):
        discount = line.price.discount if line.price is not None else None
        if discount is not None and discount.base_amount is not None and discount.base_amount < 0:
            found.append(Violation(("lines", index, "price", "discount", "base_amount")))
    return found


@rule(
    "BR-30",
    "If both Invoice line period start date (BT-134) and Invoice line period end date (BT-135) "
    "are given then the Invoice line period end date (BT-135) shall be later or equal to the "
    "Invoice line period start date (BT-134).",
    bt="BT-135",
)
def line_period_order(ctx: Ctx) -> Found:
    found = []
    for index, line in enumerate(document(ctx).lines):
        period = line.period
        if period is None or period.start_date is None or period.end_date is None:
            continue
        if period.end_date < period.start_date:
            found.append(Violation(("lines", index, "period", "end_date")))
    return found


def _line_allowance_rule(ctx: Ctx, charge: bool, field: str) -> Found:
    found = []
    for index, ac_index, item in line_allowance_charges(ctx):
        if item.charge_indicator is not charge:
            continue
        if field == "amount":
            ok = item.amount is not None
        else:
            ok = item.reason is not None or item.reason_code is not None
        if not ok:
            found.append(Violation(("lines", index, "allowance_charges", ac_index, field)))
    return found


@rule("BR-41", "Each Invoice line allowance (BG-27) shall have an Invoice line allowance amount "
      "(BT-136).", bt="BT-136")
def line_allowance_amount(ctx: Ctx) -> Found:
    return _line_allowance_rule(ctx, False, "amount")


@rule("BR-42", "Each Invoice line allowance (BG-27) shall have an Invoice line allowance reason "
      "(BT-139) or an Invoice line allowance reason code (BT-140).", bt="BT-139")
def line_allowance_reason(ctx: Ctx) -> Found:
    return _line_allowance_rule(ctx, False, "reason")


@rule("BR-43", "Each Invoice line charge (BG-28) shall have an Invoice line charge amount "
      "(BT-141).", bt="BT-141")
def line_charge_amount(ctx: Ctx) -> Found:
    return _line_allowance_rule(ctx, True, "amount")


@rule("BR-44", "Each Invoice line charge (BG-28) shall have an Invoice line charge reason "
      "(BT-144) or an Invoice line charge reason code (BT-145).", bt="BT-144")
def line_charge_reason(ctx: Ctx) -> Found:
    return _line_allowance_rule(ctx, True, "reason")


@rule("BR-54", "Each Item attribute (BG-32) shall contain an Item attribute name (BT-160) and an "
      "Item attribute value (BT-161).", bt="BG-32")
def item_attribute(ctx: Ctx) -> Found:
    found = []
    for index, line in enumerate(document(ctx).lines):
        if line.item is None:
            continue
        for p_index, prop in enumerate(line.item.properties):
            if prop.name is None or prop.value is None:
                missing = "name" if prop.name is None else "value"
                found.append(Violation(("lines", index, "item", "properties", p_index, missing)))
    return found


@rule("BR-64", "The Item standard identifier (BT-157) shall have a Scheme identifier.",
      bt="BT-157-1")
def standard_item_scheme(ctx: Ctx) -> Found:
    return [
        Violation(("lines", index, "item", "standard_item_id_scheme_id"))
        for index, line in enumerate(document(ctx).lines)
        if line.item is not None
        and line.item.standard_item_id is not None
        and line.item.standard_item_id_scheme_id is None
    ]


@rule("BR-65", "The Item classification identifier (BT-158) shall have a Scheme identifier.",
      bt="BT-158-1")
def classification_scheme(ctx: Ctx) -> Found:
    found = []
    for index, line in enumerate(document(ctx).lines):
        if line.item is None:
            continue
        for c_index, classification in enumerate(line.item.classifications):
            if classification.code is not None and classification.list_id is None:
                found.append(Violation(
                    ("lines", index, "item", "classifications", c_index, "list_id")
                ))
    return found
