"""The mapping engine on small mapping files: render, parse, sharing, leniency."""

from __future__ import annotations

import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.errors import InputError, UnsupportedDocumentError
from gateway.findings import Layer, Severity
from gateway.mapping import RULE_REPEATED, RULE_TYPE, RULE_UNMAPPED, load_mapping
from gateway.mapping.spec import NS_CBC
from gateway.xml.parser import parse_xml

TOY = """
root: Invoice
namespace: urn:oasis:names:specification:ubl:schema:xsd:Invoice-2
fields:
  - {bt: BT-1, json: id, xpath: cbc:ID, codec: text, card: 1..1}
  - {bt: BT-2, json: issue_date, xpath: cbc:IssueDate, codec: date}
  - {bt: BT-22, json: notes, xpath: cbc:Note, codec: text, card: 0..n}
  - {bt: BT-5, json: currency_code, xpath: cbc:DocumentCurrencyCode, codec: code}
  - bt: BG-4
    json: seller
    xpath: cac:AccountingSupplierParty/cac:Party
    fields:
      - {json: endpoint_id, xpath: cbc:EndpointID, codec: text}
      - {json: endpoint_scheme_id, xpath: cbc:EndpointID/@schemeID, codec: code}
      - json: identifiers
        xpath: cac:PartyIdentification
        card: 0..n
        fields:
          - {json: id, xpath: cbc:ID, codec: text}
          - {json: scheme_id, xpath: cbc:ID/@schemeID, codec: code}
      - {json: name, xpath: cac:PartyName/cbc:Name, codec: text}
      - {json: street, xpath: cac:PostalAddress/cbc:StreetName, codec: text}
      - {json: country, xpath: cac:PostalAddress/cac:Country/cbc:IdentificationCode, codec: code}
      - {json: tax_scheme, xpath: cac:PartyTaxScheme/cac:TaxScheme/cbc:ID, codec: code,
         implied: VAT}
  - json: total
    xpath: cac:LegalMonetaryTotal
    fields:
      - {json: payable, xpath: cbc:PayableAmount, codec: decimal}
      - {json: payable_currency, xpath: cbc:PayableAmount/@currencyID, codec: code,
         implied: {from: /currency_code}}
      - {json: prepaid, xpath: cbc:PrepaidAmount, codec: decimal}
  - {json: flag, xpath: cbc:Flag, codec: boolean}
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def toy(tmp_path: Path) -> Any:
    write(tmp_path, "toy.yaml", TOY)
    return load_mapping("toy.yaml", tmp_path)


def sample() -> dict[str, Any]:
    return {
        "total": {"payable": Decimal("10.50")},
        "seller": {
            "country": "SE",
            "name": "N",
            "street": "S",
            "endpoint_scheme_id": "0088",
            "endpoint_id": "123",
            "identifiers": [{"id": "x"}, {"id": "y", "scheme_id": "0002"}],
        },
        "currency_code": "EUR",
        "notes": ["a", "b"],
        "issue_date": date(2020, 1, 2),
        "id": "A1",
        "flag": True,
    }


def local_names(element: Any) -> list[str]:
    return [child.tag.rpartition("}")[2] for child in element]


def test_render_writes_schema_order_whatever_the_json_order(toy: Any) -> None:
    root = toy.render(sample())
    assert local_names(root) == [
        "ID",
        "IssueDate",
        "Note",
        "Note",
        "DocumentCurrencyCode",
        "AccountingSupplierParty",
        "LegalMonetaryTotal",
        "Flag",
    ]
    party = root[5][0]
    assert local_names(party) == [
        "EndpointID",
        "PartyIdentification",
        "PartyIdentification",
        "PartyName",
        "PostalAddress",
        "PartyTaxScheme",
    ]
    assert local_names(party[4]) == ["StreetName", "Country"]  # one shared PostalAddress
    assert party[0].get("schemeID") == "0088"


def test_parse_of_render_gives_back_the_input(toy: Any) -> None:
    data = sample()
    result = toy.parse(parse_xml(toy.render_bytes(data)))
    assert result.findings == []
    assert result.data == data


def test_implied_values_are_written_and_left_out_again(toy: Any) -> None:
    xml = toy.render_bytes(sample())
    assert b'<cbc:PayableAmount currencyID="EUR">10.50</cbc:PayableAmount>' in xml
    assert b"<cbc:ID>VAT</cbc:ID>" in xml
    other = toy.parse(parse_xml(xml.replace(b'currencyID="EUR"', b'currencyID="SEK"')))
    assert other.data["total"]["payable_currency"] == "SEK"
    assert "tax_scheme" not in other.data["seller"]


def test_an_implied_attribute_needs_its_element(toy: Any) -> None:
    xml = toy.render_bytes({"currency_code": "EUR", "total": {"prepaid": Decimal("1")}})
    assert b"PayableAmount" not in xml
    assert b"<cbc:PrepaidAmount>1</cbc:PrepaidAmount>" in xml


def test_a_group_without_values_still_renders_its_element(toy: Any) -> None:
    root = toy.render({"id": "1", "total": {}})
    assert local_names(root) == ["ID", "LegalMonetaryTotal"]
    assert toy.parse(root).data == {"id": "1", "total": {}}


def test_model_objects_render_like_dicts(toy: Any) -> None:
    class Obj:
        def __init__(self, **values: Any) -> None:
            self.__dict__.update(values)

    source = Obj(id="9", notes=[], total=Obj(payable=Decimal("1.0"), prepaid=None))
    assert toy.render_bytes(source) == toy.render_bytes({"id": "9", "total": {"payable": "1.0"}})


def test_unreadable_values_become_findings_and_the_rest_loads(toy: Any) -> None:
    xml = toy.render_bytes(sample())
    bad = xml.replace(b"2020-01-02", b"2020-13-45").replace(b">10.50<", b">10,50<")
    result = toy.parse(parse_xml(bad), codec_rules={"date": "PEPPOL-EN16931-F001"})
    by_rule = {f.rule_id: f for f in result.findings}
    date_finding = by_rule["PEPPOL-EN16931-F001"]
    assert date_finding.severity is Severity.FATAL
    assert date_finding.layer is Layer.RULES
    assert date_finding.xpath == "/Invoice/cbc:IssueDate"
    assert date_finding.json_pointer == "/issue_date"
    assert "issue_date (BT-2)" in date_finding.message
    amount = by_rule[RULE_TYPE]
    assert amount.layer is Layer.MODEL
    assert amount.json_pointer == "/total/payable"
    assert "issue_date" not in result.data
    assert "payable" not in result.data["total"]
    assert result.data["seller"]["name"] == "N"


def test_unmapped_content_is_reported_not_fatal(toy: Any) -> None:
    xml = (
        toy.render_bytes(sample())
        .replace(
            b"<cbc:ID>A1</cbc:ID>",
            b'<cbc:ID languageID="en">A1</cbc:ID><cbc:UUID>u</cbc:UUID><!-- c -->',
        )
        .replace(
            b"<Invoice ",
            b'<Invoice xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            b'xsi:schemaLocation="a b" ',
        )
    )
    result = toy.parse(parse_xml(xml))
    assert [(f.rule_id, f.xpath) for f in result.findings] == [
        (RULE_UNMAPPED, "/Invoice/cbc:ID/@languageID"),
        (RULE_UNMAPPED, "/Invoice/cbc:UUID"),
    ]
    assert all(f.severity is Severity.WARNING for f in result.findings)
    assert result.data["id"] == "A1"


def test_a_second_singular_element_is_ignored_with_a_warning(toy: Any) -> None:
    xml = toy.render_bytes(sample()).replace(
        b"<cbc:ID>A1</cbc:ID>", b"<cbc:ID>A1</cbc:ID><cbc:ID>A2</cbc:ID>"
    )
    result = toy.parse(parse_xml(xml))
    assert result.data["id"] == "A1"
    found = [(f.rule_id, f.xpath) for f in result.findings]
    assert found == [(RULE_REPEATED, "/Invoice/cbc:ID[2]")]


def test_positional_xpath_in_findings(toy: Any) -> None:
    data = sample()
    data["seller"]["identifiers"][1]["scheme_id"] = "x"
    xml = toy.render_bytes(data).replace(b'schemeID="x"', b'schemeID="x" foo="1"')
    (finding,) = toy.parse(parse_xml(xml)).findings
    assert finding.xpath == (
        "/Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyIdentification[2]/cbc:ID/@foo"
    )
    assert finding.json_pointer == "/seller/identifiers/1"


def test_wrong_root_element_is_unsupported(toy: Any) -> None:
    root = parse_xml(
        b'<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"/>'
    )
    with pytest.raises(UnsupportedDocumentError):
        toy.parse(root)


def test_group_element_attributes_and_own_text(tmp_path: Path) -> None:
    write(
        tmp_path,
        "own.yaml",
        f"""
    root: Doc
    namespace: urn:example
    namespaces: {{cbc: "{NS_CBC}"}}
    fields:
      - json: code
        xpath: cbc:Code
        fields:
          - {{json: value, xpath: ., codec: code}}
          - {{json: list_id, xpath: "@listID", codec: code}}
    """,
    )
    mapping = load_mapping("own.yaml", tmp_path)
    data = {"code": {"value": "X", "list_id": "L"}}
    xml = mapping.render_bytes(data)
    assert b'<cbc:Code listID="L">X</cbc:Code>' in xml
    assert mapping.parse(parse_xml(xml)).data == data


def test_special_characters_round_trip_exactly(toy: Any) -> None:
    tricky = " a & b < c > d \"q\" 'a' \r\n\tend ]]> € 😀 "
    data = {"id": tricky, "seller": {"endpoint_id": "x", "endpoint_scheme_id": tricky}}
    xml = toy.render_bytes(data)
    assert toy.parse(parse_xml(xml)).data == data


def test_characters_xml_cannot_carry_are_refused(toy: Any) -> None:
    with pytest.raises(InputError, match="U\\+0001"):
        toy.render_bytes({"id": "bad\x01"})


def test_pretty_output_is_indented_and_reads_the_same(toy: Any) -> None:
    pretty = toy.render_bytes(sample(), pretty=True)
    assert b"\n  <cbc:ID>A1</cbc:ID>" in pretty
    assert toy.parse(parse_xml(pretty)).data == sample()
