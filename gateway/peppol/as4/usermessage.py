"""The ebMS 3.0 UserMessage header as Peppol fixes it (peppol-as4.md §1.2), read and checked,
and the bounded gzip decompression of payloads (AS4 profile §2.2.3.2, EBMS:0303).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID
from lxml import etree

from gateway.peppol.as4.constants import (
    EB_NS,
    PEPPOL_ACTION_PREFIX,
    PEPPOL_AGREEMENT,
    PEPPOL_PARTY_TYPE,
    SOAP12_NS,
)
from gateway.peppol.as4.errors import (
    DECOMPRESSION_FAILURE,
    FAILED_AUTHENTICATION,
    INVALID_HEADER,
    As4Rejected,
)

GZIP = "application/gzip"
DEFAULT_MAX_DECOMPRESSED = 100 * 1024 * 1024


def _q(local: str) -> str:
    return f"{{{EB_NS}}}{local}"


@dataclass(frozen=True, slots=True)
class PartInfo:
    href: str
    mime_type: str | None
    compression_type: str | None

    @property
    def content_id(self) -> str:
        return self.href.removeprefix("cid:")


@dataclass(frozen=True, slots=True)
class UserMessageHeader:
    message_id: str
    timestamp: str
    from_party: str
    to_party: str
    party_types: tuple[str | None, str | None]
    agreement: str | None
    service: str
    service_type: str | None
    action: str
    conversation_id: str
    properties: dict[str, str]
    parts: tuple[PartInfo, ...]


def _text(parent: etree._Element, path: str, what: str) -> str:
    value = (parent.findtext(path) or "").strip()
    if not value:
        raise As4Rejected(INVALID_HEADER, f"eb:UserMessage without {what}")
    return value


def read_user_message(envelope: etree._Element) -> UserMessageHeader:
    message = envelope.find(f"{{{SOAP12_NS}}}Header/{_q('Messaging')}/{_q('UserMessage')}")
    if message is None:
        raise As4Rejected(INVALID_HEADER, "no eb:Messaging/eb:UserMessage header")
    collaboration = message.find(_q("CollaborationInfo"))
    if collaboration is None:
        raise As4Rejected(INVALID_HEADER, "eb:UserMessage without CollaborationInfo")
    service = collaboration.find(_q("Service"))
    return UserMessageHeader(
        message_id=_text(message, f"{_q('MessageInfo')}/{_q('MessageId')}", "MessageId"),
        timestamp=_text(message, f"{_q('MessageInfo')}/{_q('Timestamp')}", "Timestamp"),
        from_party=_party(message, "From").text,
        to_party=_party(message, "To").text,
        party_types=(_party(message, "From").type, _party(message, "To").type),
        agreement=(collaboration.findtext(_q("AgreementRef")) or "").strip() or None,
        service=_text(collaboration, _q("Service"), "Service"),
        service_type=service.get("type") if service is not None else None,
        action=_text(collaboration, _q("Action"), "Action"),
        conversation_id=_text(collaboration, _q("ConversationId"), "ConversationId"),
        properties={
            p.get("name", ""): (p.text or "").strip()
            for p in message.iterfind(f"{_q('MessageProperties')}/{_q('Property')}")
        },
        parts=tuple(
            _part_info(p) for p in message.iterfind(f"{_q('PayloadInfo')}/{_q('PartInfo')}")
        ),
    )


@dataclass(frozen=True, slots=True)
class _Party:
    text: str
    type: str | None


def _party(message: etree._Element, side: str) -> _Party:
    ids = message.findall(f"{_q('PartyInfo')}/{_q(side)}/{_q('PartyId')}")
    if len(ids) != 1:
        raise As4Rejected(INVALID_HEADER, f"expected exactly one {side}/PartyId, found {len(ids)}")
    return _Party((ids[0].text or "").strip(), ids[0].get("type"))


def _part_info(element: etree._Element) -> PartInfo:
    properties = {
        p.get("name"): (p.text or "").strip()
        for p in element.iterfind(f"{_q('PartProperties')}/{_q('Property')}")
    }
    return PartInfo(
        element.get("href", ""), properties.get("MimeType"), properties.get("CompressionType")
    )


def check_peppol_header(header: UserMessageHeader) -> None:
    """The Peppol fixed values (phase4 ``PeppolCompatibilityValidator``); compression first,
    as phase4 checks it while reading the header."""
    check_compression(header)
    if header.party_types != (PEPPOL_PARTY_TYPE, PEPPOL_PARTY_TYPE):
        raise As4Rejected(INVALID_HEADER, f"From/To PartyId type must be {PEPPOL_PARTY_TYPE}")
    if header.agreement != PEPPOL_AGREEMENT:
        raise As4Rejected(INVALID_HEADER, f"AgreementRef must be {PEPPOL_AGREEMENT}")
    if not header.action.startswith(PEPPOL_ACTION_PREFIX):
        raise As4Rejected(INVALID_HEADER, f"Action must start with {PEPPOL_ACTION_PREFIX}")
    for name in ("originalSender", "finalRecipient"):
        if not header.properties.get(name):
            raise As4Rejected(INVALID_HEADER, f"MessageProperties/{name} is mandatory")
    if len(header.parts) != 1:
        raise As4Rejected(
            INVALID_HEADER, f"exactly one payload expected, found {len(header.parts)}"
        )
    check_compression(header)


def check_compression(header: UserMessageHeader) -> None:
    """Peppol payloads are gzip-compressed; any other declared type cannot be processed."""
    for part in header.parts:
        if part.compression_type != GZIP:
            raise As4Rejected(
                DECOMPRESSION_FAILURE,
                f"{part.href}: CompressionType {part.compression_type!r} is not {GZIP}",
            )
        if not part.href.startswith("cid:"):
            raise As4Rejected(
                INVALID_HEADER, f"PartInfo href {part.href!r} is not a cid: reference"
            )


def gunzip_bounded(data: bytes, max_bytes: int = DEFAULT_MAX_DECOMPRESSED) -> bytes:
    """Decompress one gzip member, refusing more than ``max_bytes`` of output (zip bombs)."""
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        output = decompressor.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise As4Rejected(DECOMPRESSION_FAILURE, f"payload is not valid gzip: {exc}") from None
    if len(output) > max_bytes or decompressor.unconsumed_tail:
        raise As4Rejected(DECOMPRESSION_FAILURE, f"payload expands beyond {max_bytes} bytes")
    if not decompressor.eof:
        raise As4Rejected(DECOMPRESSION_FAILURE, "payload is truncated gzip")
    return output


def check_signer_is_sender(header: UserMessageHeader, signer: x509.Certificate) -> None:
    """Peppol: the signing AP certificate's CN is the seat id in eb:From/PartyId."""
    names = signer.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = str(names[0].value) if names else ""
    if common_name != header.from_party:
        raise As4Rejected(
            FAILED_AUTHENTICATION,
            f"signed by {common_name!r} but eb:From/PartyId is {header.from_party!r}",
        )
