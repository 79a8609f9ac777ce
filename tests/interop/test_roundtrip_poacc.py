"""Round trip of every official Peppol post-award example: ubl -> model -> ubl.

For each example and snippet in ../shared/standards/peppol-poacc-3 whose CustomizationID is a
supported type (Order T01, Order Response T76, Despatch Advice T16, Invoice Response T111,
MLR T71), the document is read into its canonical model and rendered again. The result must
be valid under the official UBL 2.1 XSD and the type's Peppol Schematron, and must keep every
leaf value and attribute, path by path, after canonicalisation (comments dropped, surrounding
whitespace of text ignored).
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from gateway.documents.convert import json_to_model, model_to_json, model_to_xml, xml_to_model
from gateway.documents.registry import REGISTRY, DocumentType
from gateway.validation.artefacts import Artefacts
from gateway.validation.official import OfficialValidator
from gateway.xml.parser import parse_xml
from tests.conftest import STANDARDS_DIR

POST_AWARD_TYPES = ("order", "order-response", "despatch-advice", "invoice-response", "mlr")
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
POACC = "peppol-poacc-3"


def _doc_type(path: Path) -> DocumentType | None:
    root = etree.parse(str(path)).getroot()
    namespace = etree.QName(root).namespace
    customization = root.findtext(f"{{{NS_CBC}}}CustomizationID")
    for doc_type in REGISTRY:
        if (doc_type.key in POST_AWARD_TYPES and doc_type.namespace == namespace
                and doc_type.customization_id == (customization or "").strip()):
            return doc_type
    return None


def _official_examples() -> list[tuple[str, str]]:
    if STANDARDS_DIR is None:
        return []
    base = STANDARDS_DIR / POACC
    found = []
    for folder in ("examples", "snippets"):
        for path in sorted((base / folder).rglob("*.xml")):
            doc_type = _doc_type(path)
            if doc_type is not None:
                found.append((str(path.relative_to(base)), doc_type.key))
    return found


EXAMPLES = _official_examples()


def leaf_values(root: Any) -> dict[str, str]:
    """Every leaf text and attribute by positional path, text stripped, comments ignored."""
    values: dict[str, str] = {}

    def walk(element: Any, path: str) -> None:
        for name, value in element.attrib.items():
            values[f"{path}/@{etree.QName(name).localname}"] = value.strip()
        children = [child for child in element if isinstance(child.tag, str)]
        if not children:
            values[path] = (element.text or "").strip()
        seen: Counter[str] = Counter()
        for child in children:
            seen[child.tag] += 1
            walk(child, f"{path}/{etree.QName(child).localname}[{seen[child.tag]}]")

    walk(root, etree.QName(root).localname)
    return values


@cache
def _schema(xsd: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(xsd)))


@cache
def _validator(standards: Path) -> OfficialValidator:
    return OfficialValidator(Artefacts(standards), verify=False)


def _round_trip(standards: Path, relative: str, key: str) -> tuple[bytes, bytes, Any]:
    original = (standards / POACC / relative).read_bytes()
    doc_type, model, findings = xml_to_model(original)
    assert doc_type.key == key
    assert [f.message for f in findings] == []
    return original, model_to_xml(model, doc_type), model


def test_every_supported_type_has_official_examples() -> None:
    if STANDARDS_DIR is None:
        pytest.skip("official standards not available")
    assert {key for _, key in EXAMPLES} == set(POST_AWARD_TYPES)


@pytest.mark.parametrize(("relative", "key"), EXAMPLES, ids=[r for r, _ in EXAMPLES])
def test_round_trip_keeps_every_leaf_and_is_xsd_valid(
    standards_dir: Path, relative: str, key: str
) -> None:
    original, rendered, _ = _round_trip(standards_dir, relative, key)
    before = leaf_values(parse_xml(original))
    after = leaf_values(parse_xml(rendered))
    assert {k: v for k, v in before.items() if after.get(k) != v} == {}
    assert {k: v for k, v in after.items() if k not in before} == {}
    schema = _schema(standards_dir / REGISTRY.get(key).xsd)
    assert schema.validate(parse_xml(rendered).getroottree()), str(schema.error_log)


@pytest.mark.artefacts
@pytest.mark.parametrize(("relative", "key"), EXAMPLES, ids=[r for r, _ in EXAMPLES])
def test_round_trip_passes_the_official_schematron(
    standards_dir: Path, relative: str, key: str
) -> None:
    _, rendered, _ = _round_trip(standards_dir, relative, key)
    findings = _validator(standards_dir).check_schematron(rendered, REGISTRY.get(key).rule_sets)
    assert [f"{f.rule_id}: {f.message}" for f in findings if f.is_fatal] == []


@pytest.mark.parametrize(("relative", "key"), EXAMPLES, ids=[r for r, _ in EXAMPLES])
def test_model_is_stable_across_a_second_round_trip(
    standards_dir: Path, relative: str, key: str
) -> None:
    _, rendered, model = _round_trip(standards_dir, relative, key)
    _, again, findings = xml_to_model(rendered, key)
    assert (again, findings) == (model, [])
    assert json_to_model(model_to_json(model), key, complete=False) == (model, [])
