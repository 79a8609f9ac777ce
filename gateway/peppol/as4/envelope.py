"""The SOAP 1.2 skeleton every AS4 message and signal shares (ebMS 3.0 §5.1, AS4 §2.1):
``S12:Envelope`` → ``S12:Header`` (``wsse:Security``, ``eb:Messaging`` with
``S12:mustUnderstand="true"`` and a ``wsu:Id``) and an empty ``S12:Body`` with a ``wsu:Id``,
both signed by reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from gateway.peppol.as4.constants import EB_NS, SOAP12_NS, WSU_NS
from gateway.peppol.as4.ids import new_xml_id
from gateway.peppol.as4.wssign import XmlPart, security_element


def q(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


def eb(parent: etree._Element, local: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, q(EB_NS, local), attrs)
    element.text = text
    return element


def xs_datetime(moment: datetime) -> str:
    """``2026-01-29T15:39:03.805Z`` (UTC, milliseconds), as phase4 writes ebMS timestamps."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("AS4 timestamps must be timezone-aware (UTC)")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Skeleton:
    envelope: etree._Element
    security: etree._Element
    messaging: etree._Element
    body: etree._Element

    def signed_parts(self) -> tuple[XmlPart, XmlPart]:
        """Messaging (with InclusiveNamespaces ``S12``, as phase4) and Body."""
        return XmlPart(self.messaging, ("S12",)), XmlPart(self.body)

    def to_bytes(self) -> bytes:
        data: bytes = etree.tostring(self.envelope, xml_declaration=True, encoding="UTF-8")
        return data


def skeleton() -> Skeleton:
    envelope = etree.Element(q(SOAP12_NS, "Envelope"), nsmap={"S12": SOAP12_NS})
    header = etree.SubElement(envelope, q(SOAP12_NS, "Header"))
    security = security_element(header)
    messaging = etree.SubElement(header, q(EB_NS, "Messaging"), nsmap={"eb": EB_NS, "wsu": WSU_NS})
    messaging.set(q(SOAP12_NS, "mustUnderstand"), "true")
    messaging.set(q(WSU_NS, "Id"), new_xml_id("msg"))
    body = etree.SubElement(envelope, q(SOAP12_NS, "Body"), nsmap={"wsu": WSU_NS})
    body.set(q(WSU_NS, "Id"), new_xml_id("body"))
    return Skeleton(envelope, security, messaging, body)


def message_info(
    parent: etree._Element, message_id: str, timestamp: datetime, ref_to: str | None = None
) -> etree._Element:
    info = eb(parent, "MessageInfo")
    eb(info, "Timestamp", xs_datetime(timestamp))
    eb(info, "MessageId", message_id)
    if ref_to is not None:
        eb(info, "RefToMessageId", ref_to)
    return info
