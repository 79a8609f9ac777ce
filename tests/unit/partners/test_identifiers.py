"""Participant identifiers: per-scheme syntax and check digits (python-stdnum), spellings,
unknown and removed schemes."""

from __future__ import annotations

import pytest

from gateway.partners.identifiers import (
    SCHEMES,
    InvalidIdentifierError,
    ParticipantId,
    SchemeState,
    is_valid,
    parse_participant_id,
    scheme,
    validate_gln,
    validate_identifier,
    validate_vat,
)

VALID = [
    # (input, normalised "scheme:value")
    ("0088:5790000436057", "0088:5790000436057"),  # GLN, GS1 mod 10
    ("0192:988077917", "0192:988077917"),  # Norwegian organisasjonsnummer, mod 11
    ("0192:988 077 917", "0192:988077917"),
    ("0007:1234567897", "0007:1234567897"),  # Swedish organisationsnummer, Luhn
    ("0184:13585628", "0184:13585628"),  # Danish CVR
    ("0198:DK13585628", "0198:DK13585628"),
    ("0208:0403019261", "0208:0403019261"),  # Belgian enterprise number, mod 97
    ("0208:0403.019.261", "0208:0403019261"),
    ("0106:12345678", "0106:12345678"),  # KvK: syntax only
    ("0190:00000001820029336000", "0190:00000001820029336000"),  # OIN: syntax only
    ("0211:IT00743110157", "0211:IT00743110157"),  # Italian partita IVA
    ("0204:04011000-1234512345-06", "0204:04011000-1234512345-06"),  # Leitweg-ID
    ("0002:732829320", "0002:732829320"),  # SIREN
    ("0009:73282932000074", "0009:73282932000074"),  # SIRET
    ("0151:51824753556", "0151:51824753556"),  # ABN
    ("0183:CHE100155212", "0183:CHE100155212"),
    ("0196:4504013150", "0196:4504013150"),  # kennitala
    ("0199:213800D1EI4B9WTWWD28", "0199:213800D1EI4B9WTWWD28"),  # LEI
    ("0216:003704944842TST01", "0216:003704944842TST01"),  # OVT with suffix
    ("0242:123456-ABC", "0242:123456-ABC"),  # SPIS: dots and hyphens kept
    ("0246:DE123456789-12345.AB", "0246:DE123456789-12345.AB"),
    ("9925:BE0403019261", "9925:BE0403019261"),  # VAT schemes: country prefix + stdnum
    ("9925:be 0403.019.261", "9925:BE0403019261"),
    ("9930:DE136695976", "9930:DE136695976"),
    ("9933:EL094259216", "9933:EL094259216"),
    ("9944:NL004495445B01", "9944:NL004495445B01"),
    ("9932:GB980780684", "9932:GB980780684"),
    ("9927:CHE107787577IVA", "9927:CHE107787577IVA"),
    ("9918:GB82WEST12345698765432", "9918:GB82WEST12345698765432"),  # IBAN
    ("9959:04-2103594", "9959:042103594"),  # US EIN
]

INVALID = [
    ("0088:5790000436058", "check digit"),  # GLN checksum off by one
    ("0088:579000043605", "does not have the form"),  # 12 digits
    ("0192:988077918", "check digit"),
    ("0007:1234567898", "check digit"),
    ("0184:13585627", "check"),
    ("0208:0403019262", "check"),
    ("0211:IT00743110158", "check"),
    ("0204:04011000-1234512345-07", "check"),
    ("9925:BE0403019262", "check"),
    ("9930:FR40303265045", "does not have the form"),  # a French VAT number, wrong scheme
    ("9930:DE13669597", "does not have the form"),
    ("0106:1234567", "does not have the form"),
    ("0190:123", "does not have the form"),
    ("0192:", "empty"),
]


@pytest.mark.parametrize(("text", "normalised"), VALID)
def test_valid_identifiers(text: str, normalised: str) -> None:
    participant = parse_participant_id(text)
    assert str(participant) == normalised
    assert is_valid(text)


@pytest.mark.parametrize(("text", "reason"), INVALID)
def test_invalid_identifiers(text: str, reason: str) -> None:
    code = text.split(":")[0]
    with pytest.raises(InvalidIdentifierError, match=reason) as caught:
        parse_participant_id(text)
    assert code in str(caught.value)
    assert caught.value.http_status == 400
    assert not is_valid(text)


def test_all_spellings_parse_to_one_identifier() -> None:
    expected = ParticipantId("0088", "5790000436057")
    for text in ("iso6523-actorid-upis::0088:5790000436057",
                 "ISO6523-ACTORID-UPIS::0088:5790000436057",
                 "0088::5790000436057", " 0088:5790000436057 "):
        assert parse_participant_id(text) == expected
    assert expected.peppol == "iso6523-actorid-upis::0088:5790000436057"


def test_lookup_key_is_case_insensitive() -> None:
    assert parse_participant_id("0201:abc123").key == parse_participant_id("0201:ABC123").key


@pytest.mark.parametrize("text", ["0777:123", "EM:someone@example.com", "XX:1"])
def test_unknown_scheme_is_named(text: str) -> None:
    with pytest.raises(InvalidIdentifierError, match="unknown participant identifier scheme") as e:
        parse_participant_id(text)
    assert repr(text.split(":")[0]) in str(e.value)


@pytest.mark.parametrize("text", ["5790000436057", "busdox-actorid-upis::0088:579", ""])
def test_malformed_identifiers(text: str) -> None:
    with pytest.raises(InvalidIdentifierError):
        parse_participant_id(text)


def test_removed_schemes_name_their_replacement() -> None:
    with pytest.raises(InvalidIdentifierError, match=r"removed.*use 0211 \(IT:IVA\)"):
        parse_participant_id("9906:IT00743110157")
    historic = parse_participant_id("9906:IT00743110157", allow_removed=True)
    assert str(historic) == "9906:IT00743110157"
    with pytest.raises(InvalidIdentifierError, match="check"):
        parse_participant_id("9906:IT00743110158", allow_removed=True)
    with pytest.raises(InvalidIdentifierError, match=r"use 0192"):
        validate_identifier("9908", "988077917")


def test_scheme_table_is_consistent() -> None:
    assert all(len(code) == 4 and code.isdigit() for code in SCHEMES)
    for entry in SCHEMES.values():
        if entry.replaced_by is not None:
            assert entry.state is SchemeState.REMOVED
            assert SCHEMES[entry.replaced_by].state is SchemeState.ACTIVE
    assert scheme("GLN").code == "0088"
    assert scheme("no:org").code == "0192"


def test_vat_and_gln_helpers() -> None:
    assert validate_vat("NL 004495445 B01") == "NL004495445B01"
    assert validate_gln("579 0000 436057") == "5790000436057"
    with pytest.raises(InvalidIdentifierError, match="VAT"):
        validate_vat("DE136695977")
    with pytest.raises(InvalidIdentifierError, match="GLN"):
        validate_gln("12345670")  # a valid EAN-8, not a GLN
