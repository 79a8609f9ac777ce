"""Peppol BIS Billing 3.0 restricted code lists and profile rules (PEPPOL-EN16931-CL*, -P*).

The lists are those embedded in PEPPOL-EN16931-UBL.sch 3.0.21 (gateway.codelists, names in
the `Flavour`); the self-billing flavour uses the lists of PEPPOL-EN16931-UBL-SB.sch.
PEPPOL-EN16931-F001 (dates formatted YYYY-MM-DD) is checked where dates are read:
gateway.documents.convert reports an unreadable date with that id, and the model cannot hold
one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gateway import codelists
from gateway.validation.rules._peppol_flavour import BILLING, Flavour, RuleTable, profile_of
from gateway.validation.rules._peppol_helpers import normalize_space
from gateway.validation.rules._peppol_walk import (
    allowance_charges_in,
    amounts_to_check,
    both_german,
    effective_currency,
    is_credit_note,
)
from gateway.validation.rules.registry import RuleContext, Violation

TABLE = RuleTable()
rule = TABLE.rule


def _not_in(what: str, value: str | None, list_title: str) -> str:
    return f"{what} {value!r} is not in {list_title}."


@rule("PEPPOL-EN16931-CL001", "Mime code (BT-125-1) must be according to subset of IANA code "
      "list.", bt="BT-125-1")
def mime_code(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    allowed = codelists.codes(flavour.mime_codes)
    for index, document in enumerate(ctx.model.additional_documents):
        code = document.attachment_mime_code
        if code is not None and code not in allowed:
            yield Violation(("additional_documents", index, "attachment_mime_code"),
                            _not_in("Mime code", code, "the Peppol subset of IANA media types"))


def _reason_codes(ctx: RuleContext[Any], charge: bool, flavour: Flavour,
                  list_name: str, title: str) -> Iterator[Violation]:
    allowed = codelists.codes(list_name)
    for path, item in allowance_charges_in(ctx):
        if item.charge_indicator is charge and item.reason_code is not None and (
            normalize_space(item.reason_code) not in allowed
        ):
            yield Violation((*path, "reason_code"), _not_in("Reason code", item.reason_code,
                                                            title))


@rule("PEPPOL-EN16931-CL002", "Reason code (BT-98, BT-140) MUST be according to subset of "
      "UNCL 5189 D.16B.", bt="BT-98")
def allowance_reason(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    yield from _reason_codes(ctx, False, flavour, flavour.allowance_reasons,
                             "the Peppol subset of UNCL 5189")


@rule("PEPPOL-EN16931-CL003", "Reason code (BT-105, BT-145) MUST be according to UNCL 7161 "
      "D.16B.", bt="BT-105")
def charge_reason(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    yield from _reason_codes(ctx, True, flavour, flavour.charge_reasons, "UNCL 7161")


@rule("PEPPOL-EN16931-CL006", "Invoice period description code (BT-8) must be according to "
      "UNCL 2005 D.16B.", bt="BT-8")
def period_description(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    period = ctx.model.invoice_period
    code = period.description_code if period is not None else None
    if code is not None and normalize_space(code) not in codelists.codes(flavour.period_codes):
        yield Violation(("invoice_period", "description_code"),
                        _not_in("Invoice period description code", code, "UNCL 2005 (3, 35, 432)"))


@rule("PEPPOL-EN16931-CL007", "Currency code must be according to ISO 4217:2005.", bt="BT-5")
def amount_currency(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    allowed = codelists.codes(flavour.currencies)
    doc = ctx.model
    for ref in amounts_to_check(ctx, doc.currency_code in allowed):
        currency = effective_currency(ref, doc)
        if currency not in allowed:
            yield Violation(ref.pointer_path, _not_in("Currency code", currency, "ISO 4217"))


@rule("PEPPOL-EN16931-CL008", "Electronic address identifier scheme (BT-34-1, BT-49-1) must be "
      "from the codelist \"Electronic Address Identifier Scheme\".", bt="BT-34-1")
def endpoint_scheme(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    allowed = codelists.codes(flavour.eas)
    for role in ("seller", "buyer"):
        party = getattr(ctx.model, role)
        scheme = party.endpoint_scheme_id if party is not None else None
        if scheme is not None and scheme not in allowed:
            yield Violation((role, "endpoint_scheme_id"),
                            _not_in("Electronic address scheme", scheme, "the Peppol EAS list"))


@rule("PEPPOL-EN16931-P0100", "Invoice type code (BT-3) MUST be set according to the profile.",
      bt="BT-3")
def invoice_type_code(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    yield from _type_code(ctx, flavour, credit_note=False, list_name=flavour.invoice_types)


@rule("PEPPOL-EN16931-P0101", "Credit note type code (BT-3) MUST be set according to the "
      "profile.", bt="BT-3")
def credit_note_type_code(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    yield from _type_code(ctx, flavour, credit_note=True, list_name=flavour.credit_note_types)


def _type_code(ctx: RuleContext[Any], flavour: Flavour, *, credit_note: bool,
               list_name: str) -> Iterator[Violation]:
    doc = ctx.model
    if is_credit_note(doc) is not credit_note or doc.type_code is None:
        return
    if profile_of(doc.profile_id, flavour) not in flavour.type_code_profiles:
        return
    if normalize_space(doc.type_code) not in codelists.codes(list_name):
        yield Violation(("type_code",), _not_in("Type code", doc.type_code,
                                                f"the codes {flavour.title} allows"))


@rule("PEPPOL-EN16931-P0112", "Invoice type code (BT-3) 326 or 384 are only allowed when both "
      "buyer and seller are German organizations.", bt="BT-3")
def german_type_codes(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    doc = ctx.model
    if is_credit_note(doc) or doc.type_code is None:
        return
    if normalize_space(doc.type_code) in ("326", "384") and not both_german(ctx):
        yield Violation(("type_code",))


def _exemption_rule(reason: str, category: str) -> Any:
    def check(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
        for index, total in enumerate(ctx.model.tax_totals):
            for sub_index, subtotal in enumerate(total.vat_breakdown):
                code = subtotal.exemption_reason_code
                if code is not None and code.upper() == reason and (
                    normalize_space(subtotal.vat_category_code) != category
                ):
                    yield Violation(("tax_totals", index, "vat_breakdown", sub_index,
                                     "vat_category_code"))

    check.__name__ = f"exemption_{reason.lower().replace('-', '_')}"
    return check


for _rule_id, _reason, _category in (
    ("PEPPOL-EN16931-P0104", "VATEX-EU-G", "G"),
    ("PEPPOL-EN16931-P0105", "VATEX-EU-O", "O"),
    ("PEPPOL-EN16931-P0106", "VATEX-EU-IC", "K"),
    ("PEPPOL-EN16931-P0107", "VATEX-EU-AE", "AE"),
    ("PEPPOL-EN16931-P0108", "VATEX-EU-D", "E"),
    ("PEPPOL-EN16931-P0109", "VATEX-EU-F", "E"),
    ("PEPPOL-EN16931-P0110", "VATEX-EU-I", "E"),
    ("PEPPOL-EN16931-P0111", "VATEX-EU-J", "E"),
):
    rule(_rule_id, f"Tax Category {_category} (BT-118) MUST be used when exemption reason code "
         f"(BT-121) is {_reason}.", bt="BT-118")(_exemption_rule(_reason, _category))

TABLE.register(BILLING)
