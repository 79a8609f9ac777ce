"""Canonical Despatch Advice: Peppol BIS Despatch Advice 3, transaction T16 (UBL 2.1
`DespatchAdvice`).

The despatch party tells the receiver what is on its way: the shipment (weights, carrier,
estimated delivery period, tracking id) and, line by line, the delivered and outstanding
quantities of each ordered line with batch, expiry and handling-unit details.
Rules PEPPOL-T16-*, data model terms tir16-*.
"""

from __future__ import annotations

from pydantic import Field

from gateway.documents.registry import CUST_DESPATCH_ADVICE
from gateway.model.common import (
    Address,
    AttachedDocument,
    Classification,
    Contact,
    IdentifiedItemProperty,
    IsoTime,
    PartyIdentifier,
    Period,
)
from gateway.model.types import CanonicalModel, IsoDate, Quantity, bt

PROFILE_DESPATCH_ADVICE = "urn:fdc:peppol.eu:poacc:bis:despatch_advice:3"


class DespatchSupplierParty(CanonicalModel):
    """cac:DespatchSupplierParty/cac:Party: who sends the goods."""

    endpoint_id: str | None = Field(None, description="cbc:EndpointID")
    endpoint_scheme_id: str | None = Field(None, description="@schemeID of the endpoint (EAS).")
    identifiers: list[PartyIdentifier] = Field(
        default_factory=list, description="cac:PartyIdentification"
    )
    postal_address: Address | None = Field(None, description="cac:PostalAddress")
    registration_name: str | None = Field(
        None, description="cac:PartyLegalEntity/cbc:RegistrationName"
    )
    contact: Contact | None = Field(None, description="cac:Contact")


class DeliveryCustomerParty(CanonicalModel):
    """cac:DeliveryCustomerParty: who receives the goods, with its delivery contact."""

    endpoint_id: str | None = Field(None, description="cac:Party/cbc:EndpointID")
    endpoint_scheme_id: str | None = Field(None, description="@schemeID of the endpoint (EAS).")
    identifiers: list[PartyIdentifier] = Field(
        default_factory=list, description="cac:Party/cac:PartyIdentification"
    )
    postal_address: Address | None = Field(None, description="cac:Party/cac:PostalAddress")
    registration_name: str | None = Field(
        None, description="cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"
    )
    delivery_contact: Contact | None = Field(None, description="cac:DeliveryContact")


class NamedParty(CanonicalModel):
    """Buyer, seller or originator in a despatch advice (PEPPOL-T16-R008..R010: name or id)."""

    identifiers: list[PartyIdentifier] = Field(
        default_factory=list, description="cac:PartyIdentification"
    )
    name: str | None = Field(None, description="cac:PartyName/cbc:Name")
    postal_address: Address | None = Field(None, description="cac:PostalAddress")


class IdentityDocument(CanonicalModel):
    """cac:Person/cac:IdentityDocumentReference of the carrier's driver."""

    id: str | None = Field(None, description="cbc:ID")
    document_type: str | None = Field(None, description="cbc:DocumentType")


class CarrierParty(CanonicalModel):
    """cac:Consignment/cac:CarrierParty."""

    identifiers: list[PartyIdentifier] = Field(
        default_factory=list, description="cac:PartyIdentification"
    )
    name: str | None = Field(None, description="cac:PartyName/cbc:Name")
    person_identity_document: IdentityDocument | None = Field(
        None, description="cac:Person/cac:IdentityDocumentReference"
    )


class Consignment(CanonicalModel):
    """cac:Shipment/cac:Consignment."""

    id: str | None = Field(None, description="cbc:ID, consignment (waybill) number.")
    information: str | None = Field(None, description="cbc:Information")
    carrier: CarrierParty | None = Field(None, description="cac:CarrierParty")


class ShipmentDeliveryParty(CanonicalModel):
    """cac:Shipment/cac:Delivery/cac:DeliveryParty."""

    identifiers: list[PartyIdentifier] = Field(
        default_factory=list, description="cac:PartyIdentification"
    )
    name: str | None = bt("BT-70", "Deliver to party name.", default=None)
    postal_address: Address | None = Field(None, description="cac:PostalAddress")
    contact: Contact | None = Field(None, description="cac:Contact")


class DespatchAddress(Address):
    """cac:Despatch/cac:DespatchAddress: where the goods leave from."""

    id: str | None = Field(None, description="cbc:ID of the despatch location.")
    id_scheme_id: str | None = Field(None, description="@schemeID of the location id.")


class ShipmentDelivery(CanonicalModel):
    """cac:Shipment/cac:Delivery."""

    tracking_id: str | None = Field(None, description="cbc:TrackingID")
    estimated_period: Period | None = Field(None, description="cac:EstimatedDeliveryPeriod")
    party: ShipmentDeliveryParty | None = Field(None, description="cac:DeliveryParty")
    actual_despatch_date: IsoDate | None = Field(
        None, description="cac:Despatch/cbc:ActualDespatchDate"
    )
    actual_despatch_time: IsoTime | None = Field(
        None, description="cac:Despatch/cbc:ActualDespatchTime"
    )
    despatch_address: DespatchAddress | None = Field(
        None, description="cac:Despatch/cac:DespatchAddress"
    )


class Shipment(CanonicalModel):
    """cac:Shipment at document level."""

    id: str | None = Field(None, description="cbc:ID, shipment identifier.")
    information: str | None = Field(None, description="cbc:Information")
    gross_weight: Quantity | None = Field(None, description="cbc:GrossWeightMeasure")
    gross_weight_unit_code: str | None = Field(None, description="@unitCode of the weight.")
    gross_volume: Quantity | None = Field(None, description="cbc:GrossVolumeMeasure")
    gross_volume_unit_code: str | None = Field(None, description="@unitCode of the volume.")
    total_transport_handling_unit_quantity: Quantity | None = Field(
        None, description="cbc:TotalTransportHandlingUnitQuantity"
    )
    consignment: Consignment | None = Field(None, description="cac:Consignment")
    transport_mode_code: str | None = Field(
        None, description="cac:ShipmentStage/cbc:TransportModeCode, UN/ECE Rec 19."
    )
    delivery: ShipmentDelivery | None = Field(None, description="cac:Delivery")


class LineDocumentReference(CanonicalModel):
    """cac:DespatchLine/cac:DocumentReference, e.g. a weight statement."""

    id: str | None = Field(None, description="cbc:ID")
    document_type: str | None = Field(None, description="cbc:DocumentType")


class HazardousItem(CanonicalModel):
    """cac:Item/cac:HazardousItem."""

    undg_code: str | None = Field(None, description="cbc:UNDGCode, UN dangerous goods number.")
    hazard_class_id: str | None = Field(None, description="cbc:HazardClassID")


class InstanceProperty(CanonicalModel):
    """cac:ItemInstance/cac:AdditionalItemProperty."""

    name: str | None = Field(None, description="cbc:Name")
    value: str | None = Field(None, description="cbc:Value")


class DespatchItemInstance(CanonicalModel):
    """cac:Item/cac:ItemInstance: trace, dates, serial and batch of the despatched items."""

    product_trace_id: str | None = Field(None, description="cbc:ProductTraceID")
    product_trace_scheme_id: str | None = Field(
        None, description="@schemeID of the trace id, e.g. GTIN or SSCC."
    )
    manufacture_date: IsoDate | None = Field(None, description="cbc:ManufactureDate")
    best_before_date: IsoDate | None = Field(None, description="cbc:BestBeforeDate")
    serial_id: str | None = Field(None, description="cbc:SerialID")
    properties: list[InstanceProperty] = Field(
        default_factory=list, description="cac:AdditionalItemProperty"
    )
    lot_number_id: str | None = Field(
        None, description="cac:LotIdentification/cbc:LotNumberID, batch number."
    )
    lot_expiry_date: IsoDate | None = Field(
        None, description="cac:LotIdentification/cbc:ExpiryDate"
    )


class DespatchItem(CanonicalModel):
    """cac:DespatchLine/cac:Item (cf. BG-31)."""

    name: str | None = bt("BT-153", "Item name (PEPPOL-T16-R004).", default=None)
    buyers_item_id: str | None = bt("BT-156", "Buyer's item identifier.", default=None)
    sellers_item_id: str | None = bt("BT-155", "Seller's item identifier.", default=None)
    sellers_item_extended_id: str | None = Field(
        None, description="cac:SellersItemIdentification/cbc:ExtendedID"
    )
    standard_item_id: str | None = bt("BT-157", "Standard identifier.", default=None)
    standard_item_scheme_id: str | None = bt("BT-157-1", "Standard identifier scheme (ICD).",
                                             default=None)
    standard_item_extended_id: str | None = Field(
        None, description="cac:StandardItemIdentification/cbc:ExtendedID"
    )
    classifications: list[Classification] = Field(
        default_factory=list, description="cac:CommodityClassification"
    )
    hazardous_items: list[HazardousItem] = Field(
        default_factory=list, description="cac:HazardousItem"
    )
    properties: list[IdentifiedItemProperty] = bt(
        "BG-32", "Item attributes.", default_factory=list
    )
    instances: list[DespatchItemInstance] = Field(
        default_factory=list, description="cac:ItemInstance"
    )


class Dimension(CanonicalModel):
    """cac:MeasurementDimension of a handling unit (UNCL 6313 subset: AAA, AAB, ...)."""

    attribute_id: str | None = Field(None, description="cbc:AttributeID")
    measure: Quantity | None = Field(None, description="cbc:Measure")
    measure_unit_code: str | None = Field(None, description="@unitCode of the measure.")


class Package(CanonicalModel):
    """cac:TransportHandlingUnit/cac:Package."""

    id: str | None = Field(None, description="cbc:ID")
    packaging_type_code: str | None = Field(
        None, description="cbc:PackagingTypeCode, UN/ECE Rec 21."
    )


class HandlingUnit(CanonicalModel):
    """cac:DespatchLine/cac:Shipment/cac:TransportHandlingUnit."""

    id: str | None = Field(None, description="cbc:ID, e.g. an SSCC.")
    id_scheme_id: str | None = Field(None, description="@schemeID of the handling unit id.")
    type_code: str | None = Field(
        None, description="cbc:TransportHandlingUnitTypeCode, UN/ECE Rec 21."
    )
    hazardous_risk_indicator: bool | None = Field(
        None, description="cbc:HazardousRiskIndicator"
    )
    shipping_marks: list[str] = Field(default_factory=list, description="cbc:ShippingMarks")
    measurement_dimensions: list[Dimension] = Field(
        default_factory=list, description="cac:MeasurementDimension"
    )
    packages: list[Package] = Field(default_factory=list, description="cac:Package")


class LineShipment(CanonicalModel):
    """cac:DespatchLine/cac:Shipment."""

    id: str | None = Field(None, description="cbc:ID (mandated by UBL; the BIS uses NA).")
    handling_units: list[HandlingUnit] = Field(
        default_factory=list, description="cac:TransportHandlingUnit"
    )


class DespatchLine(CanonicalModel):
    """cac:DespatchLine."""

    id: str | None = Field(None, description="cbc:ID, despatch line identifier.")
    note: str | None = Field(None, description="cbc:Note")
    delivered_quantity: Quantity | None = Field(
        None, description="cbc:DeliveredQuantity (PEPPOL-T16-R005, R006)."
    )
    delivered_quantity_unit_code: str | None = Field(
        None, description="@unitCode of the delivered quantity, UN/ECE Rec 20/21."
    )
    delivered_quantity_unit_code_list_id: str | None = Field(
        None, description="@unitCodeListID of the delivered quantity."
    )
    outstanding_quantity: Quantity | None = Field(
        None, description="cbc:OutstandingQuantity: to follow in a later shipment."
    )
    outstanding_quantity_unit_code: str | None = Field(
        None, description="@unitCode of the outstanding quantity."
    )
    outstanding_quantity_unit_code_list_id: str | None = Field(
        None, description="@unitCodeListID of the outstanding quantity."
    )
    outstanding_reasons: list[str] = Field(
        default_factory=list, description="cbc:OutstandingReason (PEPPOL-T16-R007)."
    )
    order_line_id: str | None = bt(
        "BT-132", "Order line despatched (cac:OrderLineReference/cbc:LineID).", default=None
    )
    sales_order_line_id: str | None = Field(
        None, description="cac:OrderLineReference/cbc:SalesOrderLineID"
    )
    order_reference: str | None = bt(
        "BT-13", "Order of that line (cac:OrderLineReference/cac:OrderReference/cbc:ID).",
        default=None,
    )
    document_references: list[LineDocumentReference] = Field(
        default_factory=list, description="cac:DocumentReference"
    )
    item: DespatchItem | None = bt("BG-31", "Item information.", default=None)
    shipment: LineShipment | None = Field(None, description="cac:Shipment")


class DespatchAdvice(CanonicalModel):
    """A Peppol BIS Despatch Advice (T16)."""

    customization_id: str | None = bt("BT-24", "Specification identifier.",
                                      default=CUST_DESPATCH_ADVICE)
    profile_id: str | None = bt("BT-23", "Business process.", default=PROFILE_DESPATCH_ADVICE)
    id: str | None = bt("BT-16", "Despatch advice number.", default=None)
    issue_date: IsoDate | None = bt("BT-2", "Issue date.", default=None)
    issue_time: IsoTime | None = Field(None, description="cbc:IssueTime")
    note: str | None = bt("BT-22", "Note.", default=None)
    order_reference: str | None = bt("BT-13", "The order (cac:OrderReference/cbc:ID).",
                                     default=None)
    additional_documents: list[AttachedDocument] = bt(
        "BG-24", "Additional supporting documents.", default_factory=list
    )
    despatch_supplier: DespatchSupplierParty | None = Field(
        None, description="cac:DespatchSupplierParty"
    )
    delivery_customer: DeliveryCustomerParty | None = Field(
        None, description="cac:DeliveryCustomerParty"
    )
    buyer: NamedParty | None = bt("BG-7", "Buyer (cac:BuyerCustomerParty).", default=None)
    seller: NamedParty | None = bt("BG-4", "Seller (cac:SellerSupplierParty).", default=None)
    originator: NamedParty | None = Field(None, description="cac:OriginatorCustomerParty")
    shipment: Shipment | None = Field(None, description="cac:Shipment")
    lines: list[DespatchLine] = Field(default_factory=list, description="cac:DespatchLine")
