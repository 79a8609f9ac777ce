"""Peppol BIS Billing 3.0 national rules of Germany, DE-R-* (PEPPOL-EN16931-UBL.sch 3.0.21).

They apply when both the seller's and the buyer's country codes are DE
(`upper-case(normalize-space())`): the XRechnung requirements carried into Peppol.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from gateway.findings import Severity
from gateway.validation.rules._peppol_flavour import NationalRules
from gateway.validation.rules._peppol_helpers import de_iban_ok, normalize_space
from gateway.validation.rules._peppol_walk import both_german
from gateway.validation.rules.registry import Path, RuleContext, Violation

_W = Severity.WARNING
_SUPPORTED_VAT = frozenset({"S", "Z", "E", "AE", "K", "G", "L", "M"})
_TYPE_CODES = frozenset({"326", "380", "384", "389", "381", "875", "876", "877"})
_SKONTO = re.compile(r"(^|\r?\n)#(SKONTO)#TAGE=([0-9]+#PROZENT=[0-9]+\.[0-9]{2})"
                     r"(#BASISBETRAG=-?[0-9]+\.[0-9]{2})?#\Z")
_LINE_BREAK = re.compile(r"\r?\n")
_SEGMENT = re.compile(r"#[^\n\r]+#")
_LINE_END = re.compile(r"[ \t\n\r]*\n")
_EMAIL = re.compile(r"[^@\s]+@([^@.\s]+\.)+[^@.\s]+\Z")
_TELEPHONE = re.compile(r".*([0-9].*){3,}.*")
_URL = re.compile(r"([a-zA-Z])([a-zA-Z0-9+.-])+:.*")

rule = NationalRules(both_german)


def _filled(value: str | None) -> bool:
    return bool(normalize_space(value))


# --- document level -----------------------------------------------------------------------


@rule("DE-R-001", "If both supplier and customer are located in Germany, an invoice shall "
      "contain information on \"PAYMENT INSTRUCTIONS\" (BG-16).", bt="BG-16")
def german_payment_instructions(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if both_german(ctx) and not ctx.model.payment_means:
        yield Violation(("payment_means",))


@rule("DE-R-015", "If both supplier and customer are located in Germany, the element \"Buyer "
      "reference\" (BT-10) shall be provided.", bt="BT-10")
def german_buyer_reference(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if both_german(ctx) and not _filled(ctx.model.buyer_reference):
        yield Violation(("buyer_reference",))


def _uses_supported_vat(doc: Any) -> bool:
    codes = {c.vat_category_code for c in doc.allowance_charges if c.charge_indicator is not None}
    codes |= {line.item.vat_category_code for line in doc.lines if line.item is not None}
    return not codes.isdisjoint(_SUPPORTED_VAT)


@rule("DE-R-016", "If both supplier and customer are located in Germany, and if one of the VAT "
      "codes S, Z, E, AE, K, G, L, or M is used, an invoice shall contain at least one of the "
      "following elements: \"Seller VAT identifier\" (BT-31) or \"Seller tax registration "
      "identifier\" (BT-32) or \"SELLER TAX REPRESENTATIVE PARTY\" (BG-11).", bt="BT-31")
def german_seller_tax_id(ctx: RuleContext[Any]) -> Iterator[Violation]:
    doc = ctx.model
    if not both_german(ctx) or not _uses_supported_vat(doc) or doc.tax_representative is not None:
        return
    seller = doc.seller
    if seller is None or not any(_filled(s.company_id) for s in seller.tax_schemes):
        yield Violation(("seller", "tax_schemes"))


@rule("DE-R-017", "If both supplier and customer are located in Germany, the element \"Invoice "
      "type code\" (BT-3) should only contain the following values from code list UNTDID 1001: "
      "326, 380, 384, 389, 381, 875, 876, 877.", severity=_W, bt="BT-3")
def german_type_code(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if both_german(ctx) and normalize_space(ctx.model.type_code) not in _TYPE_CODES:
        yield Violation(("type_code",))


def _skonto_ok(note: str) -> bool:
    lines = [line for line in _LINE_BREAK.split(note) if normalize_space(line).startswith("#")]
    if not lines:
        return True
    segments = _SEGMENT.split(note) if note else []
    tail_ok = bool(segments) and _LINE_END.match(segments[-1]) is not None
    return tail_ok and all(_SKONTO.search(normalize_space(line)) for line in lines)


@rule("DE-R-018", "If both supplier and customer are located in Germany, information on cash "
      "discounts for prompt payment (Skonto) shall be provided within the element \"Payment "
      "terms\" BT-20 as #SKONTO#TAGE=N#PROZENT=N.NN#[BASISBETRAG=N.NN#] lines, each ending with "
      "a line break.", bt="BT-20")
def german_skonto(ctx: RuleContext[Any]) -> Iterator[Violation]:
    terms = ctx.model.payment_terms
    if both_german(ctx) and terms is not None and not _skonto_ok(terms):
        yield Violation(("payment_terms",))


@rule("DE-R-022", "If both supplier and customer are located in Germany, attached documents "
      "provided with an invoice in \"ADDITIONAL SUPPORTING DOCUMENTS\" (BG-24) shall have a "
      "unique filename within the element \"Attached document\" (BT-125).", bt="BT-125-2")
def german_unique_filenames(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if not both_german(ctx):
        return
    seen: set[str] = set()
    for index, document in enumerate(ctx.model.additional_documents):
        name = document.attachment_filename
        if name is not None and name in seen:
            yield Violation(("additional_documents", index, "attachment_filename"))
        if name is not None:
            seen.add(name)


@rule("DE-R-026", "If both supplier and customer are located in Germany, and if \"Invoice type "
      "code\" (BT-3) contains the code 384 (Corrected invoice), \"PRECEDING INVOICE REFERENCE\" "
      "(BG-3) should be provided at least once.", severity=_W, bt="BG-3")
def german_corrected_invoice(ctx: RuleContext[Any]) -> Iterator[Violation]:
    doc = ctx.model
    # cac:BillingReference/cac:InvoiceDocumentReference: a reference with an id or a date.
    if both_german(ctx) and normalize_space(doc.type_code) == "384" and not any(
        p.id is not None or p.issue_date is not None for p in doc.preceding_invoices
    ):
        yield Violation(("preceding_invoices",))


def _has_mandate(doc: Any) -> bool:
    return any(m.mandate is not None for m in doc.payment_means)


@rule("DE-R-030", "If both supplier and customer are located in Germany, and if the group "
      "\"DIRECT DEBIT\" (BG-19) is delivered, the element \"Bank assigned creditor identifier\" "
      "(BT-90) shall be provided.", bt="BT-90")
def german_creditor_id(ctx: RuleContext[Any]) -> Iterator[Violation]:
    doc = ctx.model
    if not both_german(ctx) or not _has_mandate(doc):
        return
    parties = [p for p in (doc.seller, doc.payee) if p is not None]
    if not any(i.scheme_id == "SEPA" and i.id is not None for p in parties
               for i in p.identifiers):
        yield Violation(("seller", "identifiers"))


@rule("DE-R-031", "If both supplier and customer are located in Germany, and if the group "
      "\"DIRECT DEBIT\" (BG-19) is delivered, the element \"Debited account identifier\" "
      "(BT-91) shall be provided.", bt="BT-91")
def german_debited_account(ctx: RuleContext[Any]) -> Iterator[Violation]:
    doc = ctx.model
    if both_german(ctx) and _has_mandate(doc) and not any(
        m.mandate is not None and m.mandate.payer_account_id is not None
        for m in doc.payment_means
    ):
        yield Violation(("payment_means",))


@rule("DE-R-T02", "If both supplier and customer are located in Germany, BT-124 \"External "
      "document location\" must contain an absolute URL with valid scheme.", severity=_W,
      bt="BT-124")
def german_external_url(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if not both_german(ctx):
        return
    for index, document in enumerate(ctx.model.additional_documents):
        uri = document.external_uri
        if uri is not None and not _URL.match(uri):
            yield Violation(("additional_documents", index, "external_uri"))


# --- parties ------------------------------------------------------------------------------


@rule("DE-R-002", "If both supplier and customer are located in Germany, the group \"SELLER "
      "CONTACT\" (BG-6) shall be provided.", bt="BG-6")
def german_seller_contact(ctx: RuleContext[Any]) -> Iterator[Violation]:
    seller = ctx.model.seller
    if both_german(ctx) and seller is not None and seller.contact is None:
        yield Violation(("seller", "contact"))


def _address_rule(role: str, field: str) -> Any:
    def check(ctx: RuleContext[Any]) -> Iterator[Violation]:
        party = getattr(ctx.model, role)
        address = party.address if party is not None else None
        if both_german(ctx) and address is not None and not _filled(getattr(address, field)):
            yield Violation((role, "address", field))

    check.__name__ = f"german_{role}_{field}"
    return check


for _id, _role, _field, _bt, _what in (
    ("DE-R-003", "seller", "city_name", "BT-37", "Seller city"),
    ("DE-R-004", "seller", "postal_zone", "BT-38", "Seller post code"),
    ("DE-R-008", "buyer", "city_name", "BT-52", "Buyer city"),
    ("DE-R-009", "buyer", "postal_zone", "BT-53", "Buyer post code"),
    ("DE-R-010", "delivery", "city_name", "BT-77", "Deliver to city"),
    ("DE-R-011", "delivery", "postal_zone", "BT-78", "Deliver to post code"),
):
    rule(_id, f"If both supplier and customer are located in Germany, the element \"{_what}\" "
         f"({_bt}) shall be provided.", bt=_bt)(_address_rule(_role, _field))


def _contact_rule(field: str, check_value: Any) -> Any:
    def check(ctx: RuleContext[Any]) -> Iterator[Violation]:
        seller = ctx.model.seller
        contact = seller.contact if seller is not None else None
        if both_german(ctx) and contact is not None and not check_value(getattr(contact, field)):
            yield Violation(("seller", "contact", field))

    check.__name__ = f"german_contact_{field}"
    return check


def _matches(pattern: re.Pattern[str]) -> Any:
    return lambda value: pattern.match(normalize_space(value)) is not None


for _id, _field, _bt, _what, _check, _severity in (
    ("DE-R-005", "name", "BT-41", "Seller contact point", _filled, Severity.FATAL),
    ("DE-R-006", "telephone", "BT-42", "Seller contact telephone number", _filled,
     Severity.FATAL),
    ("DE-R-007", "email", "BT-43", "Seller contact email address", _filled, Severity.FATAL),
    ("DE-R-027", "telephone", "BT-42", "Seller contact telephone number (3 digits minimum)",
     _matches(_TELEPHONE), _W),
    ("DE-R-028", "email", "BT-43", "Seller contact email address (one @ framed by two "
     "characters)", _matches(_EMAIL), _W),
):
    rule(_id, f"If both supplier and customer are located in Germany, the element \"{_what}\" "
         f"({_bt}) shall be provided correctly.", severity=_severity, bt=_bt)(
        _contact_rule(_field, _check))


# --- payment means and VAT breakdown ---------------------------------------------------------


def _means(ctx: RuleContext[Any], codes: tuple[str, ...]) -> Iterator[tuple[Path, Any]]:
    if not both_german(ctx):
        return
    for index, means in enumerate(ctx.model.payment_means):
        if normalize_space(means.code) in codes:
            yield ("payment_means", index), means


_TRANSFER = ("30", "58")
_CARD = ("48", "54", "55")
_DEBIT = ("59",)


@rule("DE-R-019", "If both supplier and customer are located in Germany, the element \"Payment "
      "account identifier\" (BT-84) should contain a valid IBAN if code 58 SEPA is provided in "
      "\"Payment means type code\" (BT-81).", severity=_W, bt="BT-84")
def german_payee_iban(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, means in _means(ctx, ("58",)):
        account = means.payee_account.id if means.payee_account is not None else None
        if not de_iban_ok(account):
            yield Violation((*path, "payee_account", "id"))


@rule("DE-R-023-1", "If both supplier and customer are German, if \"Payment means type code\" "
      "(BT-81) contains a code for credit transfer (30, 58), \"CREDIT TRANSFER\" (BG-17) shall "
      "be provided.", bt="BG-17")
def german_credit_transfer(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, means in _means(ctx, _TRANSFER):
        if means.payee_account is None:
            yield Violation((*path, "payee_account"))


@rule("DE-R-023-2", "If both supplier and customer are located in Germany, and if \"Payment "
      "means type code\" (BT-81) contains a code for credit transfer (30, 58), BG-18 and BG-19 "
      "shall not be provided.", bt="BG-17")
def german_credit_transfer_only(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, means in _means(ctx, _TRANSFER):
        if means.card is not None or means.mandate is not None:
            yield Violation((*path, "code"))


@rule("DE-R-024-1", "If both supplier and customer are located in Germany, and if \"Payment "
      "means type code\" (BT-81) contains a code for payment card (48, 54, 55), \"PAYMENT CARD "
      "INFORMATION\" (BG-18) shall be provided.", bt="BG-18")
def german_card(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, means in _means(ctx, _CARD):
        if means.card is None:
            yield Violation((*path, "card"))


@rule("DE-R-024-2", "If both supplier and customer are located in Germany, and if \"Payment "
      "means type code\" (BT-81) contains a code for payment card (48, 54, 55), BG-17 and BG-19 "
      "shall not be provided.", bt="BG-18")
def german_card_only(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, means in _means(ctx, _CARD):
        if means.payee_account is not None or means.mandate is not None:
            yield Violation((*path, "code"))


@rule("DE-R-020", "If both supplier and customer are located in Germany, the element \"Debited "
      "account identifier\" (BT-91) should contain a valid IBAN if code 59 SEPA is provided in "
      "\"Payment means type code\" (BT-81).", severity=_W, bt="BT-91")
def german_payer_iban(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, means in _means(ctx, _DEBIT):
        account = means.mandate.payer_account_id if means.mandate is not None else None
        if not de_iban_ok(account):
            yield Violation((*path, "mandate", "payer_account_id"))


@rule("DE-R-025-1", "If both supplier and customer are located in Germany, and if \"Payment "
      "means type code\" (BT-81) contains a code for direct debit (59), \"DIRECT DEBIT\" (BG-19) "
      "shall be provided.", bt="BG-19")
def german_direct_debit(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, means in _means(ctx, _DEBIT):
        if means.mandate is None:
            yield Violation((*path, "mandate"))


@rule("DE-R-025-2", "If both supplier and customer are located in Germany, and if \"Payment "
      "means type code\" (BT-81) contains a code for direct debit (59), BG-17 and BG-18 shall "
      "not be provided.", bt="BG-19")
def german_direct_debit_only(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, means in _means(ctx, _DEBIT):
        if means.payee_account is not None or means.card is not None:
            yield Violation((*path, "code"))


@rule("DE-R-014", "If both supplier and customer are located in Germany, the element \"VAT "
      "category rate\" (BT-119) shall be provided.", bt="BT-119")
def german_vat_rate(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if not both_german(ctx):
        return
    for index, total in enumerate(ctx.model.tax_totals):
        for sub_index, subtotal in enumerate(total.vat_breakdown):
            if subtotal.vat_rate is None:
                yield Violation(("tax_totals", index, "vat_breakdown", sub_index, "vat_rate"))
