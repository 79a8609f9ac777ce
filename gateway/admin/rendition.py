"""A human-readable view of a billing document or an order from its canonical JSON.

Pure: canonical dict in, `Rendition` out (the template lays it out). The labels name the
EN 16931 business terms, so an operator can relate what is shown to a validation finding:
seller BG-4, buyer BG-7, lines BG-25, document totals BG-22 (BT-106..BT-115).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TOTALS: tuple[tuple[str, str], ...] = (
    ("line_extension_amount", "Sum of line net amounts (BT-106)"),
    ("allowance_total_amount", "Allowances on document level (BT-107)"),
    ("charge_total_amount", "Charges on document level (BT-108)"),
    ("tax_exclusive_amount", "Total without VAT (BT-109)"),
    ("tax_inclusive_amount", "Total with VAT (BT-112)"),
    ("prepaid_amount", "Paid amount (BT-113)"),
    ("payable_rounding_amount", "Rounding amount (BT-114)"),
    ("payable_amount", "Amount due for payment (BT-115)"),
)
PARTIES: tuple[tuple[str, str], ...] = (
    ("seller", "Seller (BG-4)"),
    ("buyer", "Buyer (BG-7)"),
    ("payee", "Payee (BG-10)"),
    ("tax_representative", "Seller tax representative (BG-11)"),
)


@dataclass(frozen=True, slots=True)
class PartyView:
    role: str
    name: str
    address: tuple[str, ...]
    details: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class LineView:
    line_id: str
    name: str
    description: str
    quantity: str
    unit: str
    price: str
    net_amount: str
    vat: str


@dataclass(frozen=True, slots=True)
class Rendition:
    number: str
    facts: tuple[tuple[str, str], ...]
    parties: tuple[PartyView, ...]
    lines: tuple[LineView, ...]
    totals: tuple[tuple[str, str], ...]
    vat_breakdown: tuple[tuple[str, str, str, str], ...] = field(default=())
    """(category, rate, taxable amount, VAT amount) per BG-23."""


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def _get(data: Mapping[str, Any], *path: str) -> Any:
    value: Any = data
    for step in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list) else []


def _address(party: Mapping[str, Any]) -> tuple[str, ...]:
    address = _mapping(party.get("address") or party.get("postal_address"))
    street = [_text(address.get(k)) for k in ("street_name", "additional_street_name")]
    city = " ".join(_text(address.get(k)) for k in ("postal_zone", "city_name")).strip()
    lines = [*street, city, _text(address.get("country_subentity")),
             _text(address.get("country_code"))]
    return tuple(line for line in lines if line)


def _party_name(party: Mapping[str, Any]) -> str:
    legal = _mapping(party.get("legal_entity"))
    for value in (party.get("name"), legal.get("registration_name"), party.get("trading_name")):
        if _text(value):
            return _text(value)
    return "(no name)"


def _party(role: str, party: Mapping[str, Any]) -> PartyView:
    details: list[tuple[str, str]] = []
    if _text(party.get("endpoint_id")):
        scheme = _text(party.get("endpoint_scheme_id"))
        details.append(("Electronic address", f"{scheme}:{party['endpoint_id']}".lstrip(":")))
    if _text(party.get("trading_name")) and party.get("trading_name") != party.get("name"):
        details.append(("Trading name", _text(party.get("trading_name"))))
    vat_ids = [_text(t.get("company_id")) for t in _list(party.get("tax_schemes"))
               if isinstance(t, Mapping)]
    vat_ids += [_text(_get(party, "tax_registration", "company_id"))]
    for vat_id in filter(None, vat_ids):
        details.append(("VAT identifier", vat_id))
    if _text(party.get("legal_registration_id")):
        details.append(("Legal registration", _text(party.get("legal_registration_id"))))
    contact = _mapping(party.get("contact"))
    for key, label in (("name", "Contact"), ("email", "E-mail"), ("telephone", "Telephone")):
        if _text(contact.get(key)):
            details.append((label, _text(contact.get(key))))
    return PartyView(role, _party_name(party), _address(party), tuple(details))


def _line(line: Mapping[str, Any]) -> LineView:
    item = _mapping(line.get("item"))
    vat = " ".join(filter(None, (_text(item.get("vat_category_code")),
                                 f"{_text(item.get('vat_rate'))} %" if item.get("vat_rate")
                                 else "")))
    return LineView(
        line_id=_text(line.get("id")), name=_text(item.get("name")),
        description=_text(item.get("description")), quantity=_text(line.get("quantity")),
        unit=_text(line.get("unit_code") or line.get("quantity_unit_code")),
        price=_text(_get(line, "price", "amount")),
        net_amount=_text(line.get("line_extension_amount")), vat=vat,
    )


def _facts(doc: Mapping[str, Any], document_type: str | None) -> tuple[tuple[str, str], ...]:
    candidates = (
        ("Document type", document_type or ""),
        ("Number (BT-1; order BT-13)", _text(doc.get("id"))),
        ("Type code (BT-3)", _text(doc.get("type_code") or doc.get("order_type_code"))),
        ("Issue date (BT-2)", _text(doc.get("issue_date"))),
        ("Due date (BT-9)", _text(doc.get("due_date"))),
        ("Currency (BT-5)", _text(doc.get("currency_code"))),
        ("Buyer reference (BT-10)", _text(doc.get("buyer_reference")
                                          or doc.get("customer_reference"))),
        ("Purchase order (BT-13)", _text(_get(doc, "order_reference", "id"))),
        ("Payment terms (BT-20)", _text(doc.get("payment_terms"))),
        ("Note (BT-22)", _text(doc.get("note"))),
    )
    return tuple((label, value) for label, value in candidates if value)


def _totals(doc: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    totals = _mapping(doc.get("totals"))
    shown = [(label, _text(totals.get(key))) for key, label in TOTALS]
    tax = [_text(t.get("tax_amount")) for t in _list(doc.get("tax_totals"))
           if isinstance(t, Mapping)] or [_text(doc.get("tax_amount"))]
    if tax[0]:
        shown.insert(4, ("Total VAT amount (BT-110)", tax[0]))
    return tuple((label, value) for label, value in shown if value)


def _vat_breakdown(doc: Mapping[str, Any]) -> tuple[tuple[str, str, str, str], ...]:
    rows = []
    for total in _list(doc.get("tax_totals")):
        for part in _list(_mapping(total).get("vat_breakdown")):
            part = _mapping(part)
            rows.append((_text(part.get("vat_category_code")), _text(part.get("vat_rate")),
                         _text(part.get("taxable_amount")), _text(part.get("tax_amount"))))
    return tuple(rows)


def render_document(canonical: Mapping[str, Any], document_type: str | None) -> Rendition:
    """The parts an operator reads first; unknown or missing fields are simply not shown."""
    parties = tuple(_party(label, _mapping(canonical[key])) for key, label in PARTIES
                    if isinstance(canonical.get(key), Mapping))
    lines = tuple(_line(_mapping(line)) for line in _list(canonical.get("lines")))
    return Rendition(number=_text(canonical.get("id")), facts=_facts(canonical, document_type),
                     parties=parties, lines=lines, totals=_totals(canonical),
                     vat_breakdown=_vat_breakdown(canonical))
