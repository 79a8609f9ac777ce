"""A Peppol BIS Billing 3 Invoice built from an Order (T01) and the seller's answer (T76).

What comes from where:

* the order: purchase order reference (BT-13 = order cbc:ID), buyer reference (BT-10),
  contract and project references (BT-12, BT-11), the buyer (BG-7, the accounting customer
  when the order names one), the delivery (BG-13), payment terms (BT-20), the lines with
  their items, VAT categories, prices, allowances and charges;
* the response (`gateway.ordering.responses.confirmed_lines`): which lines, in which quantity
  and at which price; refused lines are not invoiced; the seller's sales order id (BT-14);
* the seller's own master data (`SellerAccount`): legal name, VAT identifier, address,
  electronic address and bank account. The order says how the buyer knows the seller; the
  invoice states who the seller is;
* `InvoiceTerms`: the invoice number, dates and payment means.

Line net amounts (BT-131), the VAT breakdown (BG-23) and the document totals (BG-22) are not
computed here but by gateway.model.calc, the functions the own rules check with (BR-CO-10 ...
BR-CO-17), so the invoice is consistent by construction. The remittance information (BT-83) is
an ISO 11649 creditor reference ("RF" + MOD 97-10 check digits + the invoice number),
checked with python-stdnum.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from stdnum import iban as stdnum_iban
from stdnum import iso11649
from stdnum.exceptions import ValidationError

from gateway.documents.registry import REGISTRY
from gateway.errors import InputError
from gateway.model import calc
from gateway.model.common import Address
from gateway.model.invoice import (
    Buyer,
    BuyerAddress,
    BuyerContact,
    BuyerIdentifier,
    BuyerTaxScheme,
    Delivery,
    DeliveryAddress,
    DocumentAllowanceCharge,
    Invoice,
    InvoiceLine,
    Item,
    ItemClassification,
    ItemProperty,
    LineAllowanceCharge,
    PayeeAccount,
    PaymentMeans,
    Price,
    PriceDiscount,
    Seller,
    SellerAddress,
    SellerContact,
    SellerIdentifier,
    SellerTaxScheme,
)
from gateway.model.order import AllowanceCharge as OrderAllowanceCharge
from gateway.model.order import CustomerParty, Order, OrderDelivery, OrderLine
from gateway.model.order import DocumentAllowanceCharge as OrderDocumentAllowanceCharge
from gateway.model.order_response import OrderResponse
from gateway.ordering.responses import ConfirmedLine, confirmed_lines
from gateway.remittance.references import make_rf

COMMERCIAL_INVOICE = "380"
"""BT-3, UNTDID 1001."""
CREDIT_TRANSFER = "30"
"""BT-81, UNTDID 4461; 58 is SEPA credit transfer."""
MAX_RF_CORE = 21
"""ISO 11649: at most 21 characters after "RF" and the check digits."""
VAT = "VAT"

DEFAULT_EXEMPTION_CODES: Mapping[str, str] = {
    "AE": "VATEX-EU-AE",   # reverse charge (BR-AE-10)
    "K": "VATEX-EU-IC",    # intra-community supply (BR-IC-10)
    "G": "VATEX-EU-G",     # export outside the EU (BR-G-10)
    "O": "VATEX-EU-O",     # not subject to VAT (BR-O-10)
}
"""VATEX codes for the categories whose exemption reason (BT-120/BT-121) is implied by the
category itself; category E (exempt) has many reasons and needs one from `InvoiceTerms`."""
_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Za-z]")


@dataclass(frozen=True, slots=True)
class SellerAccount:
    """The seller's master data, as its invoices state it (BG-4, BG-17)."""

    name: str
    """BT-27: the legal registration name."""
    vat_id: str
    """BT-31 with its country prefix, e.g. ``SE556677889901``."""
    address: SellerAddress
    endpoint_id: str
    """BT-34: the seller's electronic address (its Peppol participant id value)."""
    endpoint_scheme_id: str
    """BT-34-1: the EAS code, e.g. ``0007``."""
    iban: str
    """BT-84: the account the buyer pays to (checked with python-stdnum)."""
    bic: str | None = None
    """BT-86."""
    account_name: str | None = None
    """BT-85."""
    trading_name: str | None = None
    """BT-28, when it differs from the legal name."""
    legal_registration_id: str | None = None
    """BT-30, e.g. the organisation number."""
    legal_registration_id_scheme_id: str | None = None
    identifiers: tuple[SellerIdentifier, ...] = ()
    """BT-29."""
    additional_legal_information: str | None = None
    """BT-33, e.g. the registered office."""
    contact: SellerContact | None = None
    """BG-6."""

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "iban", stdnum_iban.validate(self.iban))
        except ValidationError as exc:
            raise InputError(f"the seller's IBAN (BT-84) {self.iban!r} is not valid: {exc}",
                             code="invalid-iban") from None


@dataclass(frozen=True, slots=True)
class InvoiceTerms:
    """What the invoice itself says: number, dates, payment."""

    invoice_id: str
    """BT-1; also the core of the creditor reference (BT-83)."""
    issue_date: date
    """BT-2."""
    payment_days: int = 30
    """The due date (BT-9) is the issue date plus this many days."""
    delivery_date: date | None = None
    """BT-72: the actual delivery date."""
    note: str | None = None
    """BT-22."""
    payment_means_code: str = CREDIT_TRANSFER
    vat_exemption_reasons: Mapping[str, str] = field(default_factory=dict)
    """VAT category code -> exemption reason text (BT-120), needed for category E."""


def creditor_reference(invoice_id: str) -> str:
    """The ISO 11649 structured creditor reference of an invoice number (BT-83).

    The core is the invoice number without separators, upper case; ISO 11649 allows at most
    21 characters. The check digits are ISO 7064 MOD 97-10, and the result is checked with
    python-stdnum's `stdnum.iso11649` (the receiver's bank checks it the same way).
    """
    core = _NOT_ALPHANUMERIC.sub("", invoice_id).upper()
    if not core or len(core) > MAX_RF_CORE:
        raise InputError(
            f"invoice number {invoice_id!r} cannot be a creditor reference: ISO 11649 takes "
            f"1-{MAX_RF_CORE} letters and digits, it has {len(core)}"
        )
    reference = make_rf(core)
    return str(iso11649.validate(reference))


def invoice_from_order(
    order: Order,
    seller: SellerAccount,
    terms: InvoiceTerms,
    *,
    response: OrderResponse | None = None,
) -> Invoice:
    """The complete invoice for what `response` confirmed of `order` (all of it without a
    response). InputError names the business term when the order lacks what an invoice
    needs (currency, item names, VAT categories, prices)."""
    _check_addressed_to(order, seller)
    if not order.currency_code:
        raise InputError(f"order {order.id} has no currency (BT-5): the invoice cannot state "
                         "its amounts")
    lines = confirmed_lines(order, response)
    if not lines:
        raise InputError(f"nothing of order {order.id} was confirmed: no line to invoice")
    billing = REGISTRY.get("invoice")
    reference = creditor_reference(terms.invoice_id)
    invoice = Invoice(
        customization_id=billing.customization_id,
        profile_id=billing.profile_id,
        id=terms.invoice_id,
        issue_date=terms.issue_date,
        due_date=terms.issue_date + timedelta(days=terms.payment_days),
        type_code=COMMERCIAL_INVOICE,
        notes=[terms.note] if terms.note else [],
        currency_code=order.currency_code,
        accounting_cost=order.accounting_cost,
        buyer_reference=order.customer_reference,
        purchase_order_reference=order.id,
        sales_order_reference=(response.sales_order_id if response else None)
        or order.sales_order_id,
        contract_reference=order.contract_reference,
        project_reference=order.project_reference,
        seller=_seller(seller),
        buyer=_buyer(order.accounting_customer or order.buyer, order),
        delivery=_delivery(order.delivery, terms.delivery_date),
        payment_means=[PaymentMeans(
            code=terms.payment_means_code, payment_id=reference,
            payee_account=PayeeAccount(id=seller.iban, name=seller.account_name,
                                       service_provider_id=seller.bic),
        )],
        payment_terms=order.payment_terms or _payment_terms(terms, reference),
        allowance_charges=[_document_allowance_charge(ac, order) for ac in
                           order.allowance_charges],
        lines=[_invoice_line(confirmed, order) for confirmed in lines],
    )
    calc.complete(invoice, copy=False)
    _add_exemption_reasons(invoice, terms)
    return invoice


# --- parties ------------------------------------------------------------------------------


def _check_addressed_to(order: Order, seller: SellerAccount) -> None:
    ordered_from = order.seller
    if ordered_from is None or not ordered_from.endpoint_id:
        return
    same = (ordered_from.endpoint_id.casefold() == seller.endpoint_id.casefold()
            and (ordered_from.endpoint_scheme_id or seller.endpoint_scheme_id)
            == seller.endpoint_scheme_id)
    if not same:
        raise InputError(
            f"order {order.id} is addressed to seller {ordered_from.endpoint_scheme_id}:"
            f"{ordered_from.endpoint_id} (BT-34), not to {seller.endpoint_scheme_id}:"
            f"{seller.endpoint_id}"
        )


def _seller(account: SellerAccount) -> Seller:
    return Seller(
        endpoint_id=account.endpoint_id,
        endpoint_scheme_id=account.endpoint_scheme_id,
        identifiers=list(account.identifiers),
        trading_name=account.trading_name,
        address=account.address,
        tax_schemes=[SellerTaxScheme(company_id=account.vat_id, tax_scheme_id=VAT)],
        name=account.name,
        legal_registration_id=account.legal_registration_id,
        legal_registration_id_scheme_id=account.legal_registration_id_scheme_id,
        additional_legal_information=account.additional_legal_information,
        contact=account.contact,
    )


def _buyer(party: CustomerParty | None, order: Order) -> Buyer:
    if party is None:
        raise InputError(f"order {order.id} names no buyer (BG-7): nobody to invoice")
    legal = party.legal_entity
    name = (legal.registration_name if legal else None) or party.name
    if not name:
        raise InputError(f"order {order.id}: the buyer has no name (BT-44)")
    tax = party.tax_registration
    contact = party.contact
    return Buyer(
        endpoint_id=party.endpoint_id,
        endpoint_scheme_id=party.endpoint_scheme_id,
        identifiers=[BuyerIdentifier(id=i.id, scheme_id=i.scheme_id) for i in party.identifiers],
        trading_name=party.name if party.name and party.name != name else None,
        address=_buyer_address(party.postal_address),
        tax_schemes=[BuyerTaxScheme(company_id=tax.company_id, tax_scheme_id=VAT)]
        if tax is not None and tax.company_id else [],
        name=name,
        legal_registration_id=legal.company_id if legal else None,
        legal_registration_id_scheme_id=legal.company_scheme_id if legal else None,
        contact=BuyerContact(name=contact.name, telephone=contact.telephone,
                             email=contact.electronic_mail) if contact else None,
    )


def _buyer_address(address: Address | None) -> BuyerAddress | None:
    if address is None:
        return None
    return BuyerAddress(street_name=address.street_name,
                        additional_street_name=address.additional_street_name,
                        city_name=address.city_name, postal_zone=address.postal_zone,
                        country_subentity=address.country_subentity,
                        address_line=address.address_line, country_code=address.country_code)


def _delivery(delivery: OrderDelivery | None, delivered_on: date | None) -> Delivery | None:
    if delivery is None:
        return Delivery(actual_delivery_date=delivered_on) if delivered_on else None
    location = delivery.location
    address = location.address if location else None
    return Delivery(
        actual_delivery_date=delivered_on,
        location_id=location.id if location else None,
        location_id_scheme_id=location.id_scheme_id if location else None,
        address=DeliveryAddress(
            street_name=address.street_name, additional_street_name=address.additional_street_name,
            city_name=address.city_name, postal_zone=address.postal_zone,
            country_subentity=address.country_subentity, address_line=address.address_line,
            country_code=address.country_code,
        ) if address else None,
        party_name=delivery.party.name if delivery.party else None,
    )


def _payment_terms(terms: InvoiceTerms, reference: str) -> str:
    return (f"Payment within {terms.payment_days} days net; please quote the reference "
            f"{iso11649.format(reference)}")


# --- lines, allowances, VAT -------------------------------------------------------------


def _invoice_line(confirmed: ConfirmedLine, order: Order) -> InvoiceLine:
    line = confirmed.order_line
    item = line.item
    if item is None or not item.name:
        raise InputError(f"order {order.id} line {line.id}: the item has no name (BT-153)")
    category = item.tax_category
    if category is None or not category.code:
        raise InputError(f"order {order.id} line {line.id}: the item has no VAT category "
                         "(cac:ClassifiedTaxCategory, BT-151)")
    if confirmed.price is None:
        raise InputError(f"order {order.id} line {line.id}: no agreed net price (BT-146) in "
                         "the order or the response")
    return InvoiceLine(
        id=line.id,
        note=line.note,
        quantity=confirmed.quantity,
        unit_code=line.quantity_unit_code,
        accounting_cost=line.accounting_cost,
        order_line_reference=line.id,
        allowance_charges=[_line_allowance_charge(ac, confirmed) for ac in
                           line.allowance_charges],
        item=Item(
            description=item.description, name=item.name,
            buyers_item_id=item.buyers_item_id, sellers_item_id=item.sellers_item_id,
            standard_item_id=item.standard_item_id,
            standard_item_id_scheme_id=item.standard_item_scheme_id,
            classifications=[ItemClassification(code=c.code, list_id=c.list_id,
                                                list_version_id=c.list_version_id)
                             for c in item.classifications],
            vat_category_code=category.code, vat_rate=category.percent,
            properties=[ItemProperty(name=p.name, value=p.value) for p in item.properties
                        if p.name and p.value],
        ),
        price=_price(line, confirmed),
    )


def _price(line: OrderLine, confirmed: ConfirmedLine) -> Price:
    ordered = line.price
    discount = ordered.allowance_charge if ordered else None
    keep_discount = (discount is not None and ordered is not None
                     and confirmed.price == ordered.price_amount)
    return Price(
        amount=confirmed.price,
        base_quantity=ordered.base_quantity if ordered else None,
        base_quantity_unit_code=ordered.base_quantity_unit_code if ordered else None,
        discount=PriceDiscount(charge_indicator=False, amount=discount.amount,
                               base_amount=discount.base_amount)
        if keep_discount and discount is not None else None,
    )


def _line_allowance_charge(item: OrderAllowanceCharge, confirmed: ConfirmedLine
                           ) -> LineAllowanceCharge:
    """A percentage allowance or charge follows a changed quantity or price: its base becomes
    the new gross line amount and its amount is derived again (BT-136 = BT-137 x BT-138)."""
    base, amount = item.base_amount, item.amount
    if confirmed.changed and item.multiplier_factor is not None:
        base = calc.round_amount(confirmed.quantity * _unit_price(confirmed))
        amount = None
    return LineAllowanceCharge(
        charge_indicator=item.charge_indicator, reason_code=item.reason_code,
        reason=item.reason, multiplier_factor=item.multiplier_factor, amount=amount,
        base_amount=base,
    )


def _unit_price(confirmed: ConfirmedLine) -> Decimal:
    price = confirmed.order_line.price
    base = price.base_quantity if price and price.base_quantity else Decimal(1)
    return (confirmed.price or calc.ZERO) / base


def _document_allowance_charge(item: OrderDocumentAllowanceCharge, order: Order
                               ) -> DocumentAllowanceCharge:
    category = item.tax_category
    if category is None or not category.code:
        raise InputError(f"order {order.id}: a document level allowance or charge has no VAT "
                         "category (BT-95/BT-102)")
    return DocumentAllowanceCharge(
        charge_indicator=item.charge_indicator, reason_code=item.reason_code,
        reason=item.reason, multiplier_factor=item.multiplier_factor, amount=item.amount,
        base_amount=item.base_amount, vat_category_code=category.code,
        vat_rate=category.percent,
    )


def _add_exemption_reasons(invoice: Invoice, terms: InvoiceTerms) -> None:
    """BT-120/BT-121 for every breakdown whose category needs one (BR-E-10, BR-AE-10, ...)."""
    for total in invoice.tax_totals:
        for breakdown in total.vat_breakdown:
            code = breakdown.vat_category_code or ""
            if code in terms.vat_exemption_reasons:
                breakdown.exemption_reason = terms.vat_exemption_reasons[code]
            elif code in DEFAULT_EXEMPTION_CODES:
                breakdown.exemption_reason_code = DEFAULT_EXEMPTION_CODES[code]
            elif code == "E":
                raise InputError("VAT category E (exempt) needs an exemption reason (BT-120, "
                                 "BR-E-10): pass it in InvoiceTerms.vat_exemption_reasons")
