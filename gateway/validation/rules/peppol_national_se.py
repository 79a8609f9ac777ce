"""Peppol BIS Billing 3.0 national rules of Sweden, SE-R-* (PEPPOL-EN16931-UBL.sch 3.0.21).

The Swedish pattern keys on the seller's country code as written (= 'SE') and, for the VAT
rules, on a VAT number (tax scheme 'VAT') starting with 'SE'. SE-R-013 checks the Luhn digit
of the organisation number with `u:checkSEOrgnr` (python-stdnum's Luhn).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from gateway.findings import Severity
from gateway.validation.rules._peppol_flavour import NationalRules
from gateway.validation.rules._peppol_helpers import (
    is_number,
    normalize_space,
    se_orgnr_luhn_ok,
)
from gateway.validation.rules._peppol_walk import is_vat_scheme, raw_country
from gateway.validation.rules.registry import Path, RuleContext, Violation

_SWEDISH_VAT_RATES = frozenset({Decimal(25), Decimal(12), Decimal(6)})
_F_SKATT = "GODKÄND FÖR F-SKATT"


def _swedish_seller(ctx: RuleContext[Any]) -> bool:
    return raw_country(ctx.model.seller) == "SE"


rule = NationalRules(_swedish_seller)  # every SE-R-* rule is about a Swedish seller


def _swedish_vat(ctx: RuleContext[Any]) -> tuple[int, str] | None:
    """(index, CompanyID) of the seller's first VAT number, when the seller is Swedish and a
    VAT number starts with 'SE' (the context of SE-R-001, -002 and -006)."""
    seller = ctx.model.seller
    if seller is None or not _swedish_seller(ctx):
        return None
    vat = [(i, s.company_id or "") for i, s in enumerate(seller.tax_schemes) if is_vat_scheme(s)]
    if not any(company_id[:2] == "SE" for _, company_id in vat):
        return None
    return vat[0]


@rule("SE-R-001", "For Swedish suppliers, Swedish VAT-numbers must consist of 14 characters.",
      bt="BT-31")
def swedish_vat_length(ctx: RuleContext[Any]) -> Iterator[Violation]:
    found = _swedish_vat(ctx)
    if found is not None and len(normalize_space(found[1])) != 14:
        yield Violation(("seller", "tax_schemes", found[0], "company_id"))


@rule("SE-R-002", "For Swedish suppliers, the Swedish VAT-numbers must have the trailing 12 "
      "characters in numeric form.", bt="BT-31")
def swedish_vat_numeric(ctx: RuleContext[Any]) -> Iterator[Violation]:
    found = _swedish_vat(ctx)
    if found is not None and not is_number(found[1][2:14]):
        yield Violation(("seller", "tax_schemes", found[0], "company_id"))


def _swedish_legal_id(ctx: RuleContext[Any]) -> str | None:
    seller = ctx.model.seller
    if seller is None or not _swedish_seller(ctx):
        return None
    legal_id: str | None = seller.legal_registration_id
    return legal_id


_LEGAL_ID: Path = ("seller", "legal_registration_id")


@rule("SE-R-003", "Swedish organisation numbers should be numeric.", bt="BT-30")
def swedish_orgnr_numeric(ctx: RuleContext[Any]) -> Iterator[Violation]:
    legal_id = _swedish_legal_id(ctx)
    if legal_id is not None and not is_number(legal_id):
        yield Violation(_LEGAL_ID)


@rule("SE-R-004", "Swedish organisation numbers consist of 10 characters.", bt="BT-30")
def swedish_orgnr_length(ctx: RuleContext[Any]) -> Iterator[Violation]:
    legal_id = _swedish_legal_id(ctx)
    if legal_id is not None and len(normalize_space(legal_id)) != 10:
        yield Violation(_LEGAL_ID)


@rule("SE-R-013", "The last digit of a Swedish organization number must be valid according to "
      "the Luhn algorithm.", bt="BT-30")
def swedish_orgnr_luhn(ctx: RuleContext[Any]) -> Iterator[Violation]:
    legal_id = _swedish_legal_id(ctx)
    if legal_id is not None and not se_orgnr_luhn_ok(normalize_space(legal_id)):
        yield Violation(_LEGAL_ID)


@rule("SE-R-005", "For Swedish suppliers, when using Seller tax registration identifier, "
      "'Godkänd för F-skatt' must be stated.", bt="BT-32")
def swedish_f_skatt(ctx: RuleContext[Any]) -> Iterator[Violation]:
    seller = ctx.model.seller
    if seller is None or not _swedish_seller(ctx) or seller.legal_registration_id is None:
        return
    for index, scheme in enumerate(seller.tax_schemes):
        is_vat = scheme.tax_scheme_id is None or (
            normalize_space(scheme.tax_scheme_id.upper()) == "VAT")
        if not is_vat and scheme.company_id is not None and (
            normalize_space(scheme.company_id.upper()) != _F_SKATT
        ):
            yield Violation(("seller", "tax_schemes", index, "company_id"))


def _standard_rated(doc: Any) -> Iterator[tuple[Path, Decimal | None]]:
    for index, charge in enumerate(doc.allowance_charges):
        if charge.vat_category_code == "S":
            yield ("allowance_charges", index, "vat_rate"), charge.vat_rate
    for index, total in enumerate(doc.tax_totals):
        for sub_index, subtotal in enumerate(total.vat_breakdown):
            if subtotal.vat_category_code == "S":
                yield ("tax_totals", index, "vat_breakdown", sub_index, "vat_rate"), (
                    subtotal.vat_rate)
    for index, line in enumerate(doc.lines):
        if line.item is not None and line.item.vat_category_code == "S":
            yield ("lines", index, "item", "vat_rate"), line.item.vat_rate


@rule("SE-R-006", "For Swedish suppliers, only standard VAT rate of 6, 12 or 25 are used.",
      bt="BT-119")
def swedish_vat_rates(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if _swedish_vat(ctx) is None:
        return
    for path, rate in _standard_rated(ctx.model):
        if rate not in _SWEDISH_VAT_RATES:
            yield Violation(path)


def _giro_accounts(ctx: RuleContext[Any], branch: str) -> Iterator[tuple[Path, str]]:
    if not _swedish_seller(ctx):
        return
    for index, means in enumerate(ctx.model.payment_means):
        account = means.payee_account
        if account is None or account.id is None or normalize_space(means.code) != "30":
            continue
        if normalize_space(account.service_provider_id) == branch:
            yield ("payment_means", index, "payee_account", "id"), normalize_space(account.id)


_W = Severity.WARNING


@rule("SE-R-007", "For Swedish suppliers using Plusgiro, the Account ID must be numeric.",
      severity=_W, bt="BT-84")
def plusgiro_numeric(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, account in _giro_accounts(ctx, "SE:PLUSGIRO"):
        if not is_number(account):
            yield Violation(path)


@rule("SE-R-010", "For Swedish suppliers using Plusgiro, the Account ID must have 2-8 "
      "characters.", severity=_W, bt="BT-84")
def plusgiro_length(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, account in _giro_accounts(ctx, "SE:PLUSGIRO"):
        if not 2 <= len(account) <= 8:
            yield Violation(path)


@rule("SE-R-008", "For Swedish suppliers using Bankgiro, the Account ID must be numeric.",
      severity=_W, bt="BT-84")
def bankgiro_numeric(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, account in _giro_accounts(ctx, "SE:BANKGIRO"):
        if not is_number(account):
            yield Violation(path)


@rule("SE-R-009", "For Swedish suppliers using Bankgiro, the Account ID must have 7-8 "
      "characters.", severity=_W, bt="BT-84")
def bankgiro_length(ctx: RuleContext[Any]) -> Iterator[Violation]:
    for path, account in _giro_accounts(ctx, "SE:BANKGIRO"):
        if len(account) not in (7, 8):
            yield Violation(path)


@rule("SE-R-011", "For Swedish suppliers using Swedish Bankgiro or Plusgiro, the proper way to "
      "indicate this is to use Code 30 for PaymentMeans and FinancialInstitutionBranch ID with "
      "code SE:BANKGIRO or SE:PLUSGIRO.", severity=_W, bt="BT-81")
def giro_payment_means(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if not _swedish_seller(ctx):
        return
    for index, means in enumerate(ctx.model.payment_means):
        if means.code in ("50", "56"):
            yield Violation(("payment_means", index, "code"))


@rule("SE-R-012", "For domestic transactions between Swedish trading partners, credit transfer "
      "should be indicated by PaymentMeansCode=\"30\".", severity=_W, bt="BT-81")
def domestic_credit_transfer(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if not _swedish_seller(ctx) or raw_country(ctx.model.buyer) != "SE":
        return
    for index, means in enumerate(ctx.model.payment_means):
        if means.code == "31":
            yield Violation(("payment_means", index, "code"))
