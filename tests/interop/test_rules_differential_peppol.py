"""Differential tests: own Peppol and code-list rules against the official corpus.

The judge is the official Schematron, as recorded in ../shared/standards:

* unit tests (vefa testSet files) of Peppol BIS Billing 3 and the BR-CL cases of EN 16931:
  for every case whose rule id the project implements, the fragment is read with
  `xml_to_model`, the own rules run in the rule sets its configuration names, and the
  expectation must hold (error: fired as fatal; warning: fired as warning; success: silent);
* every Invoice / Credit Note of expected-results.json: the fatal ids of the implemented
  families equal the expected ones, in the rule sets the document was validated with and,
  for the EN 16931 test files that declare the Peppol CustomizationID, also under Peppol;
* coverage: every fatal id of the families in the Schematron is implemented, except the
  explicit list below, and every implemented id has the Schematron's severity.

Findings of the XML reader count too: it reports unreadable dates as PEPPOL-EN16931-F001.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from gateway.documents.convert import xml_to_model
from gateway.errors import UnsupportedDocumentError
from gateway.findings import Finding, Severity
from gateway.validation.rules.registry import (
    RULE_SET_CEN,
    RULE_SET_PEPPOL,
    RULE_SET_PEPPOL_SB,
    all_rules,
    run_rules,
)

from ..conftest import STANDARDS_DIR

VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
SCH = {"s": "http://purl.oclc.org/dsdl/schematron"}

PEPPOL_FAMILIES = ("PEPPOL-EN16931-R", "PEPPOL-EN16931-CL", "PEPPOL-EN16931-F",
                   "PEPPOL-EN16931-P", "PEPPOL-COMMON-R")
CEN_FAMILIES = ("BR-CL-",)
NATIONAL_FAMILIES = ("SE-R-", "NO-R-", "DK-R-", "GR-R-", "GR-S-", "IT-R-", "DE-R-", "NL-R-",
                     "IS-R-")

# Checked while the XML is read (gateway.documents.convert, codec_rules), not by a rule:
# the canonical model cannot hold a date that is not YYYY-MM-DD.
READER_RULES = frozenset({"PEPPOL-EN16931-F001"})

# Fatal ids of the families that are deliberately not implemented, with the reason.
NOT_IMPLEMENTED: dict[str, str] = {
    "PEPPOL-EN16931-R100": "the canonical model holds one object identifier per line; a second "
    "cac:DocumentReference is reported by the XML reader as GW-MAPPING-REPEATED",
}

CONFIGURATIONS: dict[str, tuple[str, ...]] = {
    "peppolbis-en16931-base-3.0-ubl": (RULE_SET_PEPPOL,),
    "peppolbis-en16931-01-3.0-ubl-invoice": (RULE_SET_CEN, RULE_SET_PEPPOL),
    "tc434-ubl": (RULE_SET_CEN,),
}
OFFICIAL_TO_OWN: dict[str, str] = {
    "CEN-EN16931-UBL.xslt": RULE_SET_CEN,
    "EN16931-UBL-validation.xslt": RULE_SET_CEN,
    "PEPPOL-EN16931-UBL.xslt": RULE_SET_PEPPOL,
    "PEPPOL-EN16931-UBL-SB.xslt": RULE_SET_PEPPOL_SB,
}

# Unit-test cases the canonical model cannot reproduce: (file, case index, rule id) -> reason.
MODEL_LIMITS: dict[tuple[str, int, str], str] = {
    ("peppol-bis-billing-3/unit-tests/UBL-PEPPOL/PEPPOL-COMMON-EAS.xml", 1,
     "PEPPOL-EN16931-CL008"): "the fragment puts the EndpointID in cac:AccountingSellerParty, "
    "which is not a UBL Invoice element; the reader ignores it (GW-MAPPING-UNMAPPED)",
    ("en16931/unit-tests/CreditNote-unit-UBL/BR-CL-18.xml", 1, "BR-CL-18"): "the credit note "
    "fragment uses cac:InvoiceLine, which UBL CreditNote does not have; the reader ignores it",
    ("peppol-bis-billing-3/unit-tests/UBL-PEPPOL/PEPPOL-EN16931-R044.xml", 2,
     "PEPPOL-EN16931-R044"): "cbc:ChargeIndicator '0' is a valid xs:boolean and the model "
    "holds it as false; the rule wants the literal 'false' (the gateway writes 'false')",
}


def _in_families(rule_id: str) -> bool:
    return rule_id.startswith(PEPPOL_FAMILIES + CEN_FAMILIES + NATIONAL_FAMILIES)


@cache
def implemented() -> dict[str, frozenset[str]]:
    """Own rule ids of the families, per rule set (the reader's rules count for Peppol)."""
    per_set: dict[str, set[str]] = {}
    for r in all_rules():
        if _in_families(r.rule_id):
            per_set.setdefault(r.rule_set, set()).add(r.rule_id)
    for rule_set in (RULE_SET_PEPPOL, RULE_SET_PEPPOL_SB):
        per_set.setdefault(rule_set, set()).update(READER_RULES)
    return {k: frozenset(v) for k, v in per_set.items()}


def implemented_in(rule_sets: tuple[str, ...]) -> frozenset[str]:
    ids: set[str] = set()
    for rule_set in rule_sets:
        ids |= implemented().get(rule_set, frozenset())
    return frozenset(ids)


def own_findings(data: bytes, rule_sets: tuple[str, ...], doc_type: str | None = None
                 ) -> list[Finding]:
    resolved, model, read_findings = xml_to_model(data, doc_type)
    return [*read_findings, *run_rules(model, resolved.key, rule_sets)]


def fired(findings: list[Finding], severity: Severity) -> set[str]:
    return {f.rule_id for f in findings if f.severity is severity}


# --- unit tests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitCase:
    file: str  # relative to the standards directory
    index: int
    rule_id: str
    expect: str  # success | error | warning
    configuration: str
    deviation: str | None  # known 2026.5 rule change (expected-results.json)

    @property
    def id(self) -> str:
        folder, name = self.file.split("/")[-2:]
        return f"{folder}/{name}#{self.index}:{self.rule_id}"


def _expected_results() -> dict[str, Any]:
    if STANDARDS_DIR is None:
        return {}
    data: dict[str, Any] = json.loads((STANDARDS_DIR / "expected-results.json").read_text())
    return data


def _unit_files() -> Iterator[Path]:
    if STANDARDS_DIR is None:
        return
    yield from sorted((STANDARDS_DIR / "peppol-bis-billing-3" / "unit-tests").glob("*/*.xml"))
    for folder in ("Invoice-unit-UBL", "CreditNote-unit-UBL"):
        yield from sorted((STANDARDS_DIR / "en16931" / "unit-tests" / folder).glob("BR-CL-*.xml"))


def _expectations(test: Any) -> Iterator[tuple[str, str]]:
    for assert_el in test.iterfind(f"{VEFA}assert"):
        for kind in ("success", "error", "warning"):
            for item in assert_el.iterfind(f"{VEFA}{kind}"):
                yield (item.text or "").strip(), kind


def collect_unit_cases() -> list[UnitCase]:
    assert STANDARDS_DIR is not None
    results = _expected_results()["unit_tests"]
    cases = []
    for path in _unit_files():
        relative = path.relative_to(STANDARDS_DIR).as_posix()
        root = etree.parse(str(path)).getroot()
        scope = {(s.text or "").strip() for s in root.iter(f"{VEFA}scope")}
        recorded = results.get(relative, {}).get("cases", [])
        for index, test in enumerate(root.iterfind(f"{VEFA}test")):
            record = recorded[index] if index < len(recorded) else {}
            deviation = "; ".join(record.get("deviation", [])) or None
            for rule_id, kind in _expectations(test):
                if rule_id in scope:
                    cases.append(UnitCase(relative, index, rule_id, kind,
                                          root.get("configuration", ""), deviation))
    return cases


def _params() -> list[Any]:
    if STANDARDS_DIR is None:
        return []
    params = []
    for case in collect_unit_cases():
        rule_sets = CONFIGURATIONS[case.configuration]
        if case.rule_id not in implemented_in(rule_sets):
            continue
        marks = []
        reason = case.deviation or MODEL_LIMITS.get((case.file, case.index, case.rule_id))
        if reason:
            marks.append(pytest.mark.xfail(reason=reason, strict=True))
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params


def _fragment(case: UnitCase, standards_dir: Path) -> bytes:
    root = etree.parse(str(standards_dir / case.file)).getroot()
    test = list(root.iterfind(f"{VEFA}test"))[case.index]
    document = next(el for el in test if isinstance(el.tag, str) and not el.tag.startswith(VEFA))
    standalone = copy.deepcopy(document)
    etree.cleanup_namespaces(standalone)
    return bytes(etree.tostring(standalone, xml_declaration=True, encoding="UTF-8"))


def _doc_type(case: UnitCase, data: bytes) -> str:
    local = etree.QName(etree.fromstring(data)).localname
    key = "invoice" if local == "Invoice" else "credit-note"
    return f"en16931-{key}" if case.configuration == "tc434-ubl" else key


@pytest.mark.parametrize("case", _params())
def test_unit_case(case: UnitCase, standards_dir: Path) -> None:
    data = _fragment(case, standards_dir)
    findings = own_findings(data, CONFIGURATIONS[case.configuration], _doc_type(case, data))
    fatal, warning = fired(findings, Severity.FATAL), fired(findings, Severity.WARNING)
    detail = [f.to_dict() for f in findings if f.rule_id == case.rule_id]
    if case.expect == "error":
        assert case.rule_id in fatal, f"expected {case.rule_id} to fire as fatal"
    elif case.expect == "warning":
        assert case.rule_id in warning, f"expected {case.rule_id} to fire as warning: {detail}"
    else:
        assert case.rule_id not in fatal | warning, f"{case.rule_id} fired: {detail}"


def test_unit_cases_cover_the_implemented_rules(standards_dir: Path) -> None:
    """Guard against a silent loss of coverage: the corpus exercises the implemented ids."""
    tested = {c.rule_id for c in collect_unit_cases()}
    peppol = implemented_in((RULE_SET_PEPPOL,))
    assert len(tested & peppol) >= 35
    assert {"BR-CL-04", "BR-CL-14", "BR-CL-23"} <= tested & implemented_in((RULE_SET_CEN,))


# --- whole documents ----------------------------------------------------------------------


def _documents() -> list[Any]:
    if STANDARDS_DIR is None:
        return []
    params = []
    for relative, record in sorted(_expected_results()["documents"].items()):
        if record["root"] not in ("Invoice", "CreditNote") or not record.get("rule_sets"):
            continue
        rule_sets = tuple(dict.fromkeys(OFFICIAL_TO_OWN[r] for r in record["rule_sets"]))
        params.append(pytest.param(relative, rule_sets, tuple(record["expected_fatal"]),
                                   id=f"{relative}[{'+'.join(rule_sets)}]"))
        if "peppol_3.0.21_would_fail" in record:
            params.append(pytest.param(relative, (RULE_SET_CEN, RULE_SET_PEPPOL),
                                       tuple(record["peppol_3.0.21_would_fail"]),
                                       id=f"{relative}[CEN+PEPPOL 3.0.21]"))
    return params


def _read_any(data: bytes) -> tuple[str | None, bytes]:
    """The registered type, or the EN 16931 type of the root for other CustomizationIDs."""
    try:
        xml_to_model(data)
    except UnsupportedDocumentError:
        local = etree.QName(etree.fromstring(data)).localname
        return ("en16931-invoice" if local == "Invoice" else "en16931-credit-note"), data
    return None, data


@pytest.mark.parametrize(("relative", "rule_sets", "expected_fatal"), _documents())
def test_document(relative: str, rule_sets: tuple[str, ...], expected_fatal: tuple[str, ...],
                  standards_dir: Path) -> None:
    doc_type, data = _read_any((standards_dir / relative).read_bytes())
    scope = implemented_in(rule_sets)
    if RULE_SET_PEPPOL_SB in rule_sets and doc_type is None:
        findings = own_findings(data, rule_sets)
    else:
        findings = own_findings(data, rule_sets, doc_type)
    raised = fired(findings, Severity.FATAL) & scope
    assert raised == set(expected_fatal) & scope


# --- coverage of the Schematron -----------------------------------------------------------


def _sch_flags(name: str) -> dict[str, str]:
    assert STANDARDS_DIR is not None
    sch = STANDARDS_DIR / "peppol-bis-billing-3" / "sch" / name
    tree = etree.parse(str(sch))
    return {a.get("id"): a.get("flag") for a in tree.iterfind(".//s:assert", SCH)}


COVERAGE = [
    ("PEPPOL-EN16931-UBL.sch", RULE_SET_PEPPOL, PEPPOL_FAMILIES),
    ("PEPPOL-EN16931-UBL.sch", RULE_SET_PEPPOL, NATIONAL_FAMILIES),
    ("PEPPOL-EN16931-UBL-SB.sch", RULE_SET_PEPPOL_SB, PEPPOL_FAMILIES),
    ("CEN-EN16931-UBL.sch", RULE_SET_CEN, CEN_FAMILIES),
]


@pytest.mark.parametrize(("sch", "rule_set", "families"), COVERAGE)
def test_every_fatal_rule_of_the_families_is_implemented(
    sch: str, rule_set: str, families: tuple[str, ...], standards_dir: Path
) -> None:
    flags = _sch_flags(sch)
    fatal = {i for i, flag in flags.items() if flag == "fatal" and i.startswith(families)}
    missing = fatal - implemented()[rule_set]
    assert missing == set(NOT_IMPLEMENTED) & fatal, f"not implemented: {sorted(missing)}"


@pytest.mark.parametrize(("sch", "rule_set", "families"), COVERAGE)
def test_implemented_rules_exist_with_the_official_severity(
    sch: str, rule_set: str, families: tuple[str, ...], standards_dir: Path
) -> None:
    flags = _sch_flags(sch)
    own = {r.rule_id: r.severity.value for r in all_rules()
           if r.rule_set == rule_set and r.rule_id.startswith(families)}
    unknown = set(own) - set(flags)
    assert not unknown, f"ids not in {sch}: {sorted(unknown)}"
    wrong = {i: (sev, flags[i]) for i, sev in own.items() if sev != flags[i]}
    assert not wrong, f"severity differs from {sch}: {wrong}"
