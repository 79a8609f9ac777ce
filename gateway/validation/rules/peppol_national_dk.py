"""Peppol BIS Billing 3.0 national rules of Denmark, DK-R-* (PEPPOL-EN16931-UBL.sch 3.0.21).

The Danish pattern decides on the seller's (and buyer's) country code exactly as written
(`$DKSupplierCountry = 'DK'`, no normalisation), and compares payment means codes as written.
DK-R-003 is fatal since the 2026 May release (the 2025 unit tests still expect a warning).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from gateway.validation.rules._peppol_flavour import NationalRules
from gateway.validation.rules._peppol_helpers import normalize_space, xpath_number
from gateway.validation.rules._peppol_walk import allowance_charges, is_credit_note, raw_country
from gateway.validation.rules.registry import Path, RuleContext, Violation

_UNSPSC_VERSIONS = frozenset({"19.05.01", "19.0501", "26.08.01", "26.0801"})
_DK_PAYMENT_MEANS = " 1 10 31 42 48 49 50 58 59 93 97 "
_GIRO_ACCOUNT = re.compile(r"[0-9]{7,8}")


def _seller_danish(ctx: RuleContext[Any]) -> bool:
    return raw_country(ctx.model.seller) == "DK"


def _both_danish(ctx: RuleContext[Any]) -> bool:
    return _seller_danish(ctx) and raw_country(ctx.model.buyer) == "DK"


rule = NationalRules(_seller_danish)  # every DK-R-* rule is about a Danish seller


def _has_legal_id(party: Any) -> bool:
    return party is not None and (party.legal_registration_id is not None
                                  or party.legal_registration_id_scheme_id is not None)


@rule("DK-R-002", "Danish suppliers MUST provide legal entity (CVR-number).", bt="BT-30")
def danish_legal_id(ctx: RuleContext[Any]) -> Iterator[Violation]:
    seller = ctx.model.seller
    legal_id = seller.legal_registration_id if seller is not None else None
    if _seller_danish(ctx) and not normalize_space(legal_id):
        yield Violation(("seller", "legal_registration_id"))


@rule("DK-R-014", "For Danish Suppliers it is mandatory to specify schemeID as \"0184\" (DK "
      "CVR-number) when PartyLegalEntity/CompanyID is used for AccountingSupplierParty.",
      bt="BT-30-1")
def danish_seller_legal_scheme(ctx: RuleContext[Any]) -> Iterator[Violation]:
    seller = ctx.model.seller
    if _seller_danish(ctx) and _has_legal_id(seller) and (
        normalize_space(seller.legal_registration_id_scheme_id) != "0184"
    ):
        yield Violation(("seller", "legal_registration_id_scheme_id"))


@rule("DK-R-016", "For Danish Suppliers, a Credit note cannot have a negative total "
      "(PayableAmount).", bt="BT-115")
def danish_credit_note_total(ctx: RuleContext[Any]) -> Iterator[Violation]:
    doc = ctx.model
    payable = doc.totals.payable_amount if doc.totals is not None else None
    if is_credit_note(doc) and _both_danish(ctx) and payable is not None and payable < 0:
        yield Violation(("totals", "payable_amount"))


@rule("DK-R-013", "For Danish Suppliers it is mandatory to use schemeID when PartyIdentification"
      "/ID is used for AccountingCustomerParty or AccountingSupplierParty.", bt="BT-29-1")
def danish_identifier_scheme(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if not _both_danish(ctx):
        return
    for role in ("seller", "buyer"):
        party = getattr(ctx.model, role)
        for index, ident in enumerate(party.identifiers if party is not None else ()):
            if ident.id is not None and normalize_space(ident.scheme_id) == "":
                yield Violation((role, "identifiers", index, "scheme_id"))


@rule("DK-R-017", "For Danish Customers it is mandatory to specify schemeID as \"0184\" (DK "
      "CVR-number) when PartyLegalEntity/CompanyID is used for AccountingCustomerParty.",
      bt="BT-47-1")
def danish_buyer_legal_scheme(ctx: RuleContext[Any]) -> Iterator[Violation]:
    buyer = ctx.model.buyer
    if _both_danish(ctx) and _has_legal_id(buyer) and (
        normalize_space(buyer.legal_registration_id_scheme_id) != "0184"
    ):
        yield Violation(("buyer", "legal_registration_id_scheme_id"))


@rule("DK-R-003", "If ItemClassification is provided from Danish suppliers, UNSPSC version "
      "19.05.01 or 26.08.01 should be used.", bt="BT-158-2")
def danish_unspsc_version(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if not _both_danish(ctx):
        return
    for index, line in enumerate(ctx.model.lines):
        classes = line.item.classifications if line.item is not None else []
        # General comparisons: any TST code, and any of the accepted versions on the line.
        if any(c.list_id == "TST" for c in classes) and not any(
            c.list_version_id in _UNSPSC_VERSIONS for c in classes
        ):
            yield Violation(("lines", index, "item", "classifications"))


def _tax_reason_ok(reason: str | None) -> bool:
    if reason is None:
        return False
    number = xpath_number(reason)
    if len(normalize_space(reason)) == 4 and 0 <= number <= 9999:
        return True
    return "#" in reason and not reason.startswith("#") and not reason.endswith("#")


@rule("DK-R-004", "When specifying non-VAT Taxes for Danish customers, Danish suppliers MUST use "
      "the AllowanceChargeReasonCode=\"ZZZ\" and MUST be specified in AllowanceChargeReason; "
      "either as the 4-digit Tax category or must include a #, but the # is not allowed as "
      "first and last character.", bt="BT-104")
def danish_non_vat_tax(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if not _both_danish(ctx):
        return
    for path, charge in allowance_charges(ctx.model):
        if charge.reason_code == "ZZZ" and not _tax_reason_ok(charge.reason):
            yield Violation((*path, "reason"))


# --- payment means (invoices only) ---------------------------------------------------------


def _danish_means(ctx: RuleContext[Any]) -> Iterator[tuple[Path, Any]]:
    if is_credit_note(ctx.model) or not _both_danish(ctx):
        return
    for index, means in enumerate(ctx.model.payment_means):
        yield ("payment_means", index), means


def _account_id(means: Any) -> str | None:
    return means.payee_account.id if means.payee_account is not None else None


@rule("DK-R-005", "For Danish suppliers the following Payment means codes are allowed: 1, 10, "
      "31, 42, 48, 49, 50, 58, 59, 93 and 97.", bt="BT-81")
def danish_payment_means_code(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, means in _danish_means(ctx):
        if f" {means.code or ''} " not in _DK_PAYMENT_MEANS:
            yield Violation((*path, "code"))


@rule("DK-R-006", "For Danish suppliers bank account and registration account is mandatory if "
      "payment means is 31 or 42.", bt="BT-84")
def danish_bank_account(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, means in _danish_means(ctx):
        account = means.payee_account
        if means.code in ("31", "42") and not (
            account is not None and normalize_space(account.id)
            and normalize_space(account.service_provider_id)
        ):
            yield Violation((*path, "payee_account"))


@rule("DK-R-007", "For Danish suppliers PaymentMandate/ID and PayerFinancialAccount/ID are "
      "mandatory when payment means is 49.", bt="BT-89")
def danish_mandate(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, means in _danish_means(ctx):
        mandate = means.mandate
        if means.code == "49" and not (
            mandate is not None and normalize_space(mandate.id)
            and normalize_space(mandate.payer_account_id)
        ):
            yield Violation((*path, "mandate"))


@rule("DK-R-008", "For Danish Suppliers PaymentID is mandatory and MUST start with 01#, 04# or "
      "15# (kortartkode), and PayeeFinancialAccount/ID (Giro kontonummer) is mandatory and must "
      "be 7 or 8 numerical characters long, when payment means equals 50 (Giro).", bt="BT-83")
def danish_giro(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, means in _danish_means(ctx):
        if means.code == "50" and not (
            (means.payment_id or "")[:3] in ("01#", "04#", "15#")
            and _GIRO_ACCOUNT.fullmatch(_account_id(means) or "")
        ):
            yield Violation((*path, "payment_id"))


@rule("DK-R-009", "For Danish Suppliers if the PaymentID is prefixed with 04# or 15# the 16 "
      "digits instruction Id must be added to the PaymentID when Payment means equals 50.",
      bt="BT-83")
def danish_giro_instruction(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, means in _danish_means(ctx):
        payment_id = means.payment_id or ""
        if means.code == "50" and payment_id[:3] in ("04#", "15#") and len(payment_id) != 19:
            yield Violation((*path, "payment_id"))


@rule("DK-R-010", "For Danish Suppliers using PaymentMeansCode 93, PaymentID is mandatory. The "
      "first three characters of the PaymentID MUST be 71#, 73# or 75# (kortartskode), and "
      "PayeeFinancialAccount/ID MUST be exactly 8 characters long.", bt="BT-83")
def danish_fik(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, means in _danish_means(ctx):
        if means.code == "93" and not (
            (means.payment_id or "")[:3] in ("71#", "73#", "75#")
            and len(_account_id(means) or "") == 8
        ):
            yield Violation((*path, "payment_id"))


@rule("DK-R-011", "For Danish Suppliers if the PaymentID is prefixed with 71# or 75# the 15-16 "
      "digits instruction Id must be added to the PaymentID when payment Method equals 93.",
      bt="BT-83")
def danish_fik_instruction(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, means in _danish_means(ctx):
        payment_id = means.payment_id or ""
        if means.code == "93" and payment_id[:3] in ("71#", "75#") and (
            len(payment_id) not in (18, 19)
        ):
            yield Violation((*path, "payment_id"))
