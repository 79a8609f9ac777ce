"""EN 16931 code-list rules BR-CL-* (CEN-EN16931-UBL.sch 1.3.16, rule set CEN).

Lists are those embedded in the CEN Schematron (gateway.codelists `cen-*`). Unless noted,
a rule compares `normalize-space()` of the value with the list, as the Schematron's
`contains(' A B C ', concat(' ', normalize-space(.), ' '))` does; BR-CL-24 (mime code)
compares exactly and BR-CL-22 upper-cases first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from gateway import codelists
from gateway.validation.rules._peppol_helpers import normalize_space
from gateway.validation.rules._peppol_walk import (
    KIND_COMPANY_ID,
    KIND_ENDPOINT,
    allowance_charges_in,
    amounts_to_check,
    effective_currency,
    identifiers,
    is_credit_note,
)
from gateway.validation.rules.registry import Path, RuleContext, Violation, rule

_INVOICE_TYPES = codelists.codes("cen-invoice-type-codes")
_CREDIT_NOTE_TYPES = codelists.codes("cen-credit-note-type-codes")
_CURRENCIES = codelists.codes("cen-currency-codes")
_PERIOD_CODES = codelists.codes("cen-invoice-period-description-codes")
_REFERENCE_QUALIFIERS = codelists.codes("cen-reference-qualifiers")
_TEXT_SUBJECTS_SPACED = codelists.get("cen-text-subject-codes").spaced
_ICD = codelists.codes("cen-icd-schemes")
_ICD_SELLER_PAYEE = _ICD | codelists.codes("cen-seller-payee-identifier-schemes")
_ITEM_CLASSIFICATIONS = codelists.codes("cen-item-classification-schemes")
_COUNTRIES = codelists.codes("cen-country-codes")
_PAYMENT_MEANS = codelists.codes("cen-payment-means-codes")
_VAT_CATEGORIES = codelists.codes("cen-vat-category-codes")
_ALLOWANCE_REASONS = codelists.codes("cen-allowance-reason-codes")
_CHARGE_REASONS = codelists.codes("cen-charge-reason-codes")
_EXEMPTION_REASONS = codelists.codes("cen-vat-exemption-reason-codes")
_UNITS = codelists.codes("cen-unit-codes")
_MIME_CODES = codelists.codes("cen-mime-codes")
_EAS = codelists.codes("cen-eas-schemes")

Found = Iterable[tuple[Path, str | None]]


def _listed(value: str | None, allowed: frozenset[str]) -> bool:
    """`normalize-space(value)` is a code of the list (a listed value needs no normalising)."""
    return value in allowed or normalize_space(value) in allowed


def _all_listed(values: set[str | None], allowed: frozenset[str]) -> bool:
    """Every distinct value is absent or listed: the line level rules below test this first,
    on a set built in one tight loop, and only walk the lines (with paths) when it fails."""
    return all(value is None or _listed(value, allowed) for value in values)


def _line_items(ctx: RuleContext[Any]) -> list[tuple[int, Any]]:
    """(line index, cac:Item) of every line with an item (cached per run)."""
    found: list[tuple[int, Any]] = ctx.memo("cen.line-items", lambda: [
        (index, line.item) for index, line in enumerate(ctx.model.lines)
        if line.item is not None
    ])
    return found


def _check(found: Found, allowed: frozenset[str], what: str) -> Iterator[Violation]:
    for path, value in found:
        if value is not None and not _listed(value, allowed):
            yield Violation(path, f"{what} {value!r} is not in the code list.")


@rule("BR-CL-01", "The document type code (BT-3) MUST be coded by the invoice and credit note "
      "related code lists of UNTDID 1001.", bt="BT-3")
def type_code(ctx: RuleContext[Any]) -> Iterator[Violation]:
    allowed = _CREDIT_NOTE_TYPES if is_credit_note(ctx.model) else _INVOICE_TYPES
    yield from _check([(("type_code",), ctx.model.type_code)], allowed, "Type code")


@rule("BR-CL-03", "currencyID MUST be coded using ISO code list 4217 alpha-3.")
def amount_currencies(ctx: RuleContext[Any]) -> Iterator[Violation]:
    doc = ctx.model
    for ref in amounts_to_check(ctx, _listed(doc.currency_code, _CURRENCIES)):
        currency = effective_currency(ref, doc)
        if not _listed(currency, _CURRENCIES):
            yield Violation(ref.pointer_path, f"currencyID {currency!r} is not an ISO 4217 code.")


@rule("BR-CL-04", "Invoice currency code (BT-5) MUST be coded using ISO code list 4217 "
      "alpha-3.", bt="BT-5")
def document_currency(ctx: RuleContext[Any]) -> Iterator[Violation]:
    yield from _check([(("currency_code",), ctx.model.currency_code)], _CURRENCIES,
                      "Invoice currency code")


@rule("BR-CL-05", "Tax currency code (BT-6) MUST be coded using ISO code list 4217 alpha-3.",
      bt="BT-6")
def tax_currency(ctx: RuleContext[Any]) -> Iterator[Violation]:
    yield from _check([(("tax_currency_code",), ctx.model.tax_currency_code)], _CURRENCIES,
                      "Tax currency code")


@rule("BR-CL-06", "Value added tax point date code (BT-8) MUST be coded using a restriction of "
      "UNTDID 2005.", bt="BT-8")
def period_description(ctx: RuleContext[Any]) -> Iterator[Violation]:
    period = ctx.model.invoice_period
    code = period.description_code if period is not None else None
    yield from _check([(("invoice_period", "description_code"), code)], _PERIOD_CODES,
                      "VAT point date code")


def _object_identifier_schemes(doc: Any) -> Iterator[tuple[Path, str | None]]:
    for index, document in enumerate(doc.additional_documents):
        if document.type_code == "130":
            yield ("additional_documents", index, "id_scheme_id"), document.id_scheme_id
    for index, line in enumerate(doc.lines):
        ref = line.object_identifier
        # A line object identifier without type code is written with the implied code 130.
        if ref is not None and ref.type_code in (None, "130"):
            yield ("lines", index, "object_identifier", "scheme_id"), ref.scheme_id


@rule("BR-CL-07", "Object identifier identification scheme identifier (BT-18-1, BT-128-1) MUST "
      "be coded using a restriction of UNTDID 1153.", bt="BT-18-1")
def object_identifier_scheme(ctx: RuleContext[Any]) -> Iterator[Violation]:
    yield from _check(_object_identifier_schemes(ctx.model), _REFERENCE_QUALIFIERS,
                      "Object identifier scheme")


def _note_subject(note: str) -> str:
    """`substring-before(substring-after(., '#'), '#')`."""
    after = note.partition("#")[2]
    before, found, _ = after.partition("#")
    return before if found else ""


@rule("BR-CL-08", "Invoiced note subject code (BT-21) MUST be coded using UNCL4451.",
      bt="BT-21")
def note_subject(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for index, note in enumerate(ctx.model.notes):
        subject = _note_subject(note)
        # contains() on the spaced list string, exactly as the Schematron tests it.
        if "#" in note and len(subject) == 3 and subject not in _TEXT_SUBJECTS_SPACED:
            yield Violation(("notes", index), f"Note subject code {subject!r} is not in "
                            "UNTDID 4451.")


def _scheme_refs(ctx: RuleContext[Any], kind: str) -> Iterator[tuple[Path, str | None]]:
    for ref in identifiers(ctx):
        if ref.kind == kind:
            yield ref.scheme_path, ref.scheme


@rule("BR-CL-10", "Any identifier identification scheme identifier MUST be coded using one of "
      "the ISO 6523 ICD list.", bt="BT-29-1")
def party_identifier_scheme(ctx: RuleContext[Any]) -> Iterator[Violation]:
    # Seller and payee identifiers may also be SEPA creditor identifiers (BT-90).
    for role in ("seller", "payee"):
        yield from _check(_party_schemes(ctx.model, role), _ICD_SELLER_PAYEE, "Identifier scheme")
    yield from _check(_party_schemes(ctx.model, "buyer"), _ICD, "Identifier scheme")


def _party_schemes(doc: Any, role: str) -> Iterator[tuple[Path, str | None]]:
    party = getattr(doc, role)
    if party is None:
        return
    for index, ident in enumerate(party.identifiers):
        yield (role, "identifiers", index, "scheme_id"), ident.scheme_id


@rule("BR-CL-11", "Any registration identifier identification scheme identifier MUST be coded "
      "using one of the ISO 6523 ICD list.", bt="BT-30-1")
def legal_identifier_scheme(ctx: RuleContext[Any]) -> Iterator[Violation]:
    yield from _check(_scheme_refs(ctx, KIND_COMPANY_ID), _ICD, "Registration identifier scheme")


def _classification_lists(doc: Any) -> Iterator[tuple[Path, str | None]]:
    for index, line in enumerate(doc.lines):
        if line.item is None:
            continue
        for class_index, classification in enumerate(line.item.classifications):
            yield ("lines", index, "item", "classifications", class_index, "list_id"), (
                classification.list_id)


@rule("BR-CL-13", "Item classification identifier identification scheme identifier (BT-158-1) "
      "MUST be coded using one of the UNTDID 7143 list.", bt="BT-158-1")
def item_classification_scheme(ctx: RuleContext[Any]) -> Iterator[Violation]:
    schemes = {c.list_id for _, item in _line_items(ctx) for c in item.classifications}
    if _all_listed(schemes, _ITEM_CLASSIFICATIONS):
        return
    yield from _check(_classification_lists(ctx.model), _ITEM_CLASSIFICATIONS,
                      "Item classification scheme")


def _countries(doc: Any) -> Iterator[tuple[Path, str | None]]:
    for role in ("seller", "buyer", "tax_representative", "delivery"):
        party = getattr(doc, role)
        address = party.address if party is not None else None
        if address is not None:
            yield (role, "address", "country_code"), address.country_code


@rule("BR-CL-14", "Country codes in an invoice MUST be coded using ISO code list 3166-1.",
      bt="BT-40")
def country_codes(ctx: RuleContext[Any]) -> Iterator[Violation]:
    yield from _check(_countries(ctx.model), _COUNTRIES, "Country code")


@rule("BR-CL-15", "Country codes in an invoice MUST be coded using ISO code list 3166-1.",
      bt="BT-159")
def origin_country(ctx: RuleContext[Any]) -> Iterator[Violation]:
    items = _line_items(ctx)
    if _all_listed({item.origin_country for _, item in items}, _COUNTRIES):
        return
    found = ((("lines", index, "item", "origin_country"), item.origin_country)
             for index, item in items)
    yield from _check(found, _COUNTRIES, "Country of origin")


@rule("BR-CL-16", "Payment means in an invoice MUST be coded using UNCL4461 code list.",
      bt="BT-81")
def payment_means_code(ctx: RuleContext[Any]) -> Iterator[Violation]:
    found = ((("payment_means", index, "code"), means.code)
             for index, means in enumerate(ctx.model.payment_means))
    yield from _check(found, _PAYMENT_MEANS, "Payment means code")


def _tax_category_codes(doc: Any) -> Iterator[tuple[Path, str | None]]:
    for index, charge in enumerate(doc.allowance_charges):
        yield ("allowance_charges", index, "vat_category_code"), charge.vat_category_code
    for index, total in enumerate(doc.tax_totals):
        for sub_index, subtotal in enumerate(total.vat_breakdown):
            yield ("tax_totals", index, "vat_breakdown", sub_index, "vat_category_code"), (
                subtotal.vat_category_code)


@rule("BR-CL-17", "Invoice tax categories MUST be coded using UNCL5305 code list.",
      bt="BT-118")
def tax_category(ctx: RuleContext[Any]) -> Iterator[Violation]:
    yield from _check(_tax_category_codes(ctx.model), _VAT_CATEGORIES, "VAT category code")


@rule("BR-CL-18", "Invoice tax categories MUST be coded using UNCL5305 code list.",
      bt="BT-151")
def item_tax_category(ctx: RuleContext[Any]) -> Iterator[Violation]:
    items = _line_items(ctx)
    if _all_listed({item.vat_category_code for _, item in items}, _VAT_CATEGORIES):
        return
    found = ((("lines", index, "item", "vat_category_code"), item.vat_category_code)
             for index, item in items)
    yield from _check(found, _VAT_CATEGORIES, "Item VAT category code")


def _reason_codes(ctx: RuleContext[Any], charge: bool) -> Iterator[tuple[Path, str | None]]:
    for path, item in allowance_charges_in(ctx):
        if item.charge_indicator is charge:
            yield (*path, "reason_code"), item.reason_code


@rule("BR-CL-19", "Coded allowance reasons MUST belong to the UNCL 5189 code list.",
      bt="BT-98")
def allowance_reason(ctx: RuleContext[Any]) -> Iterator[Violation]:
    yield from _check(_reason_codes(ctx, False), _ALLOWANCE_REASONS,
                      "Allowance reason code")


@rule("BR-CL-20", "Coded charge reasons MUST belong to the UNCL 7161 code list.", bt="BT-105")
def charge_reason(ctx: RuleContext[Any]) -> Iterator[Violation]:
    yield from _check(_reason_codes(ctx, True), _CHARGE_REASONS, "Charge reason code")


@rule("BR-CL-21", "Item standard identifier scheme identifier (BT-157-1) MUST belong to the "
      "ISO 6523 ICD code list.", bt="BT-157-1")
def standard_item_scheme(ctx: RuleContext[Any]) -> Iterator[Violation]:
    items = _line_items(ctx)
    if _all_listed({item.standard_item_id_scheme_id for _, item in items}, _ICD):
        return
    found = ((("lines", index, "item", "standard_item_id_scheme_id"),
              item.standard_item_id_scheme_id) for index, item in items)
    yield from _check(found, _ICD, "Standard item identifier scheme")


@rule("BR-CL-22", "Tax exemption reason code identifier scheme identifier (BT-121) MUST belong "
      "to the CEF VATEX code list.", bt="BT-121")
def exemption_reason(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for index, total in enumerate(ctx.model.tax_totals):
        for sub_index, subtotal in enumerate(total.vat_breakdown):
            code = subtotal.exemption_reason_code
            if code is not None and normalize_space(code.upper()) not in _EXEMPTION_REASONS:
                yield Violation(
                    ("tax_totals", index, "vat_breakdown", sub_index, "exemption_reason_code"),
                    f"VAT exemption reason code {code!r} is not in the VATEX code list.")


def _unit_codes(doc: Any) -> Iterator[tuple[Path, str | None]]:
    for index, line in enumerate(doc.lines):
        yield ("lines", index, "unit_code"), line.unit_code
        if line.price is not None:
            yield ("lines", index, "price", "base_quantity_unit_code"), (
                line.price.base_quantity_unit_code)


@rule("BR-CL-23", "Unit code MUST be coded according to the UN/ECE Recommendation 20 with Rec "
      "21 extension.", bt="BT-130")
def unit_code(ctx: RuleContext[Any]) -> Iterator[Violation]:
    lines = ctx.model.lines
    units = {line.unit_code for line in lines}
    units.update(line.price.base_quantity_unit_code for line in lines if line.price is not None)
    if _all_listed(units, _UNITS):
        return
    yield from _check(_unit_codes(ctx.model), _UNITS, "Unit code")


@rule("BR-CL-24", "For Mime code in attribute use MIMEMediaType.", bt="BT-125-1")
def mime_code(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for index, document in enumerate(ctx.model.additional_documents):
        code = document.attachment_mime_code
        if code is not None and code not in _MIME_CODES:
            yield Violation(("additional_documents", index, "attachment_mime_code"),
                            f"Mime code {code!r} is not allowed.")


@rule("BR-CL-25", "Endpoint identifier scheme identifier MUST belong to the CEF EAS code list.",
      bt="BT-34-1")
def endpoint_scheme(ctx: RuleContext[Any]) -> Iterator[Violation]:
    yield from _check(_scheme_refs(ctx, KIND_ENDPOINT), _EAS, "Electronic address scheme")


@rule("BR-CL-26", "Delivery location identifier scheme identifier (BT-71-1) MUST belong to the "
      "ISO 6523 ICD code list.", bt="BT-71-1")
def delivery_location_scheme(ctx: RuleContext[Any]) -> Iterator[Violation]:
    delivery = ctx.model.delivery
    scheme = delivery.location_id_scheme_id if delivery is not None else None
    yield from _check([(("delivery", "location_id_scheme_id"), scheme)], _ICD,
                      "Delivery location identifier scheme")
