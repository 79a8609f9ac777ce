"""AS4 receiving core: a message we built is accepted, every kind of tampering or policy
breach is refused with the ebMS code the profile names; receipts and error signals."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from gateway.peppol.as4 import message as message_module
from gateway.peppol.as4.errors import (
    DECOMPRESSION_FAILURE,
    FAILED_AUTHENTICATION,
    FAILED_DECRYPTION,
    INVALID_HEADER,
    INVALID_RECEIPT,
    OTHER,
    PEPPOL_NOT_SERVICED,
    VALUE_INCONSISTENT,
    As4Rejected,
    NotServiced,
    RemoteEbmsError,
)
from gateway.peppol.as4.inbound import receive_user_message
from gateway.peppol.as4.message import OutboundMessage, build_user_message
from gateway.peppol.as4.receipt import parse_envelope, parse_error_signal, verify_receipt
from gateway.peppol.as4.signals import ErrorReport, build_error_signal, build_receipt
from gateway.peppol.as4.wssec import verify_ws_signature
from gateway.peppol.identifiers import ParticipantId
from gateway.signing import pki
from tests.unit.peppol.as4_support import INVOICE, RECEIVER, build, routing, settings, wrap


def _receive(dev_pki: pki.DevPki, now: datetime, message: OutboundMessage, **kwargs: object):  # type: ignore[no-untyped-def]
    return receive_user_message(
        message.content_type,
        message.body,
        settings(dev_pki, now=now, **kwargs),  # type: ignore[arg-type]
    )


def _rejected(
    dev_pki: pki.DevPki, now: datetime, content_type: str, body: bytes, **kwargs: object
) -> As4Rejected:
    with pytest.raises(As4Rejected) as caught:
        receive_user_message(content_type, body, settings(dev_pki, now=now, **kwargs))  # type: ignore[arg-type]
    return caught.value


def test_round_trip(dev_pki: pki.DevPki, now: datetime) -> None:
    message = build(dev_pki, now=now)
    received = _receive(dev_pki, now, message)
    assert received.message_id == "msg-1@test.gateway"
    assert received.final_recipient == RECEIVER
    assert received.envelope.document == INVOICE.split(b"?>", 1)[1].strip()
    assert received.signature.signer == dev_pki.entries["ap/POP000901"].certificate
    assert [r.digest_value for r in received.signature.references] == [
        r.digest_value for r in message.signed_references
    ]


def test_altered_header_is_failed_authentication(dev_pki: pki.DevPki, now: datetime) -> None:
    message = build(dev_pki, now=now)
    body = message.body.replace(b"conversation-1", b"conversation-2", 1)
    error = _rejected(dev_pki, now, message.content_type, body)
    assert error.ebms_code == FAILED_AUTHENTICATION
    assert "digest mismatch" in error.reason
    assert error.ref_to_message_id == "msg-1@test.gateway"


def test_flipped_ciphertext_bit_is_failed_decryption(dev_pki: pki.DevPki, now: datetime) -> None:
    message = build(dev_pki, now=now)
    position = message.body.rindex(b"\r\n--") - 20
    body = bytearray(message.body)
    body[position] ^= 0x01
    error = _rejected(dev_pki, now, message.content_type, bytes(body))
    assert error.ebms_code == FAILED_DECRYPTION


def test_message_encrypted_for_another_ap_is_failed_decryption(
    dev_pki: pki.DevPki, now: datetime
) -> None:
    message = build(dev_pki, now=now, recipient=dev_pki.entries["ap/POP000901"].certificate)
    error = _rejected(dev_pki, now, message.content_type, message.body)
    assert (error.ebms_code, error.ref_to_message_id) == (FAILED_DECRYPTION, "msg-1@test.gateway")


def test_payload_beyond_the_cap_is_decompression_failure(
    dev_pki: pki.DevPki, now: datetime
) -> None:
    big = INVOICE.replace(b"<cbc:ID>", b"<cbc:Note>" + b"A" * 300_000 + b"</cbc:Note><cbc:ID>")
    message = build(dev_pki, now=now, document=big)
    assert len(message.body) < 20_000
    error = _rejected(dev_pki, now, message.content_type, message.body, max_payload_bytes=100_000)
    assert error.ebms_code == DECOMPRESSION_FAILURE


def test_zip_bomb_is_refused_before_it_is_expanded(
    dev_pki: pki.DevPki, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=1)
    monkeypatch.setattr(message_module, "compress", lambda payload: bomb)
    message = build(dev_pki, now=now)
    error = _rejected(dev_pki, now, message.content_type, message.body, max_payload_bytes=1 << 20)
    assert error.ebms_code == DECOMPRESSION_FAILURE
    assert "expands beyond" in error.reason


def test_signer_from_another_pki_is_failed_authentication(
    dev_pki: pki.DevPki, other_pki: pki.DevPki, now: datetime
) -> None:
    message = build(
        dev_pki, now=now, sender_seat="POP000666", signer=other_pki.entries["ap/POP000666"]
    )
    error = _rejected(dev_pki, now, message.content_type, message.body)
    assert error.ebms_code == FAILED_AUTHENTICATION
    assert "not trusted" in error.reason


def test_expired_signer_is_failed_authentication(dev_pki: pki.DevPki, now: datetime) -> None:
    expired = pki.new_access_point_certificate(
        dev_pki.ap_ca, "POP000903", now=now - timedelta(days=400), validity=timedelta(days=30)
    )
    message = build(dev_pki, now=now, sender_seat="POP000903", signer=expired)
    error = _rejected(dev_pki, now, message.content_type, message.body)
    assert error.ebms_code == FAILED_AUTHENTICATION
    assert "is not valid at" in error.reason


def test_from_party_must_be_the_signer(dev_pki: pki.DevPki, now: datetime) -> None:
    message = build(
        dev_pki, now=now, sender_seat="POP000901", signer=dev_pki.entries["ap/POP000902"]
    )
    error = _rejected(dev_pki, now, message.content_type, message.body, seat="POP000902")
    assert error.ebms_code == FAILED_AUTHENTICATION
    assert "eb:From/PartyId" in error.reason


def test_unserved_recipient_is_peppol_not_serviced(dev_pki: pki.DevPki, now: datetime) -> None:
    message = build(dev_pki, now=now)
    error = _rejected(
        dev_pki,
        now,
        message.content_type,
        message.body,
        served=(ParticipantId("0088:1111111111111"),),
    )
    assert isinstance(error, NotServiced)
    assert (error.ebms_code, error.detail) == (OTHER, PEPPOL_NOT_SERVICED)


def test_sbdh_and_as4_header_must_agree(dev_pki: pki.DevPki, now: datetime) -> None:
    payload, header = wrap(now=now)
    mismatched = replace(
        routing(header, now=now), final_recipient=ParticipantId("0088:1111111111111")
    )
    message = build_user_message(
        mismatched,
        payload,
        credentials=dev_pki.entries["ap/POP000901"].credentials(),
        recipient=dev_pki.entries["ap/POP000902"].certificate,
    )
    error = _rejected(dev_pki, now, message.content_type, message.body)
    assert error.ebms_code == VALUE_INCONSISTENT
    assert "finalRecipient" in error.reason


def test_unknown_must_understand_header_is_refused(dev_pki: pki.DevPki, now: datetime) -> None:
    message = build(dev_pki, now=now)
    body = message.body.replace(
        b"<S12:Header>",
        b'<S12:Header><x:Routing xmlns:x="urn:x" S12:mustUnderstand="true"/>',
        1,
    )
    error = _rejected(dev_pki, now, message.content_type, body)
    assert error.ebms_code == INVALID_HEADER


def test_receipt_verifies_with_the_sender_duties(dev_pki: pki.DevPki, now: datetime) -> None:
    message = build(dev_pki, now=now)
    received = _receive(dev_pki, now, message)
    receiver = dev_pki.entries["ap/POP000902"]
    receipt = build_receipt(
        ref_to_message_id=received.message_id,
        references=received.signature.references,
        credentials=receiver.credentials(),
        timestamp=now,
    )
    verified = verify_receipt(
        receipt.body,
        expected_signer=receiver.certificate,
        sent_message_id=message.message_id,
        sent_references=message.signed_references,
    )
    assert verified.ref_to_message_id == message.message_id
    assert len(verified.acknowledged) == 3
    tampered = receipt.body.replace(message.message_id.encode(), b"msg-2@test.gateway")
    with pytest.raises(As4Rejected) as caught:
        verify_receipt(
            tampered, expected_signer=receiver.certificate, sent_message_id="msg-2@test.gateway"
        )
    assert caught.value.ebms_code == INVALID_RECEIPT


def test_signed_error_signal_round_trips_to_a_permanent_remote_error(
    dev_pki: pki.DevPki, now: datetime
) -> None:
    receiver = dev_pki.entries["ap/POP000902"]
    signal = build_error_signal(
        [ErrorReport.of(NotServiced("0088:1 is not served here"))],
        ref_to_message_id="msg-1@test.gateway",
        timestamp=now,
        credentials=receiver.credentials(),
    )
    (entry,) = parse_error_signal(signal.body)
    assert (entry.error_code, entry.detail, entry.ref_to_message_in_error) == (
        "EBMS:0004",
        PEPPOL_NOT_SERVICED,
        "msg-1@test.gateway",
    )
    assert entry.severity == "failure"
    assert entry.short_description == "Other"
    signature = verify_ws_signature(parse_envelope(signal.body), check_signer=lambda c: None)
    assert signature.signer == receiver.certificate
    with pytest.raises(RemoteEbmsError) as caught:
        verify_receipt(signal.body, expected_signer=receiver.certificate, sent_message_id="x")
    assert (caught.value.wire_code, caught.value.retryable) == (PEPPOL_NOT_SERVICED, False)


def test_unsigned_error_signal_has_no_security_header(now: datetime) -> None:
    signal = build_error_signal(
        [ErrorReport(INVALID_HEADER, "not a SOAP envelope")],
        ref_to_message_id=None,
        timestamp=now,
        credentials=None,
    )
    assert b"wsse:Security" not in signal.body
    assert b"refToMessageInError" not in signal.body
    (entry,) = parse_error_signal(signal.body)
    assert (entry.error_code, entry.category, entry.short_description) == (
        INVALID_HEADER,
        "Unpackaging",
        "InvalidHeader",
    )
