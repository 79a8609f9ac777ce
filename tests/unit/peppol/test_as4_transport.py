"""The peppol-as4 transport's pure parts: answer interpretation, envelope → message, receive."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
import pytest

from gateway.db.tables.partners import PartnerEndpoint
from gateway.exchange.endpoints import endpoint_config
from gateway.peppol.as4.errors import (
    MISSING_RECEIPT,
    InvalidReceiptError,
    MissingReceiptError,
    RemoteEbmsError,
)
from gateway.peppol.as4.inbound import receive_user_message
from gateway.peppol.as4.outbound import SenderIdentity, Target, prepare_message
from gateway.peppol.as4.response import interpret_response
from gateway.peppol.as4.signals import ErrorReport, build_error_signal, build_receipt
from gateway.peppol.as4.transport import DISCOVERY_URL, As4TransportConfig, PeppolAs4Transport
from gateway.peppol.identifiers import ParticipantId
from gateway.signing import pki
from gateway.transports.base import Envelope, InboundRequest, Receipt, sha256_hex
from gateway.transports.endpoint import EndpointConfig
from gateway.transports.errors import (
    EndpointConfigError,
    RemoteUnavailableError,
    UnsupportedPayloadError,
)
from tests.unit.peppol.as4_support import INVOICE, RECEIVER, SENDER, settings


def _envelope(**changes: object) -> Envelope:
    fields: dict[str, object] = {
        "message_id": "0190f0e1-7a2b-7c3d-8e4f-aabbccddeeff",
        "document_type": "peppol-bis-billing-3-invoice",
        "sender_id": "einvoice-gateway",
        "receiver_id": str(RECEIVER),
        "payload": INVOICE,
        "content_type": "application/xml",
    }
    return Envelope(**(fields | changes))  # type: ignore[arg-type]


def _identity(dev_pki: pki.DevPki) -> SenderIdentity:
    return SenderIdentity(dev_pki.entries["ap/POP000901"].credentials(), SENDER, "BE")


def _target(dev_pki: pki.DevPki) -> Target:
    return Target("https://ap2.example.test/as4", dev_pki.entries["ap/POP000902"].certificate)


def test_envelope_becomes_a_message_with_deterministic_ids(
    dev_pki: pki.DevPki, now: datetime
) -> None:
    first = prepare_message(
        _envelope(), target=_target(dev_pki), identity=_identity(dev_pki), now=now
    )
    again = prepare_message(
        _envelope(), target=_target(dev_pki), identity=_identity(dev_pki), now=now
    )
    assert (
        first.message_id == again.message_id == "0190f0e1-7a2b-7c3d-8e4f-aabbccddeeff@gateway.as4"
    )
    assert first.body != again.body  # fresh session key and ids per attempt
    received = receive_user_message(first.content_type, first.body, settings(dev_pki, now=now))
    assert received.original_sender == SENDER  # the identity's default C1
    assert received.envelope.header.instance_id == "0190f0e1-7a2b-7c3d-8e4f-aabbccddeeff"
    assert received.header.conversation_id == "0190f0e1-7a2b-7c3d-8e4f-aabbccddeeff"
    assert received.header.to_party == "POP000902"


def test_metadata_overrides_process_and_country(dev_pki: pki.DevPki, now: datetime) -> None:
    envelope = _envelope(
        sender_id="0088:5790000435968",
        metadata={"peppol.country_c1": "NL", "as4.conversation_id": "conv-9"},
    )
    message = prepare_message(
        envelope, target=_target(dev_pki), identity=_identity(dev_pki), now=now
    )
    received = receive_user_message(message.content_type, message.body, settings(dev_pki, now=now))
    assert received.original_sender == ParticipantId("0088:5790000435968")
    assert received.envelope.header.country_c1 == "NL"
    assert received.header.conversation_id == "conv-9"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"content_type": "application/json", "payload": b"{}"}, "not UBL XML"),
        ({"receiver_id": "partner-42"}, "not a Peppol participant id"),
        ({"payload": b"<Invoice xmlns='urn:x'/>"}, "CustomizationID"),
    ],
)
def test_envelopes_that_cannot_travel_are_refused(
    dev_pki: pki.DevPki, now: datetime, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(UnsupportedPayloadError, match=message):
        prepare_message(
            _envelope(**changes), target=_target(dev_pki), identity=_identity(dev_pki), now=now
        )


def _evidence(
    status: int, raw: bytes, content_type: str | None = "application/soap+xml"
) -> Receipt:
    return Receipt(
        message_id="m",
        transport="peppol-as4",
        received_at=datetime.now().astimezone(),
        raw=raw,
        sha256=sha256_hex(raw),
        status_code=status,
        content_type=content_type,
    )


def test_answers_without_a_signal(dev_pki: pki.DevPki, now: datetime) -> None:
    message = prepare_message(
        _envelope(), target=_target(dev_pki), identity=_identity(dev_pki), now=now
    )
    signer = dev_pki.entries["ap/POP000902"].certificate
    with pytest.raises(MissingReceiptError) as missing:
        interpret_response(
            _evidence(200, b"<html>ok</html>", "text/html"), message=message, expected_signer=signer
        )
    assert (missing.value.wire_code, missing.value.retryable) == (MISSING_RECEIPT, True)
    with pytest.raises(RemoteUnavailableError):
        interpret_response(
            _evidence(503, b"busy", "text/plain"), message=message, expected_signer=signer
        )


def test_signals_whatever_the_status(dev_pki: pki.DevPki, now: datetime) -> None:
    message = prepare_message(
        _envelope(), target=_target(dev_pki), identity=_identity(dev_pki), now=now
    )
    receiver = dev_pki.entries["ap/POP000902"]
    error = build_error_signal(
        [ErrorReport("EBMS:0004", "storage down")],
        ref_to_message_id=message.message_id,
        timestamp=now,
        credentials=None,
    )
    with pytest.raises(RemoteEbmsError) as caught:
        interpret_response(
            _evidence(500, error.body), message=message, expected_signer=receiver.certificate
        )
    assert caught.value.retryable
    assert caught.value.receipt is not None
    # A receipt for a different set of references than the ones we signed.
    other = prepare_message(
        _envelope(), target=_target(dev_pki), identity=_identity(dev_pki), now=now
    )
    received = receive_user_message(other.content_type, other.body, settings(dev_pki, now=now))
    receipt = build_receipt(
        ref_to_message_id=message.message_id,
        references=received.signature.references,
        credentials=receiver.credentials(),
        timestamp=now,
    )
    with pytest.raises(InvalidReceiptError, match="NonRepudiationInformation"):
        interpret_response(
            _evidence(200, receipt.body), message=message, expected_signer=receiver.certificate
        )


async def test_transport_receive_returns_the_business_document(
    dev_pki: pki.DevPki, now: datetime
) -> None:
    message = prepare_message(
        _envelope(), target=_target(dev_pki), identity=_identity(dev_pki), now=now
    )
    async with aiohttp.ClientSession() as session:
        transport = PeppolAs4Transport(
            session,
            As4TransportConfig(identity=_identity(dev_pki), receiver=settings(dev_pki, now=now)),
        )
        inbound = await transport.receive(
            InboundRequest(headers=message.http_headers(), body=message.body, received_at=now),
            EndpointConfig(url="https://partner.example/as4", transport="peppol-as4"),
        )
        assert inbound.payload == INVOICE.split(b"?>", 1)[1].strip()
        assert inbound.message_id == message.message_id
        assert inbound.signature_key_id == "POP000901"
        static = EndpointConfig(url="https://ap2.example.test/as4", transport="peppol-as4")
        with pytest.raises(EndpointConfigError, match="peer_certificate_pem"):
            await transport.send(_envelope(), static)
        discover = EndpointConfig(url="peppol:smp", transport="peppol-as4")
        with pytest.raises(EndpointConfigError, match="no Discovery"):
            await transport.send(_envelope(), discover)


def test_stored_peppol_endpoints_become_transport_configurations(dev_pki: pki.DevPki) -> None:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    pem = dev_pki.entries["ap/POP000902"].certificate_pem().decode()

    def stored(url: str | None, **settings: object) -> PartnerEndpoint:
        return PartnerEndpoint(
            id="e1",
            partner_id="p1",
            transport="peppol-as4",
            url=url,
            settings=settings,
            priority=0,
            enabled=True,
            created_at=created,
            updated_at=created,
        )

    assert endpoint_config(stored(None)).url == DISCOVERY_URL
    static = endpoint_config(stored("https://ap2.example.test/as4", peer_certificate_pem=pem))
    assert static.peer_certificate_pem == pem
