"""Round trip of every official billing example: ubl -> model -> json -> model -> ubl.

Documents: the Peppol BIS Billing 3.0 examples, self-billing examples, snippets and national
examples, and the EN 16931 examples and test files (every one a UBL Invoice or Credit Note of
a supported type). The rendered document must be valid under the official UBL 2.1 XSD (also
where the original is not: the two GR national examples have elements out of schema order)
and keep every leaf value and attribute, path by path, after canonicalisation: surrounding
whitespace of text ignored, a leading "+" of a number dropped, comments and xsi:* ignored.

Also: every Invoice / Credit Note fragment of the official unit tests loads into the model
without an exception (the own rules run on those models).
"""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from gateway.documents.convert import model_to_json, model_to_xml, xml_to_model
from gateway.documents.registry import NS_CREDIT_NOTE, NS_INVOICE
from gateway.findings import Severity
from gateway.xml.parser import parse_xml
from tests.conftest import STANDARDS_DIR

EXAMPLE_FOLDERS = (
    "peppol-bis-billing-3/examples",
    "peppol-bis-billing-3/examples-self-billing",
    "peppol-bis-billing-3/snippets",
    "peppol-bis-billing-3/national-examples",
    "en16931/examples",
    "en16931/testfiles",
)
UNIT_TEST_FOLDERS = ("en16931/unit-tests", "peppol-bis-billing-3/unit-tests")
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
ROOTS = {f"{{{NS_INVOICE}}}Invoice": "invoice", f"{{{NS_CREDIT_NOTE}}}CreditNote": "credit-note"}
_TRUSTED = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _files(folders: tuple[str, ...]) -> list[str]:
    if STANDARDS_DIR is None:
        return []
    return sorted(
        str(path.relative_to(STANDARDS_DIR))
        for folder in folders
        for path in (STANDARDS_DIR / folder).rglob("*.xml")
    )


EXAMPLES = _files(EXAMPLE_FOLDERS)
UNIT_TESTS = [name for name in _files(UNIT_TEST_FOLDERS) if "buildconfig" not in name]


@pytest.fixture(scope="session")
def schemas(standards_dir: Path) -> dict[str, etree.XMLSchema]:
    """The official UBL 2.1 XSDs, loaded once per session."""
    base = standards_dir / "ubl-2.1" / "xsdrt" / "maindoc"
    return {
        root: etree.XMLSchema(etree.parse(str(base / f"UBL-{root}-2.1.xsd")))
        for root in ("Invoice", "CreditNote")
    }


def canonical_leaves(root: Any) -> dict[str, str]:
    """Leaf text and attributes by positional path (prefix-independent Clark steps)."""
    values: dict[str, str] = {}

    def walk(element: Any, path: str) -> None:
        for name, value in element.attrib.items():
            if etree.QName(name).namespace != NS_XSI:
                values[f"{path}/@{name}"] = value
        children = [child for child in element if isinstance(child.tag, str)]
        if not children:
            text = (element.text or "").strip()
            values[path] = text[1:] if text.startswith("+") and text[1:2].isdigit() else text
        seen: Counter[str] = Counter()
        for child in children:
            seen[child.tag] += 1
            walk(child, f"{path}/{child.tag}[{seen[child.tag]}]")

    walk(root, root.tag)
    return values


def test_the_corpus_is_there() -> None:
    if STANDARDS_DIR is None:
        pytest.skip("official standards not available")
    assert len(EXAMPLES) >= 50
    assert len(UNIT_TESTS) >= 250


@pytest.mark.parametrize("name", EXAMPLES)
def test_official_example_round_trips(
    name: str, standards_dir: Path, schemas: dict[str, etree.XMLSchema]
) -> None:
    original = (standards_dir / name).read_bytes()
    doc_type, model, findings = xml_to_model(original)
    assert [f.message for f in findings] == []

    again = doc_type.model.model_validate(model_to_json(model))
    assert again == model, "json -> model changed the document"

    rendered = parse_xml(model_to_xml(again, doc_type))
    schema = schemas[doc_type.root]
    assert schema.validate(rendered), f"XSD: {schema.error_log.last_error}"

    before = canonical_leaves(parse_xml(original))
    after = canonical_leaves(rendered)
    lost = {path: value for path, value in before.items() if after.get(path) != value}
    added = {path: value for path, value in after.items() if path not in before}
    assert lost == {}, "values lost or changed"
    assert added == {}, "values added"


def _fragments(path: Path) -> list[tuple[str, bytes]]:
    root = etree.parse(str(path), _TRUSTED).getroot()
    found = []
    for test in root.iter(f"{VEFA}test"):
        for child in test:
            if isinstance(child.tag, str) and child.tag in ROOTS:
                document = copy.deepcopy(child)
                document.tail = None
                found.append((ROOTS[child.tag], etree.tostring(document)))
    return found


@pytest.mark.parametrize("name", UNIT_TESTS)
def test_unit_test_fragments_load_into_the_model(name: str, standards_dir: Path) -> None:
    for key, fragment in _fragments(standards_dir / name):
        doc_type, model, findings = xml_to_model(fragment, key)
        assert isinstance(model, doc_type.model)
        assert all(f.xpath for f in findings)
        # what loaded renders again, and reads back to the same model with no new problem
        rendered = model_to_xml(model, doc_type)
        _, again, again_findings = xml_to_model(rendered, key)
        assert again == model
        assert _fatal(again_findings) <= _fatal(findings)


def _fatal(findings: list[Any]) -> set[tuple[str, str | None]]:
    return {(f.rule_id, f.json_pointer) for f in findings if f.severity is Severity.FATAL}
