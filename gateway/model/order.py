"""Canonical Order: Peppol BIS Ordering 3, transaction T01 (UBL 2.1 `Order`).

Fields follow the T01 syntax binding (rules PEPPOL-T01-*, data model terms tir01-*); where the
value is the one an EN 16931 invoice carries later, the field is annotated with that business
term (for instance the order's `customer_reference` becomes the invoice's BT-10).
Every amount is in `currency_code` (PEPPOL-T01-R003).
"""

from __future__ import annotations

from pydantic import Field

from gateway.documents.registry import CUST_ORDER
from gateway.model.common import (
    Address,
    AttachedDocument,
    Classification,
    Contact,
    IdentifiedItemProperty,
    IsoTime,
    LegalEntity,
    PartyIdentifier,
    Period,
    TaxCategory,
    TaxRegistration,
    currency_of,
)
from gateway.model.types import Amount, CanonicalModel, IsoDate, Percent, Quantity, bt

PROFILE_ORDERING = "urn:fdc:peppol.eu:poacc:bis:ordering:3"


class CustomerParty(CanonicalModel):
    """The buyer (cac:BuyerCustomerParty) or the invoicee (cac:AccountingCustomerParty);
    the terms cited are the buyer's (BG-7)."""

    endpoint_id: str | None = bt("BT-49", "Electronic address (cbc:EndpointID).", default=None)
    endpoint_scheme_id: str | None = bt("BT-49-1", "Electronic address scheme (EAS).",
                                        default=None)
    identifiers: list[PartyIdentifier] = bt(
        "BT-46", "Party identifiers (cac:PartyIdentification).", default_factory=list
    )
    name: str | None = bt("BT-45", "Trading name (cac:PartyName/cbc:Name).", default=None)
    postal_address: Address | None = bt("BG-8", "Postal address.", default=None)
    tax_registration: TaxRegistration | None = bt(
        "BT-48", "VAT identifier (cac:PartyTaxScheme).", default=None
    )
    legal_entity: LegalEntity | None = bt(
        "BT-44", "Legal name (BT-44), registration id (BT-47) and address.", default=None
    )
    contact: Contact | None = bt("BG-9", "Contact.", default=None)


class SellerParty(CanonicalModel):
    """The seller (cac:SellerSupplierParty, BG-4)."""

    endpoint_id: str | None = bt("BT-34", "Electronic address (cbc:EndpointID).", default=None)
    endpoint_scheme_id: str | None = bt("BT-34-1", "Electronic address scheme (EAS).",
                                        default=None)
    identifiers: list[PartyIdentifier] = bt(
        "BT-29", "Party identifiers (cac:PartyIdentification).", default_factory=list
    )
    name: str | None = bt("BT-28", "Trading name (cac:PartyName/cbc:Name).", default=None)
    postal_address: Address | None = bt("BG-5", "Postal address.", default=None)
    legal_entity: LegalEntity | None = bt(
        "BT-27", "Legal name (BT-27), registration id (BT-30) and address.", default=None
    )
    contact: Contact | None = bt("BG-6", "Contact.", default=None)


class OriginatorParty(CanonicalModel):
    """cac:OriginatorCustomerParty: who raised the need (PEPPOL-T01-R014: name or id)."""

    identifiers: list[PartyIdentifier] = Field(
        default_factory=list, description="cac:PartyIdentification"
    )
    name: str | None = Field(None, description="cac:PartyName/cbc:Name")
    contact: Contact | None = Field(None, description="cac:Contact")


class DeliveryParty(CanonicalModel):
    """cac:Delivery/cac:DeliveryParty: the party goods are delivered to."""

    identifiers: list[PartyIdentifier] = Field(
        default_factory=list, description="cac:PartyIdentification"
    )
    name: str | None = bt("BT-70", "Deliver to party name (cac:PartyName/cbc:Name).",
                          default=None)
    postal_address: Address | None = Field(None, description="cac:PostalAddress")
    contact: Contact | None = Field(None, description="cac:Contact")


class DeliveryLocation(CanonicalModel):
    """cac:Delivery/cac:DeliveryLocation."""

    id: str | None = bt("BT-71", "Deliver to location identifier (cbc:ID).", default=None)
    id_scheme_id: str | None = bt("BT-71-1", "Location identifier scheme (ICD).",
                                  default=None)
    name: str | None = Field(None, description="cbc:Name of the location.")
    address: Address | None = bt("BG-15", "Deliver to address.", default=None)


class OrderDelivery(CanonicalModel):
    """cac:Delivery at document level (cf. BG-13 delivery information)."""

    location: DeliveryLocation | None = Field(None, description="cac:DeliveryLocation")
    requested_period: Period | None = Field(None, description="cac:RequestedDeliveryPeriod")
    party: DeliveryParty | None = Field(None, description="cac:DeliveryParty")
    requested_despatch_date: IsoDate | None = Field(
        None, description="cac:Despatch/cbc:RequestedDespatchDate"
    )
    requested_despatch_time: IsoTime | None = Field(
        None, description="cac:Despatch/cbc:RequestedDespatchTime"
    )
    shipment_id: str | None = Field(None, description="cac:Shipment/cbc:ID")
    shipping_priority_level_code: str | None = Field(
        None, description="cac:Shipment/cbc:ShippingPriorityLevelCode"
    )
    shipping_marks: str | None = Field(
        None, description="cac:Shipment/cac:TransportHandlingUnit/cbc:ShippingMarks"
    )


class DeliveryTerms(CanonicalModel):
    """cac:DeliveryTerms, e.g. an Incoterms code."""

    id: str | None = Field(None, description="cbc:ID, delivery terms code.")
    id_scheme_id: str | None = Field(None, description="@schemeID, e.g. INCOTERMS.")
    special_terms: str | None = Field(None, description="cbc:SpecialTerms")
    location_id: str | None = Field(None, description="cac:DeliveryLocation/cbc:ID")


class AllowanceCharge(CanonicalModel):
    """cac:AllowanceCharge on an order line (cf. BG-27 allowance, BG-28 charge)."""

    charge_indicator: bool | None = Field(
        None, description="cbc:ChargeIndicator: true for a charge, false for an allowance."
    )
    reason_code: str | None = Field(
        None, description="cbc:AllowanceChargeReasonCode, UNCL 5189 / UNCL 7161 "
        "(PEPPOL-T01-CL001, CL002)."
    )
    reason: str | None = Field(None, description="cbc:AllowanceChargeReason")
    multiplier_factor: Percent | None = Field(
        None, description="cbc:MultiplierFactorNumeric, a percentage (PEPPOL-T01-R022)."
    )
    amount: Amount | None = Field(None, description="cbc:Amount")
    amount_currency: str | None = currency_of("amount")
    base_amount: Amount | None = Field(None, description="cbc:BaseAmount")
    base_amount_currency: str | None = currency_of("base_amount")


class DocumentAllowanceCharge(AllowanceCharge):
    """cac:AllowanceCharge at document level (cf. BG-20 allowance, BG-21 charge)."""

    tax_category: TaxCategory | None = Field(None, description="cac:TaxCategory")


class MonetaryTotal(CanonicalModel):
    """cac:AnticipatedMonetaryTotal (cf. BG-22 document totals)."""

    line_extension_amount: Amount | None = bt("BT-106", "Sum of line net amounts.",
                                              default=None)
    line_extension_amount_currency: str | None = currency_of("line_extension_amount")
    tax_exclusive_amount: Amount | None = bt("BT-109", "Total without tax.", default=None)
    tax_exclusive_amount_currency: str | None = currency_of("tax_exclusive_amount")
    tax_inclusive_amount: Amount | None = bt("BT-112", "Total with tax.", default=None)
    tax_inclusive_amount_currency: str | None = currency_of("tax_inclusive_amount")
    allowance_total_amount: Amount | None = bt("BT-107", "Sum of allowances.", default=None)
    allowance_total_amount_currency: str | None = currency_of("allowance_total_amount")
    charge_total_amount: Amount | None = bt("BT-108", "Sum of charges.", default=None)
    charge_total_amount_currency: str | None = currency_of("charge_total_amount")
    prepaid_amount: Amount | None = bt("BT-113", "Paid amount.", default=None)
    prepaid_amount_currency: str | None = currency_of("prepaid_amount")
    payable_rounding_amount: Amount | None = bt("BT-114", "Rounding amount.", default=None)
    payable_rounding_amount_currency: str | None = currency_of("payable_rounding_amount")
    payable_amount: Amount | None = bt("BT-115", "Amount due for payment.", default=None)
    payable_amount_currency: str | None = currency_of("payable_amount")


class PriceDiscount(CanonicalModel):
    """cac:Price/cac:AllowanceCharge: the discount from the gross price."""

    charge_indicator: bool | None = Field(
        None, description="cbc:ChargeIndicator; only false (a discount) is allowed."
    )
    amount: Amount | None = bt("BT-147", "Item price discount.", default=None)
    amount_currency: str | None = currency_of("amount")
    base_amount: Amount | None = bt("BT-148", "Item gross price.", default=None)
    base_amount_currency: str | None = currency_of("base_amount")


class Price(CanonicalModel):
    """cac:Price (cf. BG-29 price details)."""

    price_amount: Amount | None = bt("BT-146", "Item net price.", default=None)
    price_amount_currency: str | None = currency_of("price_amount")
    base_quantity: Quantity | None = bt("BT-149", "Item price base quantity.", default=None)
    base_quantity_unit_code: str | None = bt("BT-150", "Base quantity unit of measure.",
                                             default=None)
    base_quantity_unit_code_list_id: str | None = Field(
        None, description="@unitCodeListID of the base quantity."
    )
    allowance_charge: PriceDiscount | None = Field(None, description="cac:AllowanceCharge")


class ItemInstance(CanonicalModel):
    """cac:ItemInstance: serial or lot the ordered items must come from."""

    serial_id: str | None = Field(None, description="cbc:SerialID")
    lot_number_id: str | None = Field(None, description="cac:LotIdentification/cbc:LotNumberID")


class ItemSpecification(CanonicalModel):
    """cac:ItemSpecificationDocumentReference: a document specifying the item."""

    id: str = Field(description="cbc:ID of the specification document.")


class OrderItem(CanonicalModel):
    """cac:Item of an order line (cf. BG-31 item information)."""

    description: str | None = bt("BT-154", "Item description.", default=None)
    name: str | None = bt("BT-153", "Item name.", default=None)
    buyers_item_id: str | None = bt("BT-156", "Buyer's item identifier.", default=None)
    sellers_item_id: str | None = bt("BT-155", "Seller's item identifier.", default=None)
    manufacturers_item_id: str | None = Field(
        None, description="cac:ManufacturersItemIdentification/cbc:ID"
    )
    standard_item_id: str | None = bt("BT-157", "Standard identifier, e.g. a GTIN.",
                                      default=None)
    standard_item_scheme_id: str | None = bt("BT-157-1", "Standard identifier scheme (ICD).",
                                             default=None)
    specifications: list[ItemSpecification] = Field(
        default_factory=list, description="cac:ItemSpecificationDocumentReference"
    )
    classifications: list[Classification] = Field(
        default_factory=list, description="cac:CommodityClassification"
    )
    tax_category: TaxCategory | None = bt(
        "BG-30", "Line tax category (BT-151) and rate (BT-152).", default=None
    )
    properties: list[IdentifiedItemProperty] = bt(
        "BG-32", "Item attributes.", default_factory=list
    )
    instances: list[ItemInstance] = Field(default_factory=list, description="cac:ItemInstance")


class LineDelivery(CanonicalModel):
    """cac:LineItem/cac:Delivery: delivery details for one line."""

    id: str | None = Field(None, description="cbc:ID of the delivery.")
    id_scheme_id: str | None = Field(None, description="@schemeID of the delivery id.")
    location_name: str | None = Field(None, description="cac:DeliveryLocation/cbc:Name")
    location_address: Address | None = Field(None, description="cac:DeliveryLocation/cac:Address")
    requested_period: Period | None = Field(None, description="cac:RequestedDeliveryPeriod")


class LineOriginatorParty(CanonicalModel):
    """cac:LineItem/cac:OriginatorParty."""

    identifiers: list[PartyIdentifier] = Field(
        default_factory=list, description="cac:PartyIdentification"
    )
    name: str | None = Field(None, description="cac:PartyName/cbc:Name")


class OrderLine(CanonicalModel):
    """cac:OrderLine with its cac:LineItem (cf. BG-25)."""

    note: str | None = bt("BT-127", "Line note (cac:OrderLine/cbc:Note).", default=None)
    id: str | None = bt(
        "BT-132", "Line identifier, unique in the order (PEPPOL-T01-R001); invoices refer "
        "to it as the referenced purchase order line.", default=None
    )
    quantity: Quantity | None = bt("BT-129", "Ordered quantity.", default=None)
    quantity_unit_code: str | None = bt("BT-130", "Unit of measure (UN/ECE Rec 20/21).",
                                        default=None)
    quantity_unit_code_list_id: str | None = Field(
        None, description="@unitCodeListID of the quantity."
    )
    line_extension_amount: Amount | None = bt("BT-131", "Line net amount.", default=None)
    line_extension_amount_currency: str | None = currency_of("line_extension_amount")
    partial_delivery_indicator: bool | None = Field(
        None, description="cbc:PartialDeliveryIndicator: may the line be delivered in parts."
    )
    accounting_cost: str | None = bt("BT-133", "Buyer accounting reference of the line.",
                                     default=None)
    delivery: LineDelivery | None = Field(None, description="cac:Delivery")
    originator_party: LineOriginatorParty | None = Field(
        None, description="cac:OriginatorParty"
    )
    allowance_charges: list[AllowanceCharge] = bt(
        "BG-27", "Line allowances (BG-27) and charges (BG-28).", default_factory=list
    )
    price: Price | None = bt("BG-29", "Price details.", default=None)
    item: OrderItem | None = bt("BG-31", "Item information.", default=None)
    quotation_line_reference: str | None = Field(
        None, description="cac:QuotationLineReference/cbc:LineID (PEPPOL-T01-R035)."
    )


class Order(CanonicalModel):
    """A Peppol BIS Ordering 3 Order (T01)."""

    customization_id: str | None = bt("BT-24", "Specification identifier.", default=CUST_ORDER)
    profile_id: str | None = bt("BT-23", "Business process (PEPPOL-T01-R031).",
                                default=PROFILE_ORDERING)
    id: str | None = bt("BT-13", "Order number; invoices quote it as the purchase order "
                        "reference.", default=None)
    sales_order_id: str | None = bt("BT-14", "Seller's sales order reference.", default=None)
    issue_date: IsoDate | None = bt("BT-2", "Order issue date.", default=None)
    issue_time: IsoTime | None = Field(None, description="cbc:IssueTime")
    order_type_code: str | None = Field(
        None, description="cbc:OrderTypeCode, UNCL 1001 subset (220 order, 227 consignment)."
    )
    note: str | None = bt("BT-22", "Order note.", default=None)
    currency_code: str | None = bt("BT-5", "Currency of every amount (ISO 4217).",
                                   default=None)
    currency_code_list_id: str | None = Field(None, description="@listID of the currency code.")
    customer_reference: str | None = bt("BT-10", "Buyer reference, quoted on the invoice.",
                                        default=None)
    accounting_cost: str | None = bt("BT-19", "Buyer accounting reference.", default=None)
    validity_end_date: IsoDate | None = Field(
        None, description="cac:ValidityPeriod/cbc:EndDate (PEPPOL-T01-R002)."
    )
    quotation_reference: str | None = Field(
        None, description="cac:QuotationDocumentReference/cbc:ID"
    )
    order_document_reference: str | None = Field(
        None, description="cac:OrderDocumentReference/cbc:ID: an earlier, rejected order."
    )
    originator_document_reference: str | None = Field(
        None, description="cac:OriginatorDocumentReference/cbc:ID: the internal requisition."
    )
    catalogue_reference: str | None = Field(None, description="cac:CatalogueReference/cbc:ID")
    additional_documents: list[AttachedDocument] = bt(
        "BG-24", "Additional supporting documents.", default_factory=list
    )
    contract_reference: str | None = bt("BT-12", "Contract reference.", default=None)
    project_reference: str | None = bt("BT-11", "Project reference.", default=None)
    buyer: CustomerParty | None = bt("BG-7", "Buyer.", default=None)
    seller: SellerParty | None = bt("BG-4", "Seller.", default=None)
    originator: OriginatorParty | None = Field(None, description="cac:OriginatorCustomerParty")
    accounting_customer: CustomerParty | None = Field(
        None, description="cac:AccountingCustomerParty: the party invoiced."
    )
    delivery: OrderDelivery | None = bt("BG-13", "Delivery information.", default=None)
    delivery_terms: DeliveryTerms | None = Field(None, description="cac:DeliveryTerms")
    payment_terms: str | None = bt("BT-20", "Payment terms (cac:PaymentTerms/cbc:Note).",
                                   default=None)
    allowance_charges: list[DocumentAllowanceCharge] = bt(
        "BG-20", "Document allowances (BG-20) and charges (BG-21).", default_factory=list
    )
    tax_amount: Amount | None = bt("BT-110", "Total tax amount (cac:TaxTotal/cbc:TaxAmount).",
                                   default=None)
    tax_amount_currency: str | None = currency_of("tax_amount")
    totals: MonetaryTotal | None = bt("BG-22", "Anticipated totals.", default=None)
    lines: list[OrderLine] = bt("BG-25", "Order lines.", default_factory=list)
