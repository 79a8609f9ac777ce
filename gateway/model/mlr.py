"""Canonical Message Level Response: Peppol BIS MLR 3, transaction T71 (UBL 2.1
`ApplicationResponse`).

The receiver of a business document says whether it could process it (`response_code`,
UNCL 4343 subset: AB acknowledged, AP accepted, RE rejected) and, when rejecting, points at
each faulty element (`line_responses`, with the XPath or rule in `line_id`).
Rules PEPPOL-T71-*, data model terms tir71-*.
"""

from __future__ import annotations

from pydantic import Field

from gateway.documents.registry import CUST_MLR
from gateway.model.common import IsoTime
from gateway.model.types import CanonicalModel, IsoDate, bt

PROFILE_MLR = "urn:fdc:peppol.eu:poacc:bis:mlr:3"


class MessageReference(CanonicalModel):
    """cac:DocumentResponse/cac:DocumentReference: the message responded to."""

    id: str | None = Field(
        None, description="cbc:ID, the envelope (SBDH instance) identifier of the message."
    )
    document_type_code: str | None = Field(None, description="cbc:DocumentTypeCode")
    version_id: str | None = Field(None, description="cbc:VersionID")


class LineResponse(CanonicalModel):
    """cac:DocumentResponse/cac:LineResponse: one finding about the message."""

    line_id: str | None = Field(
        None, description="cac:LineReference/cbc:LineID: XPath of the faulty element."
    )
    response_code: str | None = Field(
        None, description="cac:Response/cbc:ResponseCode, UNCL 4343 subset."
    )
    description: str | None = Field(None, description="cac:Response/cbc:Description")
    status_reason_code: str | None = Field(
        None, description="cac:Response/cac:Status/cbc:StatusReasonCode, e.g. BV, BW, SV."
    )


class MessageLevelResponse(CanonicalModel):
    """A Peppol BIS Message Level Response (T71)."""

    customization_id: str | None = bt("BT-24", "Specification identifier.", default=CUST_MLR)
    profile_id: str | None = bt("BT-23", "Business process.", default=PROFILE_MLR)
    id: str | None = Field(None, description="cbc:ID, the response identifier.")
    issue_date: IsoDate | None = Field(None, description="cbc:IssueDate")
    issue_time: IsoTime | None = Field(None, description="cbc:IssueTime")
    sender_endpoint_id: str | None = Field(None, description="cac:SenderParty/cbc:EndpointID")
    sender_endpoint_scheme_id: str | None = Field(
        None, description="@schemeID of the sender endpoint (EAS)."
    )
    receiver_endpoint_id: str | None = Field(
        None, description="cac:ReceiverParty/cbc:EndpointID"
    )
    receiver_endpoint_scheme_id: str | None = Field(
        None, description="@schemeID of the receiver endpoint (EAS)."
    )
    response_code: str | None = Field(
        None, description="cac:DocumentResponse/cac:Response/cbc:ResponseCode (AB, AP, RE)."
    )
    description: str | None = Field(None, description="cac:Response/cbc:Description")
    message: MessageReference | None = Field(
        None, description="cac:DocumentResponse/cac:DocumentReference"
    )
    line_responses: list[LineResponse] = Field(
        default_factory=list, description="cac:DocumentResponse/cac:LineResponse"
    )
