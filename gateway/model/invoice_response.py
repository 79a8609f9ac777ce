"""Canonical Invoice Response: Peppol BIS Invoice Response 3, transaction T111 (UBL 2.1
`ApplicationResponse`).

The buyer tells the seller what became of an invoice: a status (`response_code`, UNCL 4343
subset: AB received, IP in process, UQ under query, CA conditionally accepted, RE rejected,
AP accepted, PD paid) with clarifications (`statuses`: OPStatusReason / OPStatusAction codes,
free text and the business terms concerned). Rules PEPPOL-T111-*, data model terms tir111-*.
"""

from __future__ import annotations

from pydantic import Field

from gateway.documents.registry import CUST_INVOICE_RESPONSE
from gateway.model.common import Contact, IsoTime, PartyIdentifier
from gateway.model.types import CanonicalModel, IsoDate, bt

PROFILE_INVOICE_RESPONSE = "urn:fdc:peppol.eu:poacc:bis:invoice_response:3"


class ResponderParty(CanonicalModel):
    """cac:SenderParty (the buyer, or its agent) or cac:ReceiverParty (the seller)."""

    endpoint_id: str | None = Field(None, description="cbc:EndpointID")
    endpoint_scheme_id: str | None = Field(None, description="@schemeID of the endpoint (EAS).")
    identifiers: list[PartyIdentifier] = Field(
        default_factory=list, description="cac:PartyIdentification"
    )
    registration_name: str | None = Field(
        None, description="cac:PartyLegalEntity/cbc:RegistrationName"
    )


class SenderParty(ResponderParty):
    """cac:SenderParty, which may carry a contact for questions about the response."""

    contact: Contact | None = Field(None, description="cac:Contact")


class DocumentParty(CanonicalModel):
    """cac:DocumentResponse/cac:IssuerParty or cac:RecipientParty: the invoice's own parties."""

    identifiers: list[PartyIdentifier] = Field(
        default_factory=list, description="cac:PartyIdentification"
    )
    name: str | None = Field(None, description="cac:PartyName/cbc:Name")


class Condition(CanonicalModel):
    """cac:Status/cac:Condition: a business term of the invoice the status is about."""

    attribute_id: str | None = Field(
        None, description="cbc:AttributeID, the EN 16931 term concerned, e.g. BT-48."
    )
    description: str | None = Field(
        None, description="cbc:Description: the corrected or expected value."
    )


class Status(CanonicalModel):
    """cac:Response/cac:Status: one clarification of the response."""

    reason_code: str | None = Field(
        None, description="cbc:StatusReasonCode, OPStatusReason or OPStatusAction code "
        "(PEPPOL-T111-R001, R006, R007)."
    )
    reason_code_list_id: str | None = Field(
        None, description="@listID: OPStatusReason or OPStatusAction."
    )
    reason: str | None = Field(
        None, description="cbc:StatusReason, clarification text (PEPPOL-T111-R002, R004)."
    )
    conditions: list[Condition] = Field(default_factory=list, description="cac:Condition")


class InvoiceReference(CanonicalModel):
    """cac:DocumentResponse/cac:DocumentReference: the invoice responded to."""

    id: str | None = bt("BT-1", "Invoice number.", default=None)
    issue_date: IsoDate | None = bt("BT-2", "Invoice issue date.", default=None)
    document_type_code: str | None = bt(
        "BT-3", "Invoice type code (380 invoice, 381 credit note, ...).", default=None
    )


class InvoiceResponse(CanonicalModel):
    """A Peppol BIS Invoice Response (T111)."""

    customization_id: str | None = bt("BT-24", "Specification identifier.",
                                      default=CUST_INVOICE_RESPONSE)
    profile_id: str | None = bt("BT-23", "Business process (PEPPOL-T111-R008).",
                                default=PROFILE_INVOICE_RESPONSE)
    id: str | None = Field(None, description="cbc:ID, the response identifier.")
    issue_date: IsoDate | None = Field(None, description="cbc:IssueDate")
    issue_time: IsoTime | None = Field(None, description="cbc:IssueTime")
    note: str | None = Field(None, description="cbc:Note")
    sender: SenderParty | None = Field(None, description="cac:SenderParty")
    receiver: ResponderParty | None = Field(None, description="cac:ReceiverParty")
    response_code: str | None = Field(
        None, description="cac:DocumentResponse/cac:Response/cbc:ResponseCode, UNCL 4343 "
        "subset (AB, IP, UQ, CA, RE, AP, PD)."
    )
    effective_date: IsoDate | None = Field(
        None, description="cac:Response/cbc:EffectiveDate: when the status took effect."
    )
    statuses: list[Status] = Field(default_factory=list, description="cac:Response/cac:Status")
    invoice: InvoiceReference | None = Field(
        None, description="cac:DocumentResponse/cac:DocumentReference"
    )
    invoice_issuer: DocumentParty | None = bt(
        "BG-4", "The invoice's seller (cac:IssuerParty).", default=None
    )
    invoice_recipient: DocumentParty | None = bt(
        "BG-7", "The invoice's buyer (cac:RecipientParty).", default=None
    )
