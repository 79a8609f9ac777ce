"""Peppol BIS Billing 3.0 national rules of Norway, Italy, Iceland and the Netherlands.

From PEPPOL-EN16931-UBL.sch 3.0.21 (rule set PEPPOL only: the self-billing Schematron has no
national rules). Each country's rules apply when the Schematron's country variable says so:
NO and IT use `$supplierCountry` (VAT number prefix first), IS the seller's country code as
written, NL `upper-case(normalize-space())` of the address country codes. Denmark, Sweden,
Greece and Germany are in their own modules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from gateway.findings import Severity
from gateway.validation.rules._peppol_flavour import NationalRules
from gateway.validation.rules._peppol_helpers import no_orgnr_ok, normalize_space
from gateway.validation.rules._peppol_walk import (
    is_credit_note,
    is_vat_scheme,
    raw_country,
    supplier_country,
    vat_company_id,
)
from gateway.validation.rules.registry import RuleContext, Violation


def _country(ctx: RuleContext[Any]) -> str:
    result: str = ctx.memo("peppol.supplier-country", lambda: supplier_country(ctx.model))
    return result


def _norwegian_supplier(ctx: RuleContext[Any]) -> bool:
    return _country(ctx) == "NO"


def _italian_supplier(ctx: RuleContext[Any]) -> bool:
    return _country(ctx) == "IT"


def _icelandic(ctx: RuleContext[Any]) -> bool:
    return raw_country(ctx.model.seller) == "IS"


def _nl(party: Any) -> bool:
    address = getattr(party, "address", None) if party is not None else None
    return address is not None and normalize_space(address.country_code).upper() == "NL"


def _dutch_supplier(ctx: RuleContext[Any]) -> bool:
    return _nl(ctx.model.seller)


# Each country's rules test the supplier's country first: one guard per family.
norway_rule = NationalRules(_norwegian_supplier)
italy_rule = NationalRules(_italian_supplier)
iceland_rule = NationalRules(_icelandic)
netherlands_rule = NationalRules(_dutch_supplier)


# --- Norway -------------------------------------------------------------------------------

_NO_VAT = re.compile(r"[0-9]{9}MVA")


@norway_rule("NO-R-001", "For Norwegian suppliers, a VAT number MUST be the country code prefix NO "
      "followed by a valid Norwegian organization number (nine numbers) followed by the "
      "letters MVA.", bt="BT-31")
def norwegian_vat_number(ctx: RuleContext[Any]) -> Iterator[Violation]:
    seller = ctx.model.seller
    if seller is None or _country(ctx) != "NO":
        return
    vat = vat_company_id(seller, normalized=True)
    if vat is not None and vat[:2] == "NO" and not (
        _NO_VAT.fullmatch(vat[2:]) and no_orgnr_ok(vat[2:11])
    ):
        yield Violation(_seller_vat_path(seller))


def _seller_vat_path(seller: Any) -> tuple[str | int, ...]:
    for index, scheme in enumerate(seller.tax_schemes):
        if is_vat_scheme(scheme, normalized=True):
            return ("seller", "tax_schemes", index, "company_id")
    return ("seller", "tax_schemes")


@norway_rule("NO-R-002", "For Norwegian suppliers, most invoice issuers are required to append "
      "\"Foretaksregisteret\" to their invoice (tax scheme TAX).", severity=Severity.WARNING,
      bt="BT-32")
def norwegian_enterprise_register(ctx: RuleContext[Any]) -> Iterator[Violation]:
    seller = ctx.model.seller
    if seller is None or _country(ctx) != "NO":
        return
    registered = next((s.company_id for s in seller.tax_schemes
                       if normalize_space(s.tax_scheme_id) == "TAX"), None)
    if normalize_space(registered) != "Foretaksregisteret":
        yield Violation(("seller", "tax_schemes"))


# --- Italy --------------------------------------------------------------------------------

_IT_TAX_ID = re.compile(r"[A-Z0-9]{11,16}")


@italy_rule("IT-R-001", "BT-32 (Seller tax registration identifier) - For Italian suppliers BT-32 "
      "minimum length 11 and maximum length shall be 16.", bt="BT-32")
def italian_tax_registration(ctx: RuleContext[Any]) -> Iterator[Violation]:
    seller = ctx.model.seller
    if seller is None or _country(ctx) != "IT":
        return
    for index, scheme in enumerate(seller.tax_schemes):
        if not is_vat_scheme(scheme, normalized=True) and not _IT_TAX_ID.fullmatch(
            normalize_space(scheme.company_id)
        ):
            yield Violation(("seller", "tax_schemes", index, "company_id"))


def _italian_address_rule(field: str) -> Any:
    def check(ctx: RuleContext[Any]) -> Iterator[Violation]:
        seller = ctx.model.seller
        if seller is None or _country(ctx) != "IT":
            return
        if seller.address is None or getattr(seller.address, field) is None:
            yield Violation(("seller", "address", field))

    check.__name__ = f"italian_{field}"
    return check


for _id, _field, _bt, _what in (
    ("IT-R-002", "street_name", "BT-35", "postal address line 1"),
    ("IT-R-003", "city_name", "BT-37", "postal address city"),
    ("IT-R-004", "postal_zone", "BT-38", "postal address post code"),
):
    italy_rule(_id, f"{_bt} - Italian suppliers MUST provide the {_what}.", bt=_bt)(
        _italian_address_rule(_field))


# --- Iceland ------------------------------------------------------------------------------

_EINDAGI = "EINDAGI"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@iceland_rule("IS-R-001", "If seller is icelandic then invoice type should be 380 or 381.",
      severity=Severity.WARNING, bt="BT-3")
def icelandic_type_code(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if _icelandic(ctx) and normalize_space(ctx.model.type_code) not in ("380", "381"):
        yield Violation(("type_code",))


def _legal_id_is_kennitala(party: Any) -> bool:
    return party is not None and party.legal_registration_id is not None and (
        party.legal_registration_id_scheme_id == "0196")


@iceland_rule("IS-R-002", "If seller is icelandic then it shall contain sellers legal id (BT-30, "
      "scheme 0196).", bt="BT-30")
def icelandic_seller_legal_id(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if _icelandic(ctx) and not _legal_id_is_kennitala(ctx.model.seller):
        yield Violation(("seller", "legal_registration_id"))


def _street_and_zip(party: Any) -> bool:
    address = party.address if party is not None else None
    return address is not None and address.street_name is not None and (
        address.postal_zone is not None)


@iceland_rule(
    "IS-R-003", "If seller is icelandic then it shall contain his address with street name "
    "and zip code (BT-35, BT-38).", bt="BT-35")
def icelandic_seller_address(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if _icelandic(ctx) and not _street_and_zip(ctx.model.seller):
        yield Violation(("seller", "address"))


def _both_icelandic(ctx: RuleContext[Any]) -> bool:
    return _icelandic(ctx) and raw_country(ctx.model.buyer) == "IS"


@iceland_rule(
    "IS-R-004", "If seller and buyer are icelandic then the invoice shall contain the buyers "
    "icelandic legal identifier (BT-47, scheme 0196).", bt="BT-47")
def icelandic_buyer_legal_id(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if _both_icelandic(ctx) and not _legal_id_is_kennitala(ctx.model.buyer):
        yield Violation(("buyer", "legal_registration_id"))


@iceland_rule(
    "IS-R-005", "If seller and buyer are icelandic then the invoice shall contain the buyers "
    "address with street name and zip code (BT-50, BT-53).", bt="BT-50")
def icelandic_buyer_address(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if _both_icelandic(ctx) and not _street_and_zip(ctx.model.buyer):
        yield Violation(("buyer", "address"))


def _account_rule(code: str) -> Any:
    def check(ctx: RuleContext[Any]) -> Iterator[Violation]:
        if not _icelandic(ctx):
            return
        means = [(i, m) for i, m in enumerate(ctx.model.payment_means) if m.code == code]
        if not means:
            return
        accounts = [m.payee_account.id for _, m in means
                    if m.payee_account is not None and m.payee_account.id is not None]
        if not accounts or len(normalize_space(accounts[0])) != 12:
            yield Violation(("payment_means", means[0][0], "payee_account", "id"))

    check.__name__ = f"icelandic_account_{code}"
    return check


iceland_rule(
    "IS-R-006", "If seller is icelandic and payment means code is 9 then a 12 digit account id "
    "must exist (BT-84).", bt="BT-84")(_account_rule("9"))
iceland_rule(
    "IS-R-007", "If seller is icelandic and payment means code is 42 then a 12 digit account "
    "id must exist (BT-84).", bt="BT-84")(_account_rule("42"))


def _eindagi(doc: Any) -> list[tuple[int, Any]]:
    return [(i, d) for i, d in enumerate(doc.additional_documents) if d.description == _EINDAGI]


@iceland_rule(
    "IS-R-008", "If seller is icelandic and invoice contains supporting description EINDAGI "
    "then the id form must be YYYY-MM-DD.", bt="BT-122")
def icelandic_eindagi_format(ctx: RuleContext[Any]) -> Iterator[Violation]:
    found = _eindagi(ctx.model) if _icelandic(ctx) else []
    if found and not _is_date(found[0][1].id):
        yield Violation(("additional_documents", found[0][0], "id"))


def _is_date(value: str | None) -> bool:
    if value is None or not _ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@iceland_rule(
    "IS-R-009", "If seller is icelandic and invoice contains supporting description EINDAGI "
    "invoice must have due date (BT-9).", bt="BT-9")
def icelandic_eindagi_due_date(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if _icelandic(ctx) and _eindagi(ctx.model) and getattr(ctx.model, "due_date", None) is None:
        yield Violation(("due_date",))


@iceland_rule(
    "IS-R-010", "If seller is icelandic and invoice contains supporting description EINDAGI "
    "the id date must be same or later than due date (BT-9).", bt="BT-9")
def icelandic_eindagi_after_due(ctx: RuleContext[Any]) -> Iterator[Violation]:
    found = _eindagi(ctx.model) if _icelandic(ctx) else []
    if not found:
        return
    due = getattr(ctx.model, "due_date", None)
    # Both are untyped text in the rule, so they compare as strings.
    if due is None or not any(d.id is not None and due.isoformat() <= d.id for _, d in found):
        yield Violation(("additional_documents", found[0][0], "id"))


# --- the Netherlands ----------------------------------------------------------------------


def _complete_address(address: Any) -> bool:
    return all(getattr(address, f) is not None for f in ("street_name", "city_name",
                                                          "postal_zone"))


@netherlands_rule(
    "NL-R-001", "For suppliers in the Netherlands, if the document is a creditnote, the "
    "document MUST contain an invoice reference (BT-25).", bt="BT-25")
def dutch_credit_note_reference(ctx: RuleContext[Any]) -> Iterator[Violation]:
    doc = ctx.model
    if is_credit_note(doc) and doc.type_code is not None and _nl(doc.seller) and not any(
        p.id is not None for p in doc.preceding_invoices
    ):
        yield Violation(("preceding_invoices",))


@netherlands_rule(
    "NL-R-002", "For suppliers in the Netherlands the supplier's address MUST contain street "
    "name, city and post code.", bt="BG-5")
def dutch_seller_address(ctx: RuleContext[Any]) -> Iterator[Violation]:
    seller = ctx.model.seller
    if _nl(seller) and not _complete_address(seller.address):
        yield Violation(("seller", "address"))


def _kvk_or_oin(party: Any, role: str) -> Iterator[Violation]:
    if party.legal_registration_id is None and party.legal_registration_id_scheme_id is None:
        return
    scheme = f" {party.legal_registration_id_scheme_id or ''} "
    if not (" 0106 " in scheme or " 0190 " in scheme) or not normalize_space(
        party.legal_registration_id
    ):
        yield Violation((role, "legal_registration_id_scheme_id"))


@netherlands_rule(
    "NL-R-003", "For suppliers in the Netherlands, the legal entity identifier MUST be either "
    "a KVK or OIN number (schemeID 0106 or 0190).", bt="BT-30")
def dutch_seller_legal_id(ctx: RuleContext[Any]) -> Iterator[Violation]:
    seller = ctx.model.seller
    if _nl(seller):
        yield from _kvk_or_oin(seller, "seller")


@netherlands_rule(
    "NL-R-004", "For suppliers in the Netherlands, if the customer is in the Netherlands, the "
    "customer address MUST contain the street name, the city and post code.", bt="BG-8")
def dutch_buyer_address(ctx: RuleContext[Any]) -> Iterator[Violation]:
    doc = ctx.model
    if _nl(doc.seller) and _nl(doc.buyer) and not _complete_address(doc.buyer.address):
        yield Violation(("buyer", "address"))


@netherlands_rule(
    "NL-R-005", "For suppliers in the Netherlands, if the customer is in the Netherlands, the "
    "customer's legal entity identifier MUST be either a KVK or OIN number (schemeID 0106 or "
    "0190).", bt="BT-47")
def dutch_buyer_legal_id(ctx: RuleContext[Any]) -> Iterator[Violation]:
    doc = ctx.model
    if _nl(doc.seller) and doc.buyer is not None and _nl(doc.buyer):
        yield from _kvk_or_oin(doc.buyer, "buyer")


@netherlands_rule(
    "NL-R-006", "For suppliers in the Netherlands, if the fiscal representative is in the "
    "Netherlands, the representative's address MUST contain street name, city and post "
    "code.", bt="BG-12")
def dutch_tax_representative_address(ctx: RuleContext[Any]) -> Iterator[Violation]:
    doc = ctx.model
    if _nl(doc.seller) and _nl(doc.tax_representative) and not _complete_address(
        doc.tax_representative.address
    ):
        yield Violation(("tax_representative", "address"))


@netherlands_rule(
    "NL-R-007", "For suppliers in the Netherlands, the supplier MUST provide a means of "
    "payment (BG-16) if the payment is from customer to supplier.", bt="BG-16")
def dutch_payment_means(ctx: RuleContext[Any]) -> Iterator[Violation]:
    doc = ctx.model
    if doc.totals is None or not _nl(doc.seller) or doc.payment_means:
        return
    payable = doc.totals.payable_amount
    credit = is_credit_note(doc)
    if payable is None or (payable > 0 if not credit else payable < 0):
        yield Violation(("payment_means",))


@netherlands_rule(
    "NL-R-008", "For suppliers in the Netherlands, if the customer is in the Netherlands, the "
    "payment means code MUST be one of 30, 48, 49, 57, 58 or 59.", bt="BT-81")
def dutch_payment_means_code(ctx: RuleContext[Any]) -> Iterator[Violation]:
    doc = ctx.model
    if not (_nl(doc.seller) and _nl(doc.buyer)):
        return
    for index, means in enumerate(doc.payment_means):
        if normalize_space(means.code) not in ("30", "48", "49", "57", "58", "59"):
            yield Violation(("payment_means", index, "code"))


@netherlands_rule(
    "NL-R-009", "For suppliers in the Netherlands, if an order line reference is used, there "
    "must be an order reference on the document level (BT-13).", bt="BT-13")
def dutch_order_reference(ctx: RuleContext[Any]) -> Iterator[Violation]:
    doc = ctx.model
    if not _nl(doc.seller) or doc.purchase_order_reference is not None:
        return
    for index, line in enumerate(doc.lines):
        if line.order_line_reference is not None:
            yield Violation(("lines", index, "order_line_reference"))

