"""Peppol Business Message Envelope (SBDH): build, read back, checks against the AS4 header."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from gateway.peppol import sbdh
from gateway.peppol.identifiers import ParticipantId
from tests.unit.peppol.as4_support import INVOICE, RECEIVER, SENDER, wrap

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
BODY = INVOICE.split(b"?>", 1)[1].strip()


def test_wrap_then_unwrap_gives_back_the_exact_document_bytes() -> None:
    envelope, header = wrap(now=NOW)
    unwrapped = sbdh.unwrap(envelope, max_bytes=1 << 20)
    assert unwrapped.document == BODY
    assert unwrapped.header == header
    assert header.sender == SENDER
    assert header.receiver == RECEIVER
    assert header.document_type.value == (
        "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:"
        "2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
    )
    assert header.process.value == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert header.created == "2026-11-28T09:30:00.000Z"
    assert header.country_c1 == "BE"


def test_envelope_has_the_mandatory_scopes() -> None:
    envelope, _ = wrap(now=NOW)
    root = etree.fromstring(envelope)
    ns = {"sh": sbdh.SBDH_NS}
    assert root.xpath(
        "sh:StandardBusinessDocumentHeader/sh:HeaderVersion/text()", namespaces=ns
    ) == ["1.0"]
    scopes = root.xpath("//sh:Scope/sh:Type/text()", namespaces=ns)
    assert scopes == ["DOCUMENTID", "PROCESSID", "COUNTRY_C1"]
    assert root.xpath("//sh:Sender/sh:Identifier/@Authority", namespaces=ns) == [
        "iso6523-actorid-upis"
    ]


def test_document_relying_on_an_envelope_namespace_is_reserialised() -> None:
    envelope, _ = wrap(now=NOW)
    # A sender that declares the cbc prefix on the envelope instead of the document.
    moved = envelope.replace(
        b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"', b""
    ).replace(
        b"<sh:StandardBusinessDocument ",
        b'<sh:StandardBusinessDocument xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:'
        b'CommonBasicComponents-2" ',
    )
    document = sbdh.unwrap(moved, max_bytes=1 << 20).document
    assert (
        b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
        in document
    )
    assert b"xmlns:sh" not in document
    assert (
        etree.fromstring(document).findtext(
            "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}ID"
        )
        == "INV-1"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ((b"<sh:HeaderVersion>1.0", b"<sh:HeaderVersion>2.0"), "HeaderVersion"),
        ((b"<sh:Type>DOCUMENTID</sh:Type>", b"<sh:Type>OTHER</sh:Type>"), "DOCUMENTID"),
        ((b"<sh:Type>Invoice</sh:Type>", b"<sh:Type>CreditNote</sh:Type>"), "do not match"),
        (
            (b'Authority="iso6523-actorid-upis">0088', b'Authority="iso6523-actorid-upis">88'),
            "Sender",
        ),
    ],
)
def test_broken_headers_are_refused_naming_the_field(
    change: tuple[bytes, bytes], message: str
) -> None:
    envelope, _ = wrap(now=NOW)
    with pytest.raises(sbdh.SbdhError, match=message):
        sbdh.unwrap(envelope.replace(*change, 1), max_bytes=1 << 20)


def test_an_envelope_with_two_documents_is_refused() -> None:
    envelope, _ = wrap(now=NOW)
    doubled = envelope.replace(
        b"</sh:StandardBusinessDocument>", BODY + b"</sh:StandardBusinessDocument>"
    )
    with pytest.raises(sbdh.SbdhError, match="exactly one document"):
        sbdh.unwrap(doubled, max_bytes=1 << 20)


def test_non_utf8_documents_and_bad_countries_are_refused() -> None:
    latin = INVOICE.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    with pytest.raises(sbdh.SbdhError, match="UTF-8"):
        wrap(latin, now=NOW)
    with pytest.raises(sbdh.SbdhError, match="COUNTRY_C1"):
        sbdh.wrap(
            INVOICE,
            sender=SENDER,
            receiver=RECEIVER,
            instance_id="x",
            created=NOW,
            country_c1="Belgium",
        )


def test_check_against_as4_names_the_differing_value() -> None:
    _envelope, header = wrap(now=NOW)
    good = {
        "original_sender": str(SENDER),
        "final_recipient": "0088:5790000435975",
        "action": str(header.document_type),
        "service": header.process.value,
    }
    sbdh.check_against_as4(header, **good)
    for key, value, message in [
        ("final_recipient", "0088:1111111111111", "finalRecipient"),
        ("original_sender", "0088:1111111111111", "originalSender"),
        ("action", "busdox-docid-qns::other", "Action"),
        ("service", "urn:other", "Service"),
    ]:
        with pytest.raises(sbdh.SbdhError, match=message):
            sbdh.check_against_as4(header, **(good | {key: value}))


def test_participant_case_is_ignored_in_the_comparison() -> None:
    _, header = wrap(now=NOW, receiver=ParticipantId("9915:ABC"))
    sbdh.check_against_as4(
        header,
        original_sender=str(SENDER),
        final_recipient="9915:abc",
        action=str(header.document_type),
        service=header.process.value,
    )


def test_a_closing_tag_in_a_header_comment_does_not_shift_the_document() -> None:
    envelope, _ = wrap(now=NOW)
    tricked = envelope.replace(
        b"<sh:HeaderVersion>", b"<!-- </sh:StandardBusinessDocumentHeader> --><sh:HeaderVersion>", 1
    )
    document = sbdh.unwrap(tricked, max_bytes=1 << 20).document
    root = etree.fromstring(document)
    assert etree.QName(root).localname == "Invoice"
    assert b"HeaderVersion" not in document
