"""`gateway remittance match|parse` on small files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gateway.cli.remittance import command

CAMT = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2025-06-02T08:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">1190.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2025-06-03</Dt></BookgDt><AcctSvcrRef>ASR1</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>E2E1</EndToEndId></Refs>
<RltdPties><Dbtr><Pty><Nm>Mueller GmbH</Nm></Pty></Dbtr></RltdPties>
<RmtInf><Ustrd>INV-2025-0004711</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_match_writes_one_prediction_per_payment(tmp_path: Path) -> None:
    customers = write_jsonl(tmp_path / "c.jsonl", [
        {"customer_id": "C1", "name": "Mueller GmbH", "ibans": ["DE89370400440532013000"],
         "other_accounts": [], "parent_id": None}])
    invoices = write_jsonl(tmp_path / "i.jsonl", [
        {"invoice_id": "I1", "number": "INV-2025-0004711", "type": "invoice",
         "customer_id": "C1", "issue_date": "2025-05-01", "due_date": "2025-05-31",
         "currency": "EUR", "amount": "1190.00", "open_amount": "1190.00",
         "creditor_reference": None, "po_number": None, "discount": None}])
    payments = write_jsonl(tmp_path / "p.jsonl", [
        {"payment_id": "P1", "BookgDt": "2025-06-03", "Amt": "1190.00", "Ccy": "EUR",
         "CdtDbtInd": "CRDT", "Dbtr.Nm": "MUELLER GMBH",
         "DbtrAcct.IBAN": "DE89370400440532013000", "Ustrd": "RE INV-2025-0004711"},
        {"payment_id": "P2", "BookgDt": "2025-06-04", "Amt": "45.00", "Ccy": "EUR",
         "CdtDbtInd": "CRDT", "Dbtr.Nm": "FINANZAMT", "Ustrd": "ERSTATTUNG UST"}])
    out = tmp_path / "pred.jsonl"
    result = CliRunner().invoke(command, [
        "match", "--customers", str(customers), "--invoices", str(invoices),
        "--payments", str(payments), "--out", str(out)])
    assert result.exit_code == 0, result.output
    predictions = [json.loads(line) for line in out.read_text().splitlines()]
    assert predictions[0]["decision"] == "auto"
    assert predictions[0]["allocations"] == [{"invoice_id": "I1", "amount": "1190.00"}]
    assert predictions[1]["decision"] == "none"
    assert "not_receivable" in predictions[1]["flags"]


def test_match_refuses_float_amounts_with_the_line(tmp_path: Path) -> None:
    customers = write_jsonl(tmp_path / "c.jsonl", [])
    invoices = tmp_path / "i.jsonl"
    invoices.write_text('{"invoice_id": "I1", "number": "1", "customer_id": "C1", '
                        '"currency": "EUR", "open_amount": 10.5}\n')
    payments = write_jsonl(tmp_path / "p.jsonl", [])
    result = CliRunner().invoke(command, [
        "match", "--customers", str(customers), "--invoices", str(invoices),
        "--payments", str(payments), "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2
    assert "i.jsonl line 1: open_amount: amounts must be JSON strings" in result.output


def test_parse_prints_the_lines(tmp_path: Path) -> None:
    source = tmp_path / "camt.xml"
    source.write_bytes(CAMT)
    result = CliRunner().invoke(command, ["parse", str(source)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert (payload["format"], payload["count"]) == ("camt", 1)
    line = payload["lines"][0]
    assert (line["amount"], line["end_to_end_id"]) == ("1190.00", "E2E1")
    assert line["debtor"]["name"] == "Mueller GmbH"
    assert line["source"]["format"] == "camt.054.001.08"


def test_parse_reports_bad_input_without_traceback(tmp_path: Path) -> None:
    source = tmp_path / "bad.xml"
    source.write_bytes(CAMT.replace(b"<Amt Ccy=\"EUR\">1190.00</Amt>", b"<Amt Ccy=\"EUR\">x</Amt>"))
    result = CliRunner().invoke(command, ["parse", str(source)])
    assert result.exit_code == 2
    assert "Ntry/Amt: 'x' is not an amount" in result.output
