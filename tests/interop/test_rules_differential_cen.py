"""Own EN 16931 core rules (rule set CEN) judged by the official corpus.

* unit tests: every vefa `testSet` of the EN 16931 repository (Invoice and CreditNote); for each
  case whose expectation names one of our implemented ids, the fragment is converted leniently
  and our rules must agree: `error` -> the id is among the fatal findings, `success` -> it is not;
* documents: every Invoice / CreditNote of `expected-results.json`: the fatal ids we raise, limited
  to the ids we implement, equal the official fatal ids limited the same way;
* coverage: every fatal assert of the families we own in the official CEN Schematron is
  implemented, except the ids listed in `NOT_IMPLEMENTED` with the reason.

The official artefacts are read from the `standards_dir` fixture (never copied into the repo).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from gateway.documents.convert import xml_to_model
from gateway.validation.rules.registry import RULE_SET_CEN, all_rules, run_rules
from tests.conftest import STANDARDS_DIR

VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
SCH = "{http://purl.oclc.org/dsdl/schematron}"
CEN_SCH = "peppol-bis-billing-3/sch/CEN-EN16931-UBL.sch"
UNIT_DIRS = ("en16931/unit-tests/Invoice-unit-UBL", "en16931/unit-tests/CreditNote-unit-UBL")

# The families this rule set owns: BR-nn, BR-CO-nn, BR-DEC-nn and the VAT category rules
# (S, Z, E, AE, K=IC, G, O, L=AF, M=AG, B). BR-CL-* and the UBL-* syntax rules live elsewhere.
OWN_FAMILY = re.compile(r"^BR-(\d\d|CO-\d\d|DEC-\d\d|(S|Z|E|AE|IC|G|O|AF|AG|B)-\d\d)$")

# Official fatal ids of our families that are deliberately not implemented, with the reason.
_ALWAYS_TRUE = "official test is true(): reason code and text meaning the same is not checkable"
_NEVER_SELECTS = (
    "official test can never fail: its predicate [@currencyID = cbc:DocumentCurrencyCode] looks "
    "for the currency inside cbc:TaxAmount; UBL-DT-01 catches the decimals instead"
)
NOT_IMPLEMENTED: dict[str, str] = {
    "BR-CO-05": _ALWAYS_TRUE,
    "BR-CO-06": _ALWAYS_TRUE,
    "BR-CO-07": _ALWAYS_TRUE,
    "BR-CO-08": _ALWAYS_TRUE,
    "BR-DEC-13": _NEVER_SELECTS,
    "BR-DEC-15": _NEVER_SELECTS,
}

# Unit-test cases on which the canonical model cannot agree with the Schematron, with the reason.
# Keyed by (folder, file name, case index, rule id).
_NOT_A_DATE = (
    "cbc:IssueDate '123' is not a date: the lenient reader drops it with a GW-MODEL-TYPE "
    "finding, so BT-2 is missing for the rules, whereas the Schematron only checks the text "
    "is not blank"
)
KNOWN_DISAGREEMENTS: dict[tuple[str, str, int, str], str] = {
    ("Invoice-unit-UBL", "BR-03.xml", 0, "BR-03"): _NOT_A_DATE,
    ("CreditNote-unit-UBL", "BR-03.xml", 0, "BR-03"): _NOT_A_DATE,
}


@dataclass(frozen=True)
class UnitCase:
    file: str  # path under the standards dir
    index: int  # position of the <test> in the testSet
    rule_id: str
    expect: str  # success | error | warning
    xml: bytes
    root: str  # Invoice | CreditNote

    @property
    def id(self) -> str:
        folder = Path(self.file).parent.name.removesuffix("-unit-UBL")
        return f"{folder}/{Path(self.file).name}#{self.index}:{self.rule_id}:{self.expect}"


def _own_rule_ids() -> set[str]:
    """Our implemented ids, whatever their severity (BR-51 is a warning)."""
    return {
        r.rule_id for r in all_rules() if r.rule_set == RULE_SET_CEN and OWN_FAMILY.match(r.rule_id)
    }


def _implemented_fatal() -> set[str]:
    return {
        r.rule_id
        for r in all_rules()
        if r.rule_set == RULE_SET_CEN and r.severity.value == "fatal" and OWN_FAMILY.match(r.rule_id)
    }


def _fragment_bytes(element: Any) -> bytes:
    fragment = copy.deepcopy(element)
    etree.cleanup_namespaces(fragment)
    return bytes(etree.tostring(fragment, encoding="utf-8", xml_declaration=True))


def _unit_cases(standards: Path) -> Iterator[UnitCase]:
    for folder in UNIT_DIRS:
        for path in sorted((standards / folder).glob("*.xml")):
            tree = etree.parse(str(path))
            for index, test in enumerate(tree.getroot().iter(f"{VEFA}test")):
                documents = [
                    child for child in test
                    if isinstance(child.tag, str)
                    and etree.QName(child).localname in ("Invoice", "CreditNote")
                ]
                expectations = test.find(f"{VEFA}assert")
                if not documents or expectations is None:
                    continue
                xml = _fragment_bytes(documents[0])
                for expected in expectations:
                    kind = etree.QName(expected).localname
                    if kind in ("success", "error", "warning") and expected.text:
                        yield UnitCase(
                            file=str(path.relative_to(standards)), index=index,
                            rule_id=expected.text.strip(), expect=kind, xml=xml,
                            root=etree.QName(documents[0]).localname,
                        )


@cache
def _all_unit_cases() -> tuple[UnitCase, ...]:
    return tuple(_unit_cases(STANDARDS_DIR)) if STANDARDS_DIR is not None else ()


def _own_unit_cases() -> list[Any]:
    own = _own_rule_ids()
    params = []
    for case in _all_unit_cases():
        if case.rule_id not in own:
            continue
        path = Path(case.file)
        reason = KNOWN_DISAGREEMENTS.get((path.parent.name, path.name, case.index, case.rule_id))
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params


def _fatal_ids(xml: bytes, doc_type: str | None = None) -> set[str]:
    document_type, model, _ = xml_to_model(xml, doc_type)
    findings = run_rules(model, document_type.key, [RULE_SET_CEN])
    return {f.rule_id for f in findings if f.is_fatal}


def _warning_ids(xml: bytes, doc_type: str | None = None) -> set[str]:
    document_type, model, _ = xml_to_model(xml, doc_type)
    findings = run_rules(model, document_type.key, [RULE_SET_CEN])
    return {f.rule_id for f in findings if f.severity.value == "warning"}


# The unit-test configuration `tc434-ubl` is plain EN 16931 (fragments carry no CustomizationID).
_FRAGMENT_TYPE = {"Invoice": "en16931-invoice", "CreditNote": "en16931-credit-note"}


@pytest.mark.parametrize("case", _own_unit_cases())
def test_unit_case_agrees_with_schematron(case: UnitCase) -> None:
    doc_type = _FRAGMENT_TYPE[case.root]
    if case.expect == "warning":
        assert case.rule_id in _warning_ids(case.xml, doc_type)
        return
    fatal = _fatal_ids(case.xml, doc_type)
    if case.expect == "error":
        assert case.rule_id in fatal, f"{case.rule_id} should fire on {case.file}#{case.index}"
    else:
        assert case.rule_id not in fatal, f"{case.rule_id} fired on {case.file}#{case.index}"


def _documents() -> list[Any]:
    if STANDARDS_DIR is None:
        return []
    expected = json.loads((STANDARDS_DIR / "expected-results.json").read_text("utf-8"))
    return [
        pytest.param(name, sorted(entry["expected_fatal"]), id=name)
        for name, entry in sorted(expected["documents"].items())
        if entry["root"] in ("Invoice", "CreditNote") and entry["rule_sets"]
    ]


@pytest.mark.parametrize(("name", "expected_fatal"), _documents())
def test_document_fatal_ids_agree(
    standards_dir: Path, name: str, expected_fatal: list[str]
) -> None:
    implemented = _implemented_fatal()
    raised = _fatal_ids((standards_dir / name).read_bytes()) & implemented
    assert raised == set(expected_fatal) & implemented


def _official_fatal(standards: Path) -> set[str]:
    tree = etree.parse(str(standards / CEN_SCH))
    return {
        a.get("id")
        for a in tree.iter(f"{SCH}assert")
        if a.get("flag") == "fatal" and OWN_FAMILY.match(a.get("id", ""))
    }


def _family(rule_id: str) -> str:
    parts = rule_id.split("-")
    return "BR" if parts[1].isdigit() else f"BR-{parts[1]}"


def test_every_official_fatal_rule_of_our_families_is_implemented(standards_dir: Path) -> None:
    official = _official_fatal(standards_dir)
    implemented = _implemented_fatal()
    families = sorted({_family(i) for i in official | implemented})
    print(f"\n{'family':<8} {'official':>8} {'implemented':>11}")
    for family in families:
        count_official = sum(1 for i in official if _family(i) == family)
        count_own = sum(1 for i in implemented & official if _family(i) == family)
        print(f"{family:<8} {count_official:>8} {count_own:>11}")
    print(f"{'total':<8} {len(official):>8} {len(implemented & official):>11}")
    missing = official - implemented - set(NOT_IMPLEMENTED)
    assert not missing, f"official fatal rules not implemented: {sorted(missing)}"
    unknown = implemented - official
    assert not unknown, f"implemented ids that are not fatal in the official CEN rules: {unknown}"


def test_unit_corpus_covers_our_rules() -> None:
    """Guard against a silently empty parametrisation (wrong folder, renamed ids)."""
    if STANDARDS_DIR is None:
        pytest.skip("official standards not available")
    assert len(_own_unit_cases()) > 500
