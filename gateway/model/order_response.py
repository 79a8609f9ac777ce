"""Canonical Order Response: Peppol BIS Ordering 3, transaction T76 (UBL 2.1 `OrderResponse`).

The seller answers an order as a whole (`response_code`, UNCL 4343 subset: AP accepted,
RE rejected, CA conditionally accepted, AB acknowledged) and, when conditionally accepting,
line by line (`line_status_code`) with changed quantities, prices, delivery periods or a
substituted item. Rules PEPPOL-T76-*, data model terms tir76-*. Every amount is in
`currency_code` (PEPPOL-T76-R005).
"""

from __future__ import annotations

from pydantic import Field

from gateway.documents.registry import CUST_ORDER_RESPONSE
from gateway.model.common import (
    Classification,
    IsoTime,
    ItemProperty,
    PartyIdentifier,
    Period,
    TaxCategory,
    currency_of,
)
from gateway.model.order import PROFILE_ORDERING
from gateway.model.types import Amount, CanonicalModel, IsoDate, Quantity, bt


class ResponseParty(CanonicalModel):
    """cac:SellerSupplierParty/cac:Party or cac:BuyerCustomerParty/cac:Party in T76."""

    endpoint_id: str | None = Field(
        None, description="cbc:EndpointID, electronic address (cf. BT-34 seller, BT-49 buyer)."
    )
    endpoint_scheme_id: str | None = Field(None, description="@schemeID of the endpoint (EAS).")
    identifiers: list[PartyIdentifier] = Field(
        default_factory=list, description="cac:PartyIdentification"
    )
    registration_name: str | None = Field(
        None, description="cac:PartyLegalEntity/cbc:RegistrationName (cf. BT-27, BT-44)."
    )


class ResponsePrice(CanonicalModel):
    """cac:Price of a response line: the price the seller confirms or changes."""

    price_amount: Amount | None = bt("BT-146", "Item net price.", default=None)
    price_amount_currency: str | None = currency_of("price_amount")
    base_quantity: Quantity | None = bt("BT-149", "Item price base quantity.", default=None)
    base_quantity_unit_code: str | None = bt("BT-150", "Base quantity unit of measure.",
                                             default=None)
    base_quantity_unit_code_list_id: str | None = Field(
        None, description="@unitCodeListID of the base quantity."
    )


class ResponseItem(CanonicalModel):
    """cac:Item of a response line: identifies the ordered item."""

    name: str | None = bt("BT-153", "Item name.", default=None)
    buyers_item_id: str | None = bt("BT-156", "Buyer's item identifier.", default=None)
    sellers_item_id: str | None = bt("BT-155", "Seller's item identifier.", default=None)
    standard_item_id: str | None = bt("BT-157", "Standard identifier.", default=None)
    standard_item_scheme_id: str | None = bt("BT-157-1", "Standard identifier scheme (ICD).",
                                             default=None)


class SubstituteItem(CanonicalModel):
    """cac:SellerSubstitutedLineItem/cac:Item: the item offered instead of the ordered one."""

    name: str | None = bt("BT-153", "Item name.", default=None)
    sellers_item_id: str | None = bt("BT-155", "Seller's item identifier.", default=None)
    standard_item_id: str | None = bt("BT-157", "Standard identifier.", default=None)
    standard_item_scheme_id: str | None = bt("BT-157-1", "Standard identifier scheme (ICD).",
                                             default=None)
    classifications: list[Classification] = Field(
        default_factory=list, description="cac:CommodityClassification"
    )
    tax_category: TaxCategory | None = bt(
        "BG-30", "Tax category (BT-151) and rate (BT-152).", default=None
    )
    properties: list[ItemProperty] = bt("BG-32", "Item attributes.", default_factory=list)


class SubstitutedLineItem(CanonicalModel):
    """cac:SellerSubstitutedLineItem."""

    id: str | None = Field(None, description="cbc:ID of the substituted line item.")
    item: SubstituteItem | None = Field(None, description="cac:Item")


class OrderResponseLine(CanonicalModel):
    """cac:OrderLine of an order response."""

    id: str | None = Field(None, description="cac:LineItem/cbc:ID, the response line id.")
    note: str | None = Field(None, description="cac:LineItem/cbc:Note")
    line_status_code: str | None = Field(
        None, description="cac:LineItem/cbc:LineStatusCode, UNCL 1229 subset "
        "(3 changed, 5 accepted, 7 not accepted)."
    )
    quantity: Quantity | None = bt("BT-129", "Confirmed quantity.", default=None)
    quantity_unit_code: str | None = bt("BT-130", "Unit of measure (UN/ECE Rec 20/21).",
                                        default=None)
    quantity_unit_code_list_id: str | None = Field(
        None, description="@unitCodeListID of the quantity."
    )
    maximum_backorder_quantity: Quantity | None = Field(
        None, description="cac:LineItem/cbc:MaximumBackorderQuantity"
    )
    maximum_backorder_quantity_unit_code: str | None = Field(
        None, description="@unitCode of the maximum backorder quantity."
    )
    promised_delivery_period: Period | None = Field(
        None, description="cac:LineItem/cac:Delivery/cac:PromisedDeliveryPeriod"
    )
    price: ResponsePrice | None = bt("BG-29", "Price details.", default=None)
    item: ResponseItem | None = bt("BG-31", "Item information.", default=None)
    substituted_item: SubstitutedLineItem | None = Field(
        None, description="cac:SellerSubstitutedLineItem"
    )
    order_line_id: str | None = bt(
        "BT-132", "The order line answered (cac:OrderLineReference/cbc:LineID).", default=None
    )


class OrderResponse(CanonicalModel):
    """A Peppol BIS Order Response (T76)."""

    customization_id: str | None = bt("BT-24", "Specification identifier.",
                                      default=CUST_ORDER_RESPONSE)
    profile_id: str | None = bt("BT-23", "Business process.", default=PROFILE_ORDERING)
    id: str | None = Field(None, description="cbc:ID, the response identifier.")
    sales_order_id: str | None = bt("BT-14", "Seller's sales order reference.", default=None)
    issue_date: IsoDate | None = bt("BT-2", "Response issue date.", default=None)
    issue_time: IsoTime | None = Field(None, description="cbc:IssueTime")
    response_code: str | None = Field(
        None, description="cbc:OrderResponseCode, UNCL 4343 subset (AP, RE, CA, AB)."
    )
    note: str | None = bt("BT-22", "Response note.", default=None)
    currency_code: str | None = bt("BT-5", "Currency of every amount (ISO 4217).",
                                   default=None)
    currency_code_list_id: str | None = Field(None, description="@listID of the currency code.")
    customer_reference: str | None = bt("BT-10", "Buyer reference from the order.",
                                        default=None)
    order_reference: str | None = bt("BT-13", "The order answered (cac:OrderReference/cbc:ID).",
                                     default=None)
    seller: ResponseParty | None = bt("BG-4", "Seller.", default=None)
    buyer: ResponseParty | None = bt("BG-7", "Buyer.", default=None)
    promised_delivery_period: Period | None = Field(
        None, description="cac:Delivery/cac:PromisedDeliveryPeriod"
    )
    lines: list[OrderResponseLine] = bt("BG-25", "Response lines.", default_factory=list)
