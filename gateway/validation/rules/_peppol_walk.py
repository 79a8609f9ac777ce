"""Where the Peppol and code-list rules find things in the canonical Invoice / Credit Note.

The official rules select UBL elements (`cbc:EndpointID[@schemeID]`, every `cbc:Amount`, ...);
these functions list the model fields bound to those elements (mappings/invoice.yaml), each
with the JSON path of the value the user wrote. Walks are plain attribute access, cached per
run with `RuleContext.memo`, so a dozen rules share one pass. Also here: the shape of the
mapping that tells which values render as empty elements (PEPPOL-EN16931-R008), and the
country variables of the national rules (`$supplierCountry`, `$customerCountry`).

Where the binding implies a value (cac:TaxScheme/cbc:ID 'VAT', @currencyID = BT-5, the line
object identifier's type code 130), the model cannot tell an absent XML value from the implied
one; these helpers read the implied value, which is what the gateway writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from gateway.documents.registry import REGISTRY
from gateway.mapping import load_mapping
from gateway.mapping.spec import Entry
from gateway.model.invoice import BillingDocument, CreditNote
from gateway.validation.rules._peppol_helpers import normalize_space
from gateway.validation.rules.registry import Path, RuleContext

# --- amounts ------------------------------------------------------------------------------

ROLE_OTHER = "other"
ROLE_TAX_TOTAL = "tax-total"  # cac:TaxTotal[cac:TaxSubtotal]/cbc:TaxAmount (BT-110)
ROLE_TAX_TOTAL_ACCOUNTING = "tax-total-accounting"  # TaxTotal without subtotal (BT-111)
ROLE_SUBTOTAL_TAX = "subtotal-tax"  # cac:TaxSubtotal/cbc:TaxAmount (BT-117)


@dataclass(frozen=True, slots=True)
class AmountRef:
    """One UBL amount element: its value and its @currencyID.

    `currency` is the @currencyID as written when it differs from the document currency
    (BT-5); None means the document currency, or no attribute when BT-5 itself is absent.
    """

    path: Path
    value: Decimal | None
    currency: str | None
    role: str = ROLE_OTHER

    @property
    def currency_path(self) -> Path:
        return (*self.path[:-1], f"{self.path[-1]}_currency")

    @property
    def pointer_path(self) -> Path:
        """The field to report: the currency when one was written, else the amount."""
        return self.currency_path if self.currency is not None else self.path


_TOTAL_FIELDS = (
    "line_extension_amount", "tax_exclusive_amount", "tax_inclusive_amount",
    "allowance_total_amount", "charge_total_amount", "prepaid_amount",
    "payable_rounding_amount", "payable_amount",
)


# The model field holding an amount's @currencyID, spelt once (the walk is hot).
_CURRENCY_FIELD = {name: f"{name}_currency" for name in (
    *_TOTAL_FIELDS, "amount", "base_amount", "tax_amount", "taxable_amount")}


def _amount(owner: Any, base: Path, name: str, role: str = ROLE_OTHER,
            explicit: bool = False) -> AmountRef | None:
    """The amount `name` of `owner`, None when absent (or, `explicit`, without @currencyID)."""
    currency = getattr(owner, _CURRENCY_FIELD.get(name) or f"{name}_currency")
    if currency is None and (explicit or getattr(owner, name) is None):
        return None
    return AmountRef((*base, name), getattr(owner, name), currency, role)


def _allowance_amounts(charges: list[Any], base: Path, explicit: bool
                       ) -> Iterator[AmountRef | None]:
    for index, charge in enumerate(charges):
        here = (*base, index)
        yield _amount(charge, here, "amount", explicit=explicit)
        yield _amount(charge, here, "base_amount", explicit=explicit)


def _no_currency_of_its_own(line: Any, price: Any) -> bool:
    """The line's amounts all carry BT-5: the common case, tested without walking them."""
    return (line.line_extension_amount_currency is None and not line.allowance_charges
            and (price is None or (price.amount_currency is None and price.discount is None)))


def _line_amounts(doc: BillingDocument, explicit: bool) -> Iterator[AmountRef | None]:
    for index, line in enumerate(doc.lines):
        price = line.price
        if explicit and _no_currency_of_its_own(line, price):
            continue
        here: Path = ("lines", index)
        yield _amount(line, here, "line_extension_amount", explicit=explicit)
        if line.allowance_charges:
            yield from _allowance_amounts(line.allowance_charges,
                                          (*here, "allowance_charges"), explicit)
        if price is not None:
            yield _amount(price, (*here, "price"), "amount", explicit=explicit)
            if price.discount is not None:
                discount: Path = (*here, "price", "discount")
                yield _amount(price.discount, discount, "amount", explicit=explicit)
                yield _amount(price.discount, discount, "base_amount", explicit=explicit)


def _tax_amounts(doc: BillingDocument, explicit: bool) -> Iterator[AmountRef | None]:
    for index, total in enumerate(doc.tax_totals):
        here: Path = ("tax_totals", index)
        role = ROLE_TAX_TOTAL if total.vat_breakdown else ROLE_TAX_TOTAL_ACCOUNTING
        yield _amount(total, here, "tax_amount", role, explicit)
        for sub_index, subtotal in enumerate(total.vat_breakdown):
            sub: Path = (*here, "vat_breakdown", sub_index)
            yield _amount(subtotal, sub, "taxable_amount", explicit=explicit)
            yield _amount(subtotal, sub, "tax_amount", ROLE_SUBTOTAL_TAX, explicit)


def _walk_amounts(doc: BillingDocument, explicit: bool) -> Iterator[AmountRef | None]:
    yield from _allowance_amounts(doc.allowance_charges, ("allowance_charges",), explicit)
    yield from _tax_amounts(doc, explicit)
    if doc.totals is not None:
        for name in _TOTAL_FIELDS:
            yield _amount(doc.totals, ("totals",), name, explicit=explicit)
    yield from _line_amounts(doc, explicit)


def amounts(ctx: RuleContext[Any]) -> tuple[AmountRef, ...]:
    """Every amount element of the document (cached per run)."""
    found: tuple[AmountRef, ...] = ctx.memo(
        "peppol.amounts",
        lambda: tuple(a for a in _walk_amounts(ctx.model, False) if a is not None),
    )
    return found


def amounts_with_currency(ctx: RuleContext[Any]) -> tuple[AmountRef, ...]:
    """The amount elements whose @currencyID differs from BT-5, in document order (cached).

    The others carry BT-5 itself (`effective_currency`), so a rule on currencies that is
    satisfied by BT-5 only needs these; far fewer than `amounts` on a long invoice.
    """
    found: tuple[AmountRef, ...] = ctx.memo(
        "peppol.amounts-with-currency",
        lambda: tuple(a for a in _walk_amounts(ctx.model, True) if a is not None),
    )
    return found


def amounts_to_check(ctx: RuleContext[Any], fine: bool) -> tuple[AmountRef, ...]:
    """The amounts a currency rule must look at: `fine` says BT-5 itself passes the rule, so
    the amounts that carry it cannot fire and only `amounts_with_currency` are needed."""
    return amounts_with_currency(ctx) if fine else amounts(ctx)


def effective_currency(ref: AmountRef, doc: BillingDocument) -> str | None:
    """The @currencyID the element carries (None: no attribute)."""
    return ref.currency if ref.currency is not None else doc.currency_code


def allowance_charges(doc: BillingDocument) -> Iterator[tuple[Path, Any]]:
    """Document level (BG-20/21) then line level (BG-27/28) allowances and charges."""
    for index, charge in enumerate(doc.allowance_charges):
        yield ("allowance_charges", index), charge
    for line_index, line in enumerate(doc.lines):
        for index, line_charge in enumerate(line.allowance_charges):
            yield ("lines", line_index, "allowance_charges", index), line_charge


def allowance_charges_in(ctx: RuleContext[Any]) -> tuple[tuple[Path, Any], ...]:
    """`allowance_charges` of the document, listed once per run (many rules walk them)."""
    found: tuple[tuple[Path, Any], ...] = ctx.memo(
        "peppol.allowance-charges", lambda: tuple(allowance_charges(ctx.model)))
    return found


# --- identifiers with a scheme (EndpointID, PartyIdentification/ID, CompanyID) ------------

KIND_ENDPOINT = "endpoint"  # cbc:EndpointID
KIND_PARTY_ID = "party"  # cac:PartyIdentification/cbc:ID
KIND_COMPANY_ID = "company"  # cac:PartyLegalEntity/cbc:CompanyID


@dataclass(frozen=True, slots=True)
class IdentifierRef:
    path: Path
    scheme_path: Path
    value: str
    scheme: str | None
    kind: str


def _party_ids(party: Any, base: Path, endpoint: bool) -> Iterator[IdentifierRef]:
    if endpoint and (party.endpoint_id is not None or party.endpoint_scheme_id is not None):
        yield IdentifierRef((*base, "endpoint_id"), (*base, "endpoint_scheme_id"),
                            party.endpoint_id or "", party.endpoint_scheme_id, KIND_ENDPOINT)
    for index, ident in enumerate(party.identifiers):
        here = (*base, "identifiers", index)
        yield IdentifierRef((*here, "id"), (*here, "scheme_id"), ident.id or "",
                            ident.scheme_id, KIND_PARTY_ID)
    legal_id = party.legal_registration_id
    legal_scheme = party.legal_registration_id_scheme_id
    if legal_id is not None or legal_scheme is not None:
        yield IdentifierRef((*base, "legal_registration_id"),
                            (*base, "legal_registration_id_scheme_id"), legal_id or "",
                            legal_scheme, KIND_COMPANY_ID)


def _walk_identifiers(doc: BillingDocument) -> Iterator[IdentifierRef]:
    if doc.seller is not None:
        yield from _party_ids(doc.seller, ("seller",), endpoint=True)
    if doc.buyer is not None:
        yield from _party_ids(doc.buyer, ("buyer",), endpoint=True)
    if doc.payee is not None:
        yield from _party_ids(doc.payee, ("payee",), endpoint=False)


def identifiers(ctx: RuleContext[Any]) -> tuple[IdentifierRef, ...]:
    """Every party identifier element that can carry a @schemeID (cached per run)."""
    found: tuple[IdentifierRef, ...] = ctx.memo(
        "peppol.identifiers", lambda: tuple(_walk_identifiers(ctx.model))
    )
    return found


# --- countries ----------------------------------------------------------------------------


def _address_country(party: Any) -> str:
    address = getattr(party, "address", None) if party is not None else None
    return normalize_space(address.country_code if address is not None else None).upper()


def seller_country(doc: BillingDocument) -> str:
    """upper-case(normalize-space(seller cac:PostalAddress/cac:Country/cbc:IdentificationCode))."""
    return _address_country(doc.seller)


def buyer_country(doc: BillingDocument) -> str:
    return _address_country(doc.buyer)


def both_german(ctx: RuleContext[Any]) -> bool:
    """`$supplierCountryIsDE and $customerCountryIsDE` of the Peppol rules."""
    result: bool = ctx.memo(
        "peppol.both-de",
        lambda: seller_country(ctx.model) == "DE" and buyer_country(ctx.model) == "DE",
    )
    return result


def is_credit_note(doc: Any) -> bool:
    return isinstance(doc, CreditNote)


# --- empty elements (for PEPPOL-EN16931-R008) ----------------------------------------------

_TEXT_CODECS = frozenset({"text", "code", "binary"})
_XML_WHITESPACE = " \t\n\r"


_TEXT = "text"


@dataclass(frozen=True, slots=True)
class GroupShape:
    """The fields of one mapping group, as R008 needs them.

    `kinds` maps a key bound to element text to `_TEXT` (an empty string renders an empty
    element) and a nested group's key to its shape; other value keys are absent. `attributes`
    pairs an attribute key with the key of its element's value (an attribute without that value
    renders an empty element); `always_filled` says the group writes an implied literal element
    (e.g. cac:TaxScheme/cbc:ID 'VAT') even when the model leaves everything out.
    """

    kinds: dict[str, Any]
    attributes: tuple[tuple[str, str], ...]
    always_filled: bool


def _attribute_pairs(entries: tuple[Entry, ...]) -> tuple[tuple[str, str], ...]:
    by_element = {e.xpath.elements: e.json for e in entries
                  if e.fields is None and e.xpath.attribute is None and e.xpath.elements}
    return tuple((e.json, by_element[e.xpath.elements]) for e in entries
                 if e.fields is None and e.xpath.attribute is not None
                 and e.xpath.elements in by_element)


def _shape(entries: tuple[Entry, ...]) -> GroupShape:
    kinds: dict[str, Any] = {}
    always_filled = False
    for entry in entries:
        if entry.fields is not None:
            kinds[entry.json] = _shape(entry.fields)
            continue
        element = entry.xpath.attribute is None
        if element and entry.implied is not None and entry.implied.literal is not None:
            always_filled = True
        if element and entry.codec is not None and entry.codec.name in _TEXT_CODECS:
            kinds[entry.json] = _TEXT
    return GroupShape(kinds, _attribute_pairs(entries), always_filled)


@cache
def document_shape(doc_type: str) -> GroupShape:
    """The shape of the type's mapping, for finding empty elements in its model."""
    mapping = load_mapping(REGISTRY.get(doc_type).mapping)
    return _shape(mapping.spec.fields)


def empty_elements(model: Any, shape: GroupShape) -> list[Path]:
    """Paths of values that render as empty elements: whitespace-only text, and groups
    (objects) present with nothing to write inside them."""
    found: list[Path] = []
    _collect_empty(model, shape, (), found)
    return found


def _collect_empty(model: Any, shape: GroupShape, base: Path, found: list[Path]) -> bool:
    """Collect empty elements below `model`; return whether the group itself has content.

    Only the fields the model was given are visited (pydantic's fields-set): the others hold
    their defaults, None or an empty list, which render nothing.
    """
    filled = shape.always_filled
    values = model.__dict__
    kinds = shape.kinds
    for key in model.__pydantic_fields_set__:
        value = values[key]
        # Class checks, not `== []`: comparing a Decimal with a list is slow.
        if value is None or (value.__class__ is list and not value):
            continue
        kind = kinds.get(key)
        if kind is None:
            filled = True
        elif kind is _TEXT:
            filled = True
            if value.__class__ is list:
                found.extend((*base, key, i) for i, v in enumerate(value)
                             if not v.strip(_XML_WHITESPACE))
            elif not value.strip(_XML_WHITESPACE):
                found.append((*base, key))
        else:
            filled = True
            if value.__class__ is list:
                for index, item in enumerate(value):
                    if not _collect_empty(item, kind, (*base, key, index), found):
                        found.append((*base, key, index))
            elif not _collect_empty(value, kind, (*base, key), found):
                found.append((*base, key))
    for attribute, element in shape.attributes:
        if values.get(attribute) is not None and values.get(element) is None:
            found.append((*base, element))
    return filled


# --- national rules: the Peppol Schematron's country variables ------------------------------


def is_vat_scheme(scheme: Any, *, normalized: bool = False) -> bool:
    """`cac:TaxScheme/cbc:ID = 'VAT'` (or with normalize-space); absent is the implied VAT."""
    value = scheme.tax_scheme_id
    if value is None:
        return True
    return (normalize_space(value) if normalized else value) == "VAT"


def vat_company_id(party: Any, *, normalized: bool = False) -> str | None:
    """The CompanyID of the party's first VAT cac:PartyTaxScheme, if any."""
    if party is None:
        return None
    for scheme in party.tax_schemes:
        if is_vat_scheme(scheme, normalized=normalized):
            return str(scheme.company_id) if scheme.company_id is not None else ""
    return None


def _vat_prefix(party: Any) -> str:
    return (vat_company_id(party) or "")[:2]


def _country_element(party: Any) -> str | None:
    address = getattr(party, "address", None) if party is not None else None
    return address.country_code if address is not None else None


def supplier_country(doc: BillingDocument, *, via_tax_representative: bool = True) -> str:
    """`$supplierCountry` (or `$accountingSupplierCountry` without the tax representative):
    the seller's VAT number prefix, else the tax representative's, else the seller's country
    code, else 'XX'."""
    for party in (doc.seller, doc.tax_representative if via_tax_representative else None):
        prefix = _vat_prefix(party)
        if prefix:
            return normalize_space(prefix).upper()
    country = _country_element(doc.seller)
    return normalize_space(country).upper() if country is not None else "XX"


def customer_country(doc: BillingDocument) -> str:
    """`$customerCountry`: the buyer's VAT number prefix, else its country code, else 'XX'."""
    prefix = _vat_prefix(doc.buyer)
    if prefix:
        return normalize_space(prefix).upper()
    country = _country_element(doc.buyer)
    return normalize_space(country).upper() if country is not None else "XX"


def raw_country(party: Any) -> str:
    """The party's country code as written ('' when absent), as `concat(...)` yields it."""
    return _country_element(party) or ""
