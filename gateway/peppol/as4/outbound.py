"""From a transport ``Envelope`` (a UBL document for a Peppol participant) to the AS4 message
for one receiving access point (I/O-free).

The ids are deterministic per exchange: the ebMS MessageId is ``<message id>@<domain>`` and the
SBDH InstanceIdentifier and ConversationId default to the exchange's message id, so every retry
carries the same ids and the receiver's duplicate detection works (peppol-as4.md §1.8).

``Envelope.metadata`` may override what the document declares: ``peppol.document_type_id``
(``busdox-docid-qns::…``), ``peppol.process_id``, ``peppol.country_c1``,
``sbdh.instance_id`` and ``as4.conversation_id``; ``Envelope.process_id`` is honoured too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from gateway.errors import InputError
from gateway.peppol import sbdh
from gateway.peppol.as4.ids import DEFAULT_DOMAIN, as4_message_id
from gateway.peppol.as4.message import OutboundMessage, UserMessageRouting, build_user_message
from gateway.peppol.identifiers import DocumentTypeId, ParticipantId, ProcessId
from gateway.signing.credentials import SigningCredentials
from gateway.signing.pki import common_name
from gateway.transports.base import Envelope
from gateway.transports.errors import UnsupportedPayloadError

XML_MEDIA_TYPES = frozenset({"application/xml", "text/xml"})


@dataclass(frozen=True, slots=True)
class Target:
    """Where one message goes: the AS4 URL and the receiving AP's certificate (from its SMP
    entry, or configured): encryption key, receipt signer and ``eb:To`` seat id (its CN)."""

    url: str
    certificate: x509.Certificate

    @property
    def seat_id(self) -> str:
        return common_name(self.certificate)


@dataclass(frozen=True, slots=True)
class SenderIdentity:
    credentials: SigningCredentials
    """Our AP key and certificate (CN = our seat id)."""
    participant: ParticipantId | None
    """C1 when ``Envelope.sender_id`` is not a participant id (the gateway's own default)."""
    country_c1: str
    message_id_domain: str = DEFAULT_DOMAIN


def _unsupported(envelope: Envelope, reason: str) -> UnsupportedPayloadError:
    return UnsupportedPayloadError(
        f"{envelope.message_id}: {reason}", wire_code="local:peppol-payload"
    )


def _participant(envelope: Envelope, text: str, what: str) -> ParticipantId:
    try:
        return ParticipantId.parse(text)
    except InputError as exc:
        raise _unsupported(
            envelope, f"{what} {text!r} is not a Peppol participant id ({exc.message})"
        ) from None


def receiver_participant(envelope: Envelope) -> ParticipantId:
    """C4: ``Envelope.receiver_id`` must be a Peppol participant id (``0088:…``)."""
    return _participant(envelope, envelope.receiver_id, "receiver")


def sender_participant(envelope: Envelope, identity: SenderIdentity) -> ParticipantId:
    try:
        return ParticipantId.parse(envelope.sender_id)
    except InputError:
        if identity.participant is None:
            raise _unsupported(
                envelope, f"sender {envelope.sender_id!r} is not a participant id and no default C1"
            ) from None
        return identity.participant


def document_identifiers(envelope: Envelope) -> tuple[DocumentTypeId, ProcessId]:
    """The Peppol document type and process of the envelope's payload (overrides first)."""
    metadata = envelope.metadata
    try:
        found = sbdh.identify(sbdh.parse_document(envelope.payload))
        document_type = (
            DocumentTypeId.parse(metadata["peppol.document_type_id"])
            if "peppol.document_type_id" in metadata
            else found.document_type
        )
        process_text = metadata.get("peppol.process_id") or envelope.process_id
        process = _process(process_text) if process_text else found.process
    except InputError as exc:
        raise _unsupported(envelope, exc.message) from None
    return document_type, process


def _process(text: str) -> ProcessId:
    return ProcessId.parse(text) if "::" in text else ProcessId(text)


def prepare_message(
    envelope: Envelope, *, target: Target, identity: SenderIdentity, now: datetime
) -> OutboundMessage:
    """The signed and encrypted UserMessage carrying ``envelope`` to ``target``."""
    if envelope.content_type.split(";", 1)[0].strip().lower() not in XML_MEDIA_TYPES:
        raise _unsupported(envelope, f"content type {envelope.content_type!r} is not UBL XML")
    receiver = receiver_participant(envelope)
    sender = sender_participant(envelope, identity)
    document_type, process = document_identifiers(envelope)
    metadata = envelope.metadata
    try:
        message_id = as4_message_id(envelope.message_id, identity.message_id_domain)
        payload, _ = sbdh.wrap(
            envelope.payload,
            sender=sender,
            receiver=receiver,
            instance_id=metadata.get("sbdh.instance_id", envelope.message_id),
            created=now,
            country_c1=metadata.get("peppol.country_c1", identity.country_c1),
            process=process,
            document_type=document_type,
        )
    except InputError as exc:
        raise _unsupported(envelope, exc.message) from None
    routing = UserMessageRouting(
        message_id=message_id,
        conversation_id=metadata.get("as4.conversation_id", envelope.message_id),
        from_party=common_name(identity.credentials.certificate),
        to_party=target.seat_id,
        original_sender=sender,
        final_recipient=receiver,
        document_type=document_type,
        process=process,
        timestamp=now,
    )
    return build_user_message(
        routing, payload, credentials=identity.credentials, recipient=target.certificate
    )
