"""Reading the official corpus of shared/standards: expected-results.json and vefa unit tests.

Shared by the differential tests. Nothing here is copied from the standards folder; every
document and expectation is read from the directory the `standards_dir` fixture points at.

vefa-validator `testSet` files embed a document *fragment* per `test`, and name a
`configuration` that the folder's buildconfig*.xml resolves to rule files (`file/@path`),
possibly through `inherit` chains. Configurations that only name schemas (ubl-invoice-2.1 …)
are defined outside the folder and contribute no rule set.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from gateway.documents.registry import REGISTRY

VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
_TRUSTED_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@cache
def expected_results(standards: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((standards / "expected-results.json").read_text("utf-8"))
    return data


def supported_dispatch() -> set[tuple[str, str]]:
    """(root element, CustomizationID) of every registry type."""
    return {(t.root, t.customization_id) for t in REGISTRY}


def supported_rule_sets() -> set[str]:
    return {rule_set for t in REGISTRY for rule_set in t.rule_sets}


def rule_set_id(file_name: str) -> str:
    """'EN16931-UBL-validation.xslt', 'xsl/PEPPOLBIS-T01.xsl', 'sch/X.sch' -> the stem."""
    return PurePosixPath(file_name).stem


@dataclass(frozen=True, slots=True)
class DocumentCase:
    path: str
    expected: dict[str, Any]

    @property
    def rule_sets(self) -> tuple[str, ...]:
        return tuple(rule_set_id(r) for r in self.expected["rule_sets"])


@dataclass(frozen=True, slots=True)
class UnitCase:
    path: str  # the testSet file, relative to the standards dir
    index: int
    configuration: str
    rule_sets: tuple[str, ...]
    expect: dict[str, str]  # rule id -> success | error | warning
    deviation: tuple[str, ...]  # non-empty for the documented 2026.5 rule changes

    @property
    def id(self) -> str:
        return f"{self.path}#{self.index}"


def document_cases(standards: Path) -> list[DocumentCase]:
    """Expected-results documents whose root and CustomizationID the registry supports."""
    dispatch = supported_dispatch()
    return [
        DocumentCase(path, expected)
        for path, expected in sorted(expected_results(standards)["documents"].items())
        if (expected["root"], expected["customization_id"]) in dispatch
    ]


def _buildconfig(test_file: Path, standards: Path) -> Path:
    for folder in test_file.parents:
        found = sorted(folder.glob("buildconfig*.xml"))
        if found:
            return found[0]
        if folder == standards:
            break
    raise FileNotFoundError(f"no buildconfig*.xml above {test_file}")


@cache
def _configurations(buildconfig: Path) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """identifier -> (rule sets named by its `file` elements, inherited identifiers)."""
    root = etree.parse(str(buildconfig), _TRUSTED_PARSER).getroot()
    result = {}
    for config in root.iter(f"{VEFA}configuration"):
        identifier = (config.findtext(f"{VEFA}identifier") or "").strip()
        files = tuple(rule_set_id(f.get("path") or "") for f in config.iter(f"{VEFA}file"))
        inherits = tuple((i.text or "").strip() for i in config.iter(f"{VEFA}inherit"))
        result[identifier] = (files, inherits)
    return result


def configuration_rule_sets(buildconfig: Path, identifier: str) -> tuple[str, ...]:
    """The rule sets of a configuration, inherited ones first, in buildconfig order."""
    configurations = _configurations(buildconfig)
    if identifier not in configurations:
        raise KeyError(f"configuration {identifier!r} is not defined in {buildconfig}")
    ordered: list[str] = []

    def visit(name: str) -> None:
        files, inherits = configurations.get(name, ((), ()))
        for parent in inherits:
            visit(parent)
        ordered.extend(f for f in files if f not in ordered)

    visit(identifier)
    return tuple(ordered)


def unit_cases(standards: Path) -> list[UnitCase]:
    """Every unit-test case whose configuration maps only to rule sets the registry uses."""
    supported = supported_rule_sets()
    cases = []
    for path, entry in sorted(expected_results(standards)["unit_tests"].items()):
        buildconfig = _buildconfig(standards / path, standards)
        rule_sets = configuration_rule_sets(buildconfig, entry["configuration"])
        if not rule_sets or not set(rule_sets) <= supported:
            continue
        for case in entry["cases"]:
            cases.append(
                UnitCase(
                    path=path, index=case["index"], configuration=entry["configuration"],
                    rule_sets=rule_sets, expect=dict(case["expect"]),
                    deviation=tuple(case.get("deviation", ())),
                )
            )
    return cases


def _embedded_documents(test_set: Path) -> Iterator[etree._Element]:
    root = etree.parse(str(test_set), _TRUSTED_PARSER).getroot()
    for test in root.iter(f"{VEFA}test"):
        document = next(
            (c for c in test if isinstance(c.tag, str) and not c.tag.startswith(VEFA)), None
        )
        if document is None:
            raise ValueError(f"{test_set}: a test without an embedded document")
        yield document


def _standalone(element: etree._Element) -> bytes:
    element = copy.deepcopy(element)
    element.tail = None
    etree.cleanup_namespaces(element)
    return bytes(etree.tostring(element, xml_declaration=True, encoding="UTF-8"))


@cache
def _fragments(test_set: Path) -> tuple[bytes, ...]:
    return tuple(_standalone(e) for e in _embedded_documents(test_set))


def fragment_bytes(standards: Path, case: UnitCase) -> bytes:
    """The case's embedded document, serialised standalone (vefa-validator does the same)."""
    return _fragments(standards / case.path)[case.index]
