"""Shared builders for the AS4 tests: a small UBL invoice, routing values, receiver settings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from gateway.peppol import sbdh
from gateway.peppol.as4.inbound import ReceiverSettings
from gateway.peppol.as4.message import OutboundMessage, UserMessageRouting, build_user_message
from gateway.peppol.identifiers import DocumentTypeId, ParticipantId, ProcessId
from gateway.signing import pki
from gateway.signing.trust import SignerTrust

SENDER = ParticipantId("0088:7300010000001")
RECEIVER = ParticipantId("0088:5790000435975")
INVOICE = b"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>INV-1</cbc:ID>
  <cbc:Note>caf\xc3\xa9 \xe2\x82\xac 100</cbc:Note>
</Invoice>
"""


def wrap(
    document: bytes = INVOICE,
    *,
    now: datetime,
    sender: ParticipantId = SENDER,
    receiver: ParticipantId = RECEIVER,
    instance_id: str = "sbdh-1",
) -> tuple[bytes, sbdh.SbdhHeader]:
    return sbdh.wrap(
        document,
        sender=sender,
        receiver=receiver,
        instance_id=instance_id,
        created=now,
        country_c1="BE",
    )


def routing(
    header: sbdh.SbdhHeader,
    *,
    now: datetime,
    message_id: str = "msg-1@test.gateway",
    from_party: str = "POP000901",
    to_party: str = "POP000902",
) -> UserMessageRouting:
    return UserMessageRouting(
        message_id=message_id,
        conversation_id="conversation-1",
        from_party=from_party,
        to_party=to_party,
        original_sender=header.sender,
        final_recipient=header.receiver,
        document_type=header.document_type,
        process=header.process,
        timestamp=now,
    )


def build(
    dev_pki: pki.DevPki,
    *,
    now: datetime,
    document: bytes = INVOICE,
    sender_seat: str = "POP000901",
    receiver_seat: str = "POP000902",
    signer: pki.IssuedCertificate | None = None,
    recipient: x509.Certificate | None = None,
    message_id: str = "msg-1@test.gateway",
) -> OutboundMessage:
    payload, header = wrap(document, now=now)
    signer = signer or dev_pki.entries[f"ap/{sender_seat}"]
    return build_user_message(
        routing(
            header, now=now, message_id=message_id, from_party=sender_seat, to_party=receiver_seat
        ),
        payload,
        credentials=signer.credentials(),
        recipient=recipient or dev_pki.entries[f"ap/{receiver_seat}"].certificate,
    )


@dataclass(frozen=True)
class Served:
    participants: frozenset[ParticipantId]

    def __call__(self, recipient: ParticipantId, _doc: DocumentTypeId, _proc: ProcessId) -> bool:
        return recipient in self.participants


def anchored_check(dev_pki: pki.DevPki, at: datetime) -> Callable[[x509.Certificate], None]:
    trust = SignerTrust(
        anchors=(dev_pki.root.certificate,), intermediates=(dev_pki.ap_ca.certificate,)
    )
    return lambda certificate: trust.check_certificate(certificate, at)


def settings(
    dev_pki: pki.DevPki,
    *,
    now: datetime,
    seat: str = "POP000902",
    served: Iterable[ParticipantId] = (RECEIVER,),
    max_payload_bytes: int = 10 * 1024 * 1024,
) -> ReceiverSettings:
    return ReceiverSettings(
        keys=(dev_pki.entries[f"ap/{seat}"].credentials(),),
        check_signer=anchored_check(dev_pki, now),
        serves=Served(frozenset(served)),
        max_payload_bytes=max_payload_bytes,
    )
