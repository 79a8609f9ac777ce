"""Public conversions: JSON <-> model <-> UBL for Invoice and Credit Note."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from gateway.documents.convert import (
    RULE_JSON_TYPE,
    RULE_JSON_UNKNOWN,
    RULE_PEPPOL_DATE,
    json_to_model,
    model_to_json,
    model_to_xml,
    sniff,
    xml_to_model,
)
from gateway.documents.registry import CUST_EN16931, CUST_PEPPOL_BILLING, REGISTRY
from gateway.errors import DocumentInvalid, InputError, UnsupportedDocumentError
from gateway.findings import Layer, Severity
from gateway.mapping import RULE_TYPE, RULE_UNMAPPED
from gateway.model.invoice import CreditNote, Invoice
from gateway.xml.parser import parse_xml
from tests.unit.model.invoice_samples import invoice_json


def invoice_xml(**changes: Any) -> bytes:
    data = invoice_json()
    data.update(changes)
    model, _ = json_to_model(data, "invoice")
    return model_to_xml(model, "invoice")


def credit_note_json() -> dict[str, Any]:
    data = invoice_json()
    data.pop("due_date")
    data["type_code"] = "381"
    data["payment_means"][0]["due_date"] = "2024-04-15"
    data["preceding_invoices"] = [{"id": "INV-0", "issue_date": "2024-01-01"}]
    return data


def test_json_input_gets_the_type_customization_and_profile() -> None:
    model, _ = json_to_model(invoice_json(), "invoice")
    assert model.customization_id == CUST_PEPPOL_BILLING
    assert model.profile_id == REGISTRY.get("invoice").profile_id
    given, _ = json_to_model({**invoice_json(), "profile_id": "x"}, "invoice")
    assert given.profile_id == "x"


def test_json_floats_are_refused_with_the_pointer_of_the_field() -> None:
    text = b'{"id": "1", "lines": [{"id": "1", "quantity": 1.5}]}'
    with pytest.raises(DocumentInvalid) as info:
        json_to_model(text, "invoice")
    (finding,) = info.value.findings
    assert finding.rule_id == RULE_JSON_TYPE
    assert finding.json_pointer == "/lines/0/quantity"
    assert "not JSON floats" in finding.message
    assert finding.layer is Layer.MODEL
    assert finding.severity is Severity.FATAL


def test_unknown_fields_and_wrong_shapes_are_refused() -> None:
    with pytest.raises(DocumentInvalid) as info:
        json_to_model({"id": "1", "seller": {"colour": "red"}, "issue_date": "2024-02-30"},
                      "invoice")
    found = {(f.rule_id, f.json_pointer) for f in info.value.findings}
    assert found == {(RULE_JSON_UNKNOWN, "/seller/colour"), (RULE_JSON_TYPE, "/issue_date")}
    with pytest.raises(DocumentInvalid, match="JSON object"):
        json_to_model(b"[1, 2]", "invoice")
    with pytest.raises(InputError):
        json_to_model(b"{", "invoice")


def test_a_credit_note_has_no_invoice_due_date() -> None:
    data = credit_note_json()
    data["due_date"] = "2024-04-01"
    with pytest.raises(DocumentInvalid) as info:
        json_to_model(data, "credit-note")
    assert info.value.findings[0].json_pointer == "/due_date"


def test_invoice_round_trip_through_xml() -> None:
    model, _ = json_to_model(invoice_json(), "invoice")
    xml = model_to_xml(model, "invoice")
    doc_type, again, findings = xml_to_model(xml)
    assert doc_type.key == "invoice"
    assert findings == []
    assert again == model
    assert model_to_json(again) == model_to_json(model)


def test_credit_note_renders_the_credit_note_binding() -> None:
    model, _ = json_to_model(credit_note_json(), "credit-note")
    assert isinstance(model, CreditNote)
    root = parse_xml(model_to_xml(model, "credit-note"))
    ns = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
          "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
    assert etree.QName(root).localname == "CreditNote"
    assert root.findtext("cbc:CreditNoteTypeCode", namespaces=ns) == "381"
    assert root.find("cbc:DueDate", ns) is None
    assert root.findtext("cac:PaymentMeans/cbc:PaymentDueDate", namespaces=ns) == "2024-04-15"
    quantities = root.findall("cac:CreditNoteLine/cbc:CreditedQuantity", ns)
    assert [q.get("unitCode") for q in quantities] == ["DAY", "DAY", "H87"]
    doc_type, again, findings = xml_to_model(etree.tostring(root))
    assert (doc_type.key, findings, again) == ("credit-note", [], model)
    assert str(model.payment_due_date) == "2024-04-15"


def test_render_writes_document_currency_on_every_amount_and_keeps_other_currencies() -> None:
    data = invoice_json()
    data["tax_currency_code"] = "SEK"
    model, _ = json_to_model(data, "invoice")
    model.tax_totals.append(type(model.tax_totals[0])(tax_amount=Decimal("5800.00"),
                                                      tax_amount_currency="SEK"))
    xml = model_to_xml(model, "invoice")
    assert xml.count(b'currencyID="SEK"') == 1
    assert xml.count(b'currencyID="EUR"') > 10
    _, again, _ = xml_to_model(xml)
    assert again.tax_totals[1].tax_amount_currency == "SEK"
    assert again.tax_totals[0].tax_amount_currency is None
    assert list(again.iter_amount_currencies()) == [("/tax_totals/1/tax_amount", "SEK")]


def test_impossible_dates_in_peppol_documents_are_f001_and_the_rest_loads() -> None:
    xml = invoice_xml().replace(b"<cbc:IssueDate>2024-03-01", b"<cbc:IssueDate>2017-13-45")
    _, model, findings = xml_to_model(xml)
    (finding,) = findings
    assert finding.rule_id == RULE_PEPPOL_DATE
    assert finding.layer is Layer.RULES
    assert finding.severity is Severity.FATAL
    assert (finding.xpath, finding.json_pointer, finding.bt) == (
        "/Invoice/cbc:IssueDate", "/issue_date", "BT-2")
    assert "issue_date" in finding.message
    assert model.issue_date is None
    assert model.id == "INV-1"
    assert len(model.lines) == 3


def test_impossible_dates_in_en16931_documents_are_model_findings() -> None:
    xml = invoice_xml(customization_id=CUST_EN16931).replace(
        b"<cbc:DueDate>2024-03-31", b"<cbc:DueDate>31.03.2024")
    doc_type, model, findings = xml_to_model(xml)
    assert doc_type.key == "en16931-invoice"
    assert [(f.rule_id, f.json_pointer) for f in findings] == [(RULE_TYPE, "/due_date")]
    assert model.due_date is None


def test_malformed_amounts_are_dropped_with_a_finding() -> None:
    xml = invoice_xml().replace(b">2800.00<", b">2.800,00<")
    _, model, findings = xml_to_model(xml)
    assert [(f.rule_id, f.json_pointer, f.xpath) for f in findings] == [
        (RULE_TYPE, "/lines/0/line_extension_amount",
         "/Invoice/cac:InvoiceLine[1]/cbc:LineExtensionAmount")]
    assert model.lines[0].line_extension_amount is None
    assert model.lines[0].quantity == Decimal("7")


def test_unmapped_elements_are_warnings() -> None:
    xml = invoice_xml().replace(
        b"<cbc:ID>INV-1</cbc:ID>", b"<cbc:ID>INV-1</cbc:ID><cbc:UUID>abc</cbc:UUID>")
    _, model, findings = xml_to_model(xml)
    assert [(f.rule_id, f.severity, f.xpath) for f in findings] == [
        (RULE_UNMAPPED, Severity.WARNING, "/Invoice/cbc:UUID")]
    assert model.id == "INV-1"


def test_sniff_uses_namespace_and_customization_id() -> None:
    assert sniff(parse_xml(invoice_xml())).key == "invoice"
    assert sniff(parse_xml(invoice_xml(
        customization_id=REGISTRY.get("self-billing-invoice").customization_id
    ))).key == "self-billing-invoice"
    with pytest.raises(UnsupportedDocumentError, match="CustomizationID"):
        sniff(parse_xml(
            b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'))
    with pytest.raises(UnsupportedDocumentError, match="namespace"):
        sniff(parse_xml(b"<Invoice/>"))


def test_explicit_type_must_match_the_root() -> None:
    with pytest.raises(UnsupportedDocumentError, match="root element"):
        xml_to_model(invoice_xml(), "credit-note")
    with pytest.raises(UnsupportedDocumentError, match="unknown document type"):
        xml_to_model(invoice_xml(), "no-such-type")


def test_model_to_xml_checks_the_model_class() -> None:
    model, _ = json_to_model(invoice_json(), "invoice")
    with pytest.raises(TypeError, match="CreditNote"):
        model_to_xml(model, "credit-note")
    assert isinstance(model, Invoice)
