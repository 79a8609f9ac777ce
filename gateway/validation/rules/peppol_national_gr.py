"""Peppol BIS Billing 3.0 national rules of Greece, GR-* (PEPPOL-EN16931-UBL.sch 3.0.21).

A supplier is Greek when `$supplierCountry` (VAT number prefix, else country code) is GR or EL.
The invoice number of a Greek supplier has six '|'-separated segments: issuer TIN, issue date
(dd/mm/yyyy), a serial number, the Greek document type, and two more non-empty segments. TINs
are checked with `u:TinVerification` (_peppol_helpers.greek_tin_ok).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from gateway.findings import Severity
from gateway.validation.rules._peppol_flavour import NationalRules
from gateway.validation.rules._peppol_helpers import (
    castable_as_integer,
    greek_tin_ok,
    is_number,
    normalize_space,
)
from gateway.validation.rules._peppol_walk import (
    customer_country,
    is_vat_scheme,
    raw_country,
    supplier_country,
)
from gateway.validation.rules.registry import RuleContext, Violation

_GREEK = frozenset({"GR", "EL"})
_DATE_SEGMENT = re.compile(
    r"(0?[1-9]|[12][0-9]|3[01])[-\\/ ]?(0?[1-9]|1[0-2])[-\\/ ]?(19|20)[0-9]{2}"
)
_DOCUMENT_TYPES = frozenset({"1.1", "1.6", "2.1", "2.4", "5.1", "5.2"})
_MARK = "##M.AR.K##"
_URL = "##INVOICE|URL##"
_MARK_NUMBER = re.compile(r"[1-9]")


def _greek_sender(ctx: RuleContext[Any]) -> bool:
    result: bool = ctx.memo("peppol.gr-sender", lambda: supplier_country(ctx.model) in _GREEK)
    return result


def _greek_accounting_supplier(ctx: RuleContext[Any]) -> bool:
    """`$accountingSupplierCountry` (the tax representative left out) is GR or EL (GR-R-009)."""
    return supplier_country(ctx.model, via_tax_representative=False) in _GREEK


rule = NationalRules(_greek_sender)  # every GR rule but GR-R-009 is about a Greek sender
accounting_supplier_rule = NationalRules(_greek_accounting_supplier)


def _greek_receiver(ctx: RuleContext[Any]) -> bool:
    return customer_country(ctx.model) in _GREEK


def _segments(ctx: RuleContext[Any]) -> list[str] | None:
    """`tokenize(cbc:ID, '\\|')` for a Greek supplier's invoice number (None: no context)."""
    doc_id = ctx.model.id
    if doc_id is None or not _greek_sender(ctx):
        return None
    return doc_id.split("|") if doc_id else []


def _segment(parts: list[str], number: int) -> str:
    return parts[number - 1] if len(parts) >= number else ""


def _vat_ids(party: Any) -> list[str]:
    if party is None:
        return []
    return [s.company_id for s in party.tax_schemes
            if is_vat_scheme(s, normalized=True) and s.company_id is not None]


@rule("GR-R-001-1", "When the Supplier is Greek, the Invoice Id should consist of 6 segments.",
      bt="BT-1")
def greek_id_segments(ctx: RuleContext[Any]) -> Iterator[Violation]:
    parts = _segments(ctx)
    if parts is not None and len(parts) != 6:
        yield Violation(("id",))


@rule("GR-R-001-2", "When the Supplier is Greek, the Invoice Id first segment must be a valid "
      "TIN Number and match either the Supplier's or the Tax Representative's Tin Number.",
      bt="BT-1")
def greek_id_tin(ctx: RuleContext[Any]) -> Iterator[Violation]:
    parts = _segments(ctx)
    if parts is None:
        return
    tin = _segment(parts, 1)
    doc = ctx.model
    known = {vat[2:11] for party in (doc.seller, doc.tax_representative)
             for vat in _vat_ids_exact(party)}
    if not (len(normalize_space(tin)) == 9 and greek_tin_ok(tin) and tin in known):
        yield Violation(("id",))


def _vat_ids_exact(party: Any) -> list[str]:
    if party is None:
        return []
    return [s.company_id for s in party.tax_schemes
            if is_vat_scheme(s) and s.company_id is not None]


@rule("GR-R-001-3", "When the Supplier is Greek, the Invoice Id second segment must be a valid "
      "Date that matches the invoice Issue Date.", bt="BT-1")
def greek_id_date(ctx: RuleContext[Any]) -> Iterator[Violation]:
    parts = _segments(ctx)
    if parts is None:
        return
    written = _segment(parts, 2)
    issue = ctx.model.issue_date
    issued = issue.isoformat().split("-") if issue is not None else []
    day_month_year = written.split("/")
    ok = (len(normalize_space(written)) > 0 and _DATE_SEGMENT.match(written) is not None
          and len(issued) == 3 and day_month_year[:3] == issued[::-1])
    if not ok:
        yield Violation(("id",))


@rule("GR-R-001-4", "When Supplier is Greek, the Invoice Id third segment must be a positive "
      "integer.", bt="BT-1")
def greek_id_serial(ctx: RuleContext[Any]) -> Iterator[Violation]:
    parts = _segments(ctx)
    if parts is None:
        return
    serial = _segment(parts, 3)
    ok = (len(normalize_space(serial)) > 0 and is_number(serial)
          and castable_as_integer(serial) and int(serial) >= 0)
    if not ok:
        yield Violation(("id",))


@rule("GR-R-001-5", "When Supplier is Greek, the Invoice Id in the fourth segment must be a "
      "valid greek document type.", bt="BT-1")
def greek_id_document_type(ctx: RuleContext[Any]) -> Iterator[Violation]:
    parts = _segments(ctx)
    if parts is not None and _segment(parts, 4) not in _DOCUMENT_TYPES:
        yield Violation(("id",))


@rule("GR-R-001-6", "When Supplier is Greek, the Invoice Id fifth segment must not be empty.",
      bt="BT-1")
def greek_id_fifth(ctx: RuleContext[Any]) -> Iterator[Violation]:
    parts = _segments(ctx)
    if parts is not None and not _segment(parts, 5):
        yield Violation(("id",))


@rule("GR-R-001-7", "When Supplier is Greek, the Invoice Id sixth segment must not be empty.",
      bt="BT-1")
def greek_id_sixth(ctx: RuleContext[Any]) -> Iterator[Violation]:
    parts = _segments(ctx)
    if parts is not None and not _segment(parts, 6):
        yield Violation(("id",))


@rule("GR-R-002", "Greek Suppliers must provide their full name as they are registered in the "
      "Greek Business Registry (G.E.MH.) as a legal entity or in the Tax Registry as a natural "
      "person.", bt="BT-28")
def greek_seller_name(ctx: RuleContext[Any]) -> Iterator[Violation]:
    seller = ctx.model.seller
    if seller is not None and _greek_sender(ctx) and not seller.trading_name:
        yield Violation(("seller", "trading_name"))


def _valid_el_vat(party: Any) -> bool:
    vat = _vat_ids(party)
    return len(vat) == 1 and vat[0][:2] == "EL" and greek_tin_ok(vat[0][2:])


@rule("GR-S-011", "Greek suppliers must provide their Seller Tax Registration Number, prefixed "
      "by the country code.", severity=Severity.WARNING, bt="BT-31")
def greek_seller_vat_present(ctx: RuleContext[Any]) -> Iterator[Violation]:
    seller = ctx.model.seller
    if seller is not None and _greek_sender(ctx) and not _valid_el_vat(seller):
        yield Violation(("seller", "tax_schemes"))


@rule("GR-R-003", "For the Greek Suppliers, the VAT must start with 'EL' and must be a valid "
      "TIN number.", bt="BT-31")
def greek_seller_vat(ctx: RuleContext[Any]) -> Iterator[Violation]:
    seller = ctx.model.seller
    if seller is None or not _greek_sender(ctx):
        return
    for index, scheme in enumerate(seller.tax_schemes):
        vat = scheme.company_id
        if is_vat_scheme(scheme, normalized=True) and vat is not None and not (
            vat[:2] == "EL" and greek_tin_ok(vat[2:])
        ):
            yield Violation(("seller", "tax_schemes", index, "company_id"))


def _greek_documents(ctx: RuleContext[Any]) -> bool:
    return _greek_sender(ctx) and raw_country(ctx.model.seller) == "GR"


def _count(doc: Any, description: str) -> int:
    return sum(1 for d in doc.additional_documents if d.description == description)


@rule("GR-R-004-1", "When Supplier is Greek, there must be one MARK Number.", bt="BT-122")
def greek_mark(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if _greek_documents(ctx) and _count(ctx.model, _MARK) != 1:
        yield Violation(("additional_documents",))


@rule("GR-S-008-1", "When Supplier is Greek, there should be one invoice url.",
      severity=Severity.WARNING, bt="BT-124")
def greek_url_present(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if _greek_documents(ctx) and _count(ctx.model, _URL) != 1:
        yield Violation(("additional_documents",))


@rule("GR-R-008-2", "When Supplier is Greek, there should be no more than one invoice url.",
      bt="BT-124")
def greek_one_url(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if _greek_documents(ctx) and _count(ctx.model, _URL) > 1:
        yield Violation(("additional_documents",))


@rule("GR-R-004-2", "When Supplier is Greek, the MARK Number must be a positive integer.",
      bt="BT-122")
def greek_mark_number(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if not _greek_documents(ctx):
        return
    for index, document in enumerate(ctx.model.additional_documents):
        if document.description == _MARK and document.id is not None and (
            not _MARK_NUMBER.match(document.id)
        ):
            yield Violation(("additional_documents", index, "id"))


@rule("GR-R-008-3", "When Supplier is Greek and the INVOICE URL Document reference exists, the "
      "External Reference URI should be present.", bt="BT-124")
def greek_url_uri(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if not _greek_sender(ctx):
        return
    for index, document in enumerate(ctx.model.additional_documents):
        if document.description == _URL and not normalize_space(document.external_uri):
            yield Violation(("additional_documents", index, "external_uri"))


@rule("GR-R-005", "Greek Suppliers must provide the full name of the buyer.", bt="BT-45")
def greek_buyer_name(ctx: RuleContext[Any]) -> Iterator[Violation]:
    buyer = ctx.model.buyer
    if buyer is not None and _greek_sender(ctx) and not buyer.trading_name:
        yield Violation(("buyer", "trading_name"))


def _endpoint_rule(party: Any, role: str) -> Iterator[Violation]:
    if party is None or (party.endpoint_id is None and party.endpoint_scheme_id is None):
        return
    if party.endpoint_scheme_id != "9933" or not greek_tin_ok(party.endpoint_id or ""):
        yield Violation((role, "endpoint_id"))


@accounting_supplier_rule(
    "GR-R-009", "Greek suppliers that send an invoice through the PEPPOL network must use a "
    "correct TIN number as an electronic address (schemeID 9933).", bt="BT-34")
def greek_seller_endpoint(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if _greek_accounting_supplier(ctx):
        yield from _endpoint_rule(ctx.model.seller, "seller")


@rule("GR-R-006", "Greek Suppliers must provide the VAT number of the buyer, if the buyer is "
      "Greek.", bt="BT-48")
def greek_buyer_vat(ctx: RuleContext[Any]) -> Iterator[Violation]:
    buyer = ctx.model.buyer
    if buyer is not None and _greek_sender(ctx) and _greek_receiver(ctx) and not (
        _valid_el_vat(buyer)
    ):
        yield Violation(("buyer", "tax_schemes"))


@rule("GR-R-010", "Greek Suppliers that send an invoice through the PEPPOL network to a greek "
      "buyer must use a correct TIN number as an electronic address (schemeID 9933).",
      bt="BT-49")
def greek_buyer_endpoint(ctx: RuleContext[Any]) -> Iterator[Violation]:
    if _greek_sender(ctx) and _greek_receiver(ctx):
        yield from _endpoint_rule(ctx.model.buyer, "buyer")
