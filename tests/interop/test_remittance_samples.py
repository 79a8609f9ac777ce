"""Every public remittance sample in ../shared/remittance-samples parses, with its amounts,
directions, references and counts asserted per file (read off the files themselves), and
malformed variants fail with an error that names the line or element."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from gateway.errors import InputError, UnsupportedDocumentError
from gateway.remittance.formats import csv_bank, detect, parse_bytes
from gateway.remittance.model import LineKind, ReferenceScheme, RemittanceLine
from gateway.remittance.references import has_valid_check_digits

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "remittance-samples"


@pytest.fixture(scope="module")
def samples() -> Path:
    if not (SAMPLES / "README.md").exists():
        if os.environ.get("CI"):
            pytest.fail("remittance samples not found next to the checkout")
        pytest.skip("../shared/remittance-samples not available")
    return SAMPLES


def read(samples: Path, name: str) -> tuple[str, list[RemittanceLine]]:
    return parse_bytes((samples / name).read_bytes())


# file: (format, count, amounts, directions C/D, creditor references)
EXPECTED: dict[str, tuple[str, int, list[str | None], str, list[str]]] = {
    "camt052/moov_FI_camt_052_sample.v02.xml": (
        "camt", 2, ["2120.00", "100.00"], "CC", ["RF98123456789012"]),
    "camt053/genkgo_camt053.v2.minimal.xml": ("camt", 1, ["8.85"], "C", ["4654654654654654"]),
    "camt053/genkgo_camt053.v4.xml": ("camt", 1, ["0"], "C", ["4654654654654654"]),
    "camt053/genkgo_camt053.v8.xml": ("camt", 1, ["0"], "C", ["4654654654654654"]),
    "camt053/moov_CH_camt053.v04.xml": (
        "camt", 5, ["4.50", "77.70", "1500.00", "1537.00", "1692.22"], "CCCCC", []),
    "camt053/moov_FI_camt_053_sample.v02.xml": (
        "camt", 13, ["1000.12", "4000.00", "2000.02", "1000.01", "1230.02", "2000.00", "500.00",
                     "3000.00", "2120.00", "5455.00", "10000.00", "100.00", "100.00"],
        "DDDDDCCCCCCDD", ["3900", "RF98123456789012"]),
    "camt053/moov_statement_1.v02.xml": (
        "camt", 4, ["1.64", "2734.58", "30.16", "1.7"], "DDDD", []),
    "camt053/oca_test-camt053-txdtls.v04.xml": (
        "camt", 2, ["2187.00", "1296.00"], "CC",
        ["302388292000011111111111111", "302388292000022222222222222"]),
    "camt053/oca_test-camt053.v02.xml": (
        "camt", 4, ["754.25", "564.05", "100.00", "1405.31"], "DDDC", []),
    "camt054/genkgo_camt054.v2.xml": (
        "camt", 3, [None, None, None], "DDD",
        ["ISR ref number V1", "ISR ref number V2", "Ref number V3 block 1",
         "Ref number V3 block 2"]),
    "camt054/genkgo_camt054.v4.xml": (
        "camt", 3, ["3.1", "3.2", "3.2"], "CCC",
        ["ISR ref number V1", "ISR ref number V2", "Ref number V3 block 1",
         "Ref number V3 block 2"]),
    "camt054/genkgo_camt054.v8-with-UETR.xml": ("camt", 1, ["200000"], "D", []),
    "camt054/genkgo_camt054.v8.xml": (
        "camt", 3, ["3.1", "3.2", "3.2"], "CCC",
        ["ISR ref number V1", "ISR ref number V2", "Ref number V3 block 1",
         "Ref number V3 block 2"]),
    "camt054/moov_CH_camt054-ESR-batch.v04.xml": (
        "camt", 6, ["250.00", "200.00", "300.00", "324.00", "463.00", "147.00"], "CCCCCD",
        ["100041698214115449371805270", "120000000000234478943216899",
         "359335273113716998981168243", "684388397169969395754931859"]),
    "camt054/moov_CH_camt054-Strd-Ustrd.v04.xml": (
        "camt", 6, ["400.00", "350.00", "450.00", "150.00", "50.00", "100.00"], "CCCCCC", []),
    "camt054/moov_CH_camt054-returns.v04.xml": ("camt", 1, ["400.00"], "C", []),
    "camt054/moov_FI_camt_054_sample.v02.xml": (
        "camt", 13, ["1900.00", "100.00", "400.00", "100.00", "2500.00", "500.00", "2000.02",
                     "1000.01", "1230.02", "500.00", "500.00", "40.00", "60.00"],
        "CCCCCCDDDDDCC",
        ["12344", "1234567897", "2345678917", "3900", "43216", "RF0812344", "RF7812345"]),
    "camt054/oca_test-camt054-QRR.v04.xml": (
        "camt", 1, ["5.00"], "C", ["000000000000000000000000003"]),
    "csv/oca_balance.csv": ("csv", 2, ["33.50", "1533.50"], "DC", []),
    "csv/oca_debit_credit.csv": ("csv", 2, ["33.50", "1533.50"], "DC", []),
    "csv/oca_multi_currency.csv": ("csv", 2, ["33.50", "1525.00"], "DC", []),
    "csv/oca_original_currency.csv": ("csv", 1, ["1525.00"], "C", []),
    "csv/oca_sample_statement_en.csv": ("csv", 2, ["33.50", "1525.00"], "DC", []),
    "mt940/oca_test-ing.940": (
        "mt940", 8, ["1.56", "1.57", "1.57", "1.14", "1.45", "12.75", "32.00", "119.00"],
        "CDCDCDCD", ["1070123412341234", "9001123412341234"]),
    "mt940/oca_test-rabo.swi": ("mt940", 2, ["400.00", "34.61"], "CD", []),
    "mt940/oca_test-sns.940": (
        "mt940", 8, ["713.13", "10.18", "13.52", "25.61", "10.95", "0.00", "907.29", "35.00"],
        "DDDDDCDD", []),
    "mt940/wolph_betterplace_sepa_snippet.sta": (
        "mt940", 11, ["50990.05", "154551.93", "154551.93", "1500.00", "0.08", "335.33",
                      "15000", "15000.05", "125004.88", "915311.55", "3572569.03"],
        "CCCDDCCCCCD", []),
    "mt940/wolph_cmxl_mt940.sta": (
        "mt940", 16, ["6800", "620.3", "18500", "14220", "1507", "4200", "19900", "400",
                      "3656.74", "23040", "5862.14", "800", "3000", "20000.00", "10000.00",
                      "40.00"], "DDCDDCDDCCDDCCDC", []),
    "mt940/wolph_jejik_abnamro.sta": (
        "mt940", 10, ["9", "11.59", "11.63", "11.8", "13.45", "15.49", "107", "141.48", "9.49",
                      "15"], "DDDDDDDDDD", []),
    "mt940/wolph_jejik_ing.sta": (
        "mt940", 7, ["25.03", "3.03", "1.11", "20.00", "1.10", "3.68", "1.00"], "DDDDDCC", []),
    "mt940/wolph_jejik_rabobank-iban.sta": (
        "mt940", 4, ["25.00", "10.00", "25.00", "10.00"], "DDDD", []),
    "mt940/wolph_jejik_triodos.sta": ("mt940", 2, ["15.70", "700.00"], "DD", []),
    "mt940/wolph_mBank_mt940.sta": ("mt940", 3, ["0.01", "0.01", "0.01"], "CCC", []),
    "mt940/wolph_self-provided_sparkassen.sta": ("mt940", 1, ["30.00"], "C", []),
    "ubl/UBL-RemittanceAdvice-2.0-Example.xml": (
        "ubl-remittance-advice", 1, ["107.50"], "C", []),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_parses_with_expected_amounts(samples: Path, name: str) -> None:
    fmt, count, amounts, directions, references = EXPECTED[name]
    detected, lines = read(samples, name)
    assert detected == fmt
    assert len(lines) == count
    assert [str(line.amount) if line.amount is not None else None for line in lines] == amounts
    assert "".join("C" if line.credit_debit.value == "CRDT" else "D" for line in lines) == \
        directions
    assert sorted({r.reference for line in lines for r in line.creditor_references}) == \
        references


def test_every_sample_file_is_covered(samples: Path) -> None:
    files = {str(p.relative_to(samples)) for p in samples.glob("*/*")
             if p.parent.name != "xsd" and not p.name.startswith(("LICENSE", "README"))
             and p.suffix != ".xsd"}
    # The remt.001 sample is a 218-byte stub that does not validate (see its README); the long
    # German statement has its own test below.
    assert files - set(EXPECTED) == {"remt001/moov_valid_remt.v04.xml",
                                     "mt940/wolph_betterplace_sepa_mt9401.sta"}


def test_long_german_statement_totals(samples: Path) -> None:
    _, lines = read(samples, "mt940/wolph_betterplace_sepa_mt9401.sta")
    assert len(lines) == 97  # one per :61: field
    credits = [line.amount for line in lines if line.credit_debit.value == "CRDT"]
    debits = [line.amount for line in lines if line.credit_debit.value == "DBIT"]
    assert (len(credits), sum(credits)) == (41, Decimal("5188474.94"))
    assert sum(debits) == Decimal("14457610.84")
    assert sum(line.returned for line in lines) == 19
    assert sum(line.reversal for line in lines) == 2


# ---------------------------------------------------------------------- camt specifics
def test_finnish_batch_entry_has_three_details(samples: Path) -> None:
    _, lines = read(samples, "camt053/moov_FI_camt_053_sample.v02.xml")
    batch = lines[2:5]
    assert {line.entry_amount for line in batch} == {Decimal("4230.05")}
    assert [line.batch_size for line in batch] == [3, 3, 3]
    assert batch[0].creditor_references[0].scheme is ReferenceScheme.ISO11649
    assert batch[1].unstructured == ("Invoices 123 and 321",)
    document = batch[2].documents[0]
    assert (document.number, document.type_code) == ("217827182718", "CINV")
    assert batch[2].structured[0].invoicee is None  # identified by id only, no name


def test_finnish_fx_and_charges(samples: Path) -> None:
    _, lines = read(samples, "camt053/moov_FI_camt_053_sample.v02.xml")
    fx, charged = lines[8], lines[9]
    assert (fx.instructed_amount, fx.instructed_currency) == (Decimal("3200.00"), "USD")
    assert fx.charges == Decimal("20.00")
    assert fx.debtor.name == "DEBTOR NAME"
    assert fx.debtor.bic == "BOFAUS6H"
    assert fx.unstructured == ("INVOICE US20291092",)
    assert charged.documents[0].amounts is not None
    assert charged.documents[0].amounts.remitted == Decimal("5500.00")
    assert charged.charges == Decimal("45.00")
    assert lines[10].ultimate_debtor is not None
    assert lines[10].ultimate_debtor.name == "ULTIMATE DEBTOR"
    assert lines[10].end_to_end_id == "EndToEndIdSCT01"


def test_rf_check_digits_are_checked(samples: Path) -> None:
    _, lines = read(samples, "camt054/moov_FI_camt_054_sample.v02.xml")
    refs = {r.reference: r for line in lines for r in line.creditor_references}
    assert has_valid_check_digits(refs["RF0812344"]) is True
    assert has_valid_check_digits(refs["RF7812345"]) is True
    _, statement = read(samples, "camt053/moov_FI_camt_053_sample.v02.xml")
    published = statement[9].creditor_references[0]
    assert has_valid_check_digits(published) is False  # RF98123456789012 as printed is wrong


def test_finnish_notification_amounts_and_reversals(samples: Path) -> None:
    _, lines = read(samples, "camt054/moov_FI_camt_054_sample.v02.xml")
    first = lines[0]
    assert [r.reference for r in first.creditor_references] == ["3900", "12344"]
    assert first.documents[0].amounts is not None
    assert first.documents[0].amounts.remitted == Decimal("2500.00")
    reversed_lines = [line for line in lines if line.reversal]
    assert [str(line.amount) for line in reversed_lines] == ["40.00", "60.00"]
    assert all(line.returned and line.status == "INFO" for line in reversed_lines)
    assert reversed_lines[0].return_reason is not None
    assert reversed_lines[0].return_reason.startswith("AC01")


def test_swiss_return_is_marked(samples: Path) -> None:
    _, (line,) = read(samples, "camt054/moov_CH_camt054-returns.v04.xml")
    assert line.returned
    assert line.return_reason == "AC01: Kontonummer falsch"
    assert line.bank_transaction_code == "PMNT/ICDT/RRTN"
    assert line.debtor.iban == "CH8709000000929471495"


def test_swiss_qr_reference(samples: Path) -> None:
    _, (line,) = read(samples, "camt054/oca_test-camt054-QRR.v04.xml")
    reference = line.creditor_references[0]
    assert reference.scheme is ReferenceScheme.SWISS_QR
    assert has_valid_check_digits(reference) is False  # the README notes the bad check digit
    assert line.end_to_end_id == "ENDTOENDID-01"
    assert (line.debtor.name, line.debtor.iban) == ("Test Customer", "NL46ABNA0499998748")


def test_swiss_free_text_invoice_numbers(samples: Path) -> None:
    _, lines = read(samples, "camt054/moov_CH_camt054-Strd-Ustrd.v04.xml")
    assert [line.unstructured for line in lines[3:]] == [
        ("Rg.-Nr. 001",), ("Rg.-Nr. 1234567890",), ("Rg.-Nr. 987654321",)]
    assert {line.entry_amount for line in lines} == {Decimal("1500.00")}


def test_one_reader_for_three_versions(samples: Path) -> None:
    results = {}
    for version in ("v2", "v4", "v8"):
        name = f"camt054/genkgo_camt054.{version}.xml"
        _, lines = read(samples, name)
        results[version] = [(tuple(line.unstructured), tuple(
            r.reference for r in line.creditor_references), line.debtor.name) for line in lines]
        assert lines[0].source.format == {"v2": "camt.054.001.02", "v4": "camt.054.001.04",
                                          "v8": "camt.054.001.08"}[version]
    assert results["v4"] == results["v8"]
    assert [r[:2] for r in results["v2"]] == [r[:2] for r in results["v4"]]


def test_uetr_from_version_8(samples: Path) -> None:
    _, (line,) = read(samples, "camt054/genkgo_camt054.v8-with-UETR.xml")
    assert line.uetr == "255ae394-9965-4438-ac86-f406feada396"
    assert line.status == "BOOK"  # <Sts><Cd>BOOK</Cd></Sts> in .08


def test_camt052_pending_line(samples: Path) -> None:
    _, lines = read(samples, "camt052/moov_FI_camt_052_sample.v02.xml")
    assert [line.status for line in lines] == ["PDNG", "BOOK"]
    assert not lines[0].is_booked


# ---------------------------------------------------------------------- MT940 specifics
def test_german_sepa_keywords(samples: Path) -> None:
    _, lines = read(samples, "mt940/wolph_betterplace_sepa_snippet.sta")
    first = lines[0]
    assert first.end_to_end_id == "EndToEndId TFNR 22 004 00001"
    assert first.unstructured == ("Verw CTSc-01 BC-PPP TFNr 22 004",)
    assert first.debtor.iban == "DE14508800500194785000"
    assert first.debtor.bic == "DRESDEFF508"
    # SVWZ+ text wrapped mid-word across ?21/?22 is joined back together.
    assert lines[1].unstructured == ("Strukturierter Verwendungszweck 30030004 DE",)
    assert lines[1].debtor.name == "Quentin Quast"
    returns = [line for line in lines if line.returned]
    assert [str(line.amount) for line in returns] == ["0.08", "335.33", "15000", "915311.55"]


def test_german_reversal_mark(samples: Path) -> None:
    _, lines = read(samples, "mt940/wolph_betterplace_sepa_mt9401.sta")
    reversal = lines[5]
    assert reversal.reversal
    assert str(reversal.amount) == "204.88"
    assert reversal.credit_debit.value == "DBIT"  # RC: reversal of a credit


def test_dutch_structured_information(samples: Path) -> None:
    _, lines = read(samples, "mt940/oca_test-ing.940")
    assert lines[0].end_to_end_id == "EV12341REP1231456T1234"
    assert lines[0].unstructured == ("EV10001REP1000000T1000",)
    assert lines[0].debtor.iban == "NL32INGB0000012345"
    assert lines[2].returned
    assert lines[2].return_reason == "MS03"
    assert lines[2].unstructured == ("Factuurnr 123456 Klantnr 00123",)
    structured = lines[6].creditor_references[0]
    assert (structured.reference, structured.scheme) == (
        "9001123412341234", ReferenceScheme.NL_CURRENCE)
    assert lines[0].currency == "EUR"


def test_rabobank_counterparty(samples: Path) -> None:
    _, lines = read(samples, "mt940/oca_test-rabo.swi")
    assert lines[0].debtor.name == "R. SMITH"
    assert lines[0].debtor.iban == "NL66RABO0160878799"
    assert lines[0].unstructured == ("Test money paid by other partner:",)


def test_sparkasse_broken_tag_and_wrapped_amount(samples: Path) -> None:
    _, (line,) = read(samples, "mt940/wolph_self-provided_sparkassen.sta")
    assert line.unstructured == ("Test",)
    assert line.additional_info == "GUTSCHR. UEBERWEISUNG"


def test_plain_german_purpose_lines(samples: Path) -> None:
    _, lines = read(samples, "mt940/wolph_cmxl_mt940.sta")
    assert lines[11].unstructured == ("Miete November",)
    assert lines[11].debtor.name == "MUELLER"
    assert lines[12].unstructured[0].startswith("Gehalt Oktober")


# ---------------------------------------------------------------------- CSV, UBL, remt.001
def test_csv_original_currency_and_accounts(samples: Path) -> None:
    _, lines = read(samples, "csv/oca_sample_statement_en.csv")
    assert lines[0].debtor.account == "123456789"
    assert lines[1].instructed_amount == Decimal("1000.00")
    assert lines[1].unstructured == ("Your payment on 12/15/2018",)


def test_csv_profile_with_decimal_comma_and_debit_credit_columns() -> None:
    profile = csv_bank.CsvProfile.from_mapping({
        "name": "sparkasse", "date_column": "Buchungstag", "date_formats": ["%d.%m.%Y"],
        "amount_column": None, "debit_column": "Soll", "credit_column": "Haben",
        "currency_column": None, "default_currency": "EUR", "text_columns": ["Verwendungszweck"],
        "name_column": "Auftraggeber", "account_column": "IBAN", "skip_rows": 1,
        "original_amount_column": None})
    data = (b"Kontoauszug 2025\nBuchungstag;Verwendungszweck;Auftraggeber;IBAN;Soll;Haben\n"
            b"02.06.2025;RE INV-2025-0004711;Mueller GmbH;DE89370400440532013000;;1.234,56\n"
            b"03.06.2025;Miete;Vermieter;DE02120300000000202051;800,00;\n")
    credit, debit = csv_bank.parse(data, profile)
    assert (credit.amount, credit.credit_debit.value, credit.currency) == (
        Decimal("1234.56"), "CRDT", "EUR")
    assert credit.debtor.iban == "DE89370400440532013000"
    assert credit.source.pointer == "line 3"
    assert (debit.amount, debit.credit_debit.value) == (Decimal("800.00"), "DBIT")


def test_ubl_remittance_advice(samples: Path) -> None:
    _, (advice,) = read(samples, "ubl/UBL-RemittanceAdvice-2.0-Example.xml")
    assert advice.kind is LineKind.ADVICE
    assert (advice.line_id, advice.currency) == ("6577884", "GBP")
    assert advice.debtor.name == "IYT Corporation"
    (document,) = advice.documents
    assert (document.number, document.type_code) == ("A00095678", "CINV")
    assert document.amounts is not None
    assert document.amounts.remitted == Decimal("107.50")


REMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:remt.001.001.04">
 <RmtAdvc>
  <GrpHdr><MsgId>ADV-1</MsgId><CreDtTm>2025-06-02T08:00:00</CreDtTm>
   <InitgPty><Nm>Mueller GmbH</Nm></InitgPty></GrpHdr>
  <RmtInf>
   <RmtId>ADV-1-1</RmtId>
   <Strd>
    <RfrdDocInf><Tp><CdOrPrtry><Cd>CINV</Cd></CdOrPrtry></Tp><Nb>INV-2025-0004711</Nb>
    </RfrdDocInf>
    <RfrdDocAmt><DuePyblAmt Ccy="EUR">1000.00</DuePyblAmt>
     <DscntApldAmt><Amt Ccy="EUR">20.00</Amt></DscntApldAmt>
     <AdjstmntAmtAndRsn><Amt Ccy="EUR">30.00</Amt><Rsn>DAMG</Rsn>
      <AddtlInf>damaged goods</AddtlInf></AdjstmntAmtAndRsn>
     <RmtdAmt Ccy="EUR">950.00</RmtdAmt></RfrdDocAmt>
   </Strd>
   <Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>
    <Ref>RF18539007547034</Ref></CdtrRefInf></Strd>
   <OrgnlPmtInf>
    <Refs><EndToEndId>E2E-4711</EndToEndId></Refs>
    <Amt><InstdAmt Ccy="EUR">950.00</InstdAmt></Amt>
    <ReqdExctnDt><Dt>2025-06-03</Dt></ReqdExctnDt>
    <Dbtr><Nm>Mueller GmbH</Nm></Dbtr>
    <DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>
   </OrgnlPmtInf>
  </RmtInf>
 </RmtAdvc>
</Document>
"""


def test_remt001_advice_valid_against_its_schema(samples: Path) -> None:
    schema = etree.XMLSchema(etree.parse(str(samples / "xsd" / "remt.001.001.04.xsd")))
    assert schema.validate(etree.fromstring(REMT.encode())), schema.error_log
    fmt, (advice,) = parse_bytes(REMT.encode())
    assert fmt == "remt.001"
    assert advice.kind is LineKind.ADVICE
    assert (advice.line_id, advice.end_to_end_id) == ("ADV-1-1", "E2E-4711")
    assert (advice.amount, advice.currency) == (Decimal("950.00"), "EUR")
    assert advice.debtor.iban == "DE89370400440532013000"
    (document,) = advice.documents
    assert document.number == "INV-2025-0004711"
    assert document.amounts is not None
    assert (document.amounts.discount, document.amounts.remitted) == (
        Decimal("20.00"), Decimal("950.00"))
    assert document.amounts.adjustments[0].reason_text == "damaged goods"
    assert has_valid_check_digits(advice.creditor_references[0]) is True


def test_remt001_stub_without_remittance_is_refused(samples: Path) -> None:
    with pytest.raises(InputError, match="RmtInf"):
        read(samples, "remt001/moov_valid_remt.v04.xml")


# ---------------------------------------------------------------------- malformed input
def test_truncated_camt_names_the_line(samples: Path) -> None:
    data = (samples / "camt054/moov_CH_camt054-ESR-batch.v04.xml").read_bytes()
    cut = data.split(b"</TxDtls>")[0] + b"</TxDtls>"
    with pytest.raises(InputError, match=r"truncated XML \(line \d+\)"):
        parse_bytes(cut, "camt")


def test_bad_camt_amount_names_the_element(samples: Path) -> None:
    data = (samples / "camt054/oca_test-camt054-QRR.v04.xml").read_bytes()
    broken = data.replace(b'<Amt Ccy="EUR">5.00</Amt>', b'<Amt Ccy="EUR">5,0O</Amt>', 1)
    with pytest.raises(InputError, match=r"Ntry/Amt: '5,0O' is not an amount"):
        parse_bytes(broken)


def test_camt_without_direction_is_refused(samples: Path) -> None:
    data = (samples / "camt054/oca_test-camt054-QRR.v04.xml").read_bytes()
    broken = data.replace(b"<CdtDbtInd>CRDT</CdtDbtInd>", b"<CdtDbtInd>CREDIT</CdtDbtInd>", 1)
    with pytest.raises(InputError, match="CdtDbtInd: 'CREDIT'"):
        parse_bytes(broken)


def test_bad_mt940_line_names_the_line(samples: Path) -> None:
    data = (samples / "mt940/wolph_jejik_triodos.sta").read_bytes()
    broken = data.replace(b":61:110125D700,00N000NONREF", b":61:110125X700,00N000NONREF")
    with pytest.raises(InputError, match=r"MT940 line 9: cannot read the :61: statement line"):
        parse_bytes(broken)


def test_bad_mt940_date_names_the_line(samples: Path) -> None:
    data = (samples / "mt940/wolph_jejik_triodos.sta").read_bytes()
    broken = data.replace(b":61:110101D15,70", b":61:111301D15,70")
    with pytest.raises(InputError, match=r"MT940 line 5: '111301' is not a date"):
        parse_bytes(broken)


def test_bad_csv_amount_names_the_line(samples: Path) -> None:
    data = (samples / "csv/oca_balance.csv").read_bytes().replace(b'"1,533.50"', b'"1,5x3.50"')
    with pytest.raises(InputError, match=r"CSV line 3 Amount: '1,5x3.50' is not an amount"):
        parse_bytes(data)


def test_csv_missing_column_is_named(samples: Path) -> None:
    data = (samples / "csv/oca_balance.csv").read_bytes().replace(b'"Date"', b'"Datum"')
    with pytest.raises(InputError, match="column\\(s\\) Date not in the header"):
        parse_bytes(data, "csv")


def test_unknown_bytes_are_unsupported() -> None:
    with pytest.raises(UnsupportedDocumentError):
        detect(b"%PDF-1.7 not a statement")
    with pytest.raises(UnsupportedDocumentError):
        detect(b'<?xml version="1.0"?><Invoice xmlns="urn:x"/>')
