#!/usr/bin/env python3
"""Extract the code lists embedded in the official Schematron into gateway/codelists/*.json.

The Schematron test expressions are the authoritative code lists: the separate code-list XML
files of the Peppol repository lag behind them (see shared/notes/official-validation.md,
pitfall 2). This script reads the three billing rule files from a directory given on the
command line and writes one JSON file per list, recording where each came from:

    python scripts/extract_codelists.py ../shared/standards/peppol-bis-billing-3/sch

Only the code values are written (facts); the Schematron itself is never copied. Each list
is taken from the assert(s) that use it; when several asserts share a list (BR-CL-03/04/05)
they must embed identical values or the script fails.

List syntaxes found in the rule files:
    CEN     contains(' A B C ', concat(' ', normalize-space(.), ' '))
            @mimeCode = 'a' or @mimeCode = 'b'             (BR-CL-24)
    Peppol  <let name="X" value="tokenize('A B C', '\\s')"/>  referenced as $X
            some $code in tokenize('A B C', '\\s') satisfies ... (inline)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

SCH_NS = {"s": "http://purl.oclc.org/dsdl/schematron"}
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "gateway" / "codelists"

CEN = "CEN-EN16931-UBL.sch"
PEPPOL = "PEPPOL-EN16931-UBL.sch"
PEPPOL_SB = "PEPPOL-EN16931-UBL-SB.sch"

_CONTAINS_LIST = re.compile(r"contains\(\s*'( [^']* )'")
_TOKENIZE_LIST = re.compile(r"tokenize\(\s*'([^']*)'\s*,\s*'\\s'\s*\)")
_VARIABLE = re.compile(r"\$([A-Za-z][A-Za-z0-9_-]*)")
_MIME_ALTERNATIVE = re.compile(r"@mimeCode\s*=\s*'([^']+)'")
_CEN_VERSION = re.compile(r"Schematron version ([0-9.]+) - Last update: (\d{4}-\d{2}-\d{2})")
_PEPPOL_VERSION = re.compile(r"Last update: (\d{4} \w+ release) ([0-9]+(?:\.[0-9]+)*)")


@dataclass(frozen=True)
class ListSpec:
    """One code list: the rule file and assert(s) that embed it."""

    name: str
    title: str
    sch: str
    rules: tuple[str, ...]
    occurrence: int = 0  # which list literal in the test (BR-CL-01 holds two)
    syntax: str = "contains"  # contains | tokenize | mime


SPECS: tuple[ListSpec, ...] = (
    # EN 16931 (CEN) code-list rules BR-CL-*
    ListSpec("cen-invoice-type-codes", "Invoice type codes (UNTDID 1001 subset)", CEN,
             ("BR-CL-01",), 0),
    ListSpec("cen-credit-note-type-codes", "Credit note type codes (UNTDID 1001 subset)", CEN,
             ("BR-CL-01",), 1),
    ListSpec("cen-currency-codes", "Currency codes (ISO 4217)", CEN,
             ("BR-CL-03", "BR-CL-04", "BR-CL-05")),
    ListSpec("cen-invoice-period-description-codes", "VAT date codes (UNTDID 2005 subset)",
             CEN, ("BR-CL-06",)),
    ListSpec("cen-reference-qualifiers", "Reference code qualifiers (UNTDID 1153)", CEN,
             ("BR-CL-07",)),
    ListSpec("cen-text-subject-codes", "Text subject code qualifiers (UNTDID 4451)", CEN,
             ("BR-CL-08",)),
    ListSpec("cen-icd-schemes", "Identifier schemes (ISO/IEC 6523 ICD)", CEN,
             ("BR-CL-10", "BR-CL-11", "BR-CL-21", "BR-CL-26")),
    ListSpec("cen-seller-payee-identifier-schemes",
             "Further identifier schemes for seller and payee identifiers (SEPA creditor id)",
             CEN, ("BR-CL-10",), 1),
    ListSpec("cen-item-classification-schemes", "Item type identification codes (UNTDID 7143)",
             CEN, ("BR-CL-13",)),
    ListSpec("cen-country-codes", "Country codes (ISO 3166-1 alpha-2)", CEN,
             ("BR-CL-14", "BR-CL-15")),
    ListSpec("cen-payment-means-codes", "Payment means codes (UNTDID 4461)", CEN,
             ("BR-CL-16",)),
    ListSpec("cen-vat-category-codes", "VAT category codes (UNTDID 5305 subset)", CEN,
             ("BR-CL-17", "BR-CL-18")),
    ListSpec("cen-allowance-reason-codes", "Allowance reason codes (UNTDID 5189)", CEN,
             ("BR-CL-19",)),
    ListSpec("cen-charge-reason-codes", "Charge reason codes (UNTDID 7161)", CEN,
             ("BR-CL-20",)),
    ListSpec("cen-vat-exemption-reason-codes", "VAT exemption reason codes (CEF VATEX)", CEN,
             ("BR-CL-22",)),
    ListSpec("cen-unit-codes", "Units of measure (UN/ECE Rec 20 and Rec 21)", CEN,
             ("BR-CL-23",)),
    ListSpec("cen-mime-codes", "Attachment MIME codes (IANA subset)", CEN, ("BR-CL-24",),
             syntax="mime"),
    ListSpec("cen-eas-schemes", "Electronic address schemes (CEF EAS)", CEN, ("BR-CL-25",)),
    # Peppol BIS Billing 3.0
    ListSpec("peppol-mime-codes", "Attachment MIME codes (Peppol subset)", PEPPOL,
             ("PEPPOL-EN16931-CL001",), syntax="tokenize"),
    ListSpec("peppol-allowance-reason-codes", "Allowance reason codes (UNCL 5189 subset)",
             PEPPOL, ("PEPPOL-EN16931-CL002",), syntax="tokenize"),
    ListSpec("peppol-charge-reason-codes", "Charge reason codes (UNCL 7161)", PEPPOL,
             ("PEPPOL-EN16931-CL003",), syntax="tokenize"),
    ListSpec("peppol-invoice-period-description-codes",
             "Invoice period description codes (UNCL 2005 subset)", PEPPOL,
             ("PEPPOL-EN16931-CL006",), syntax="tokenize"),
    ListSpec("peppol-currency-codes", "Currency codes (ISO 4217)", PEPPOL,
             ("PEPPOL-EN16931-CL007",), syntax="tokenize"),
    ListSpec("peppol-eas-schemes", "Electronic address schemes (Peppol EAS)", PEPPOL,
             ("PEPPOL-EN16931-CL008",), syntax="tokenize"),
    ListSpec("peppol-invoice-type-codes", "Invoice type codes allowed by the profile",
             PEPPOL, ("PEPPOL-EN16931-P0100",), syntax="tokenize"),
    ListSpec("peppol-credit-note-type-codes", "Credit note type codes allowed by the profile",
             PEPPOL, ("PEPPOL-EN16931-P0101",), syntax="tokenize"),
    # Peppol BIS Self-Billing 3.0
    ListSpec("peppol-sb-mime-codes", "Attachment MIME codes (Peppol subset)", PEPPOL_SB,
             ("PEPPOL-EN16931-CL001",), syntax="tokenize"),
    ListSpec("peppol-sb-allowance-reason-codes", "Allowance reason codes (UNCL 5189 subset)",
             PEPPOL_SB, ("PEPPOL-EN16931-CL002",), syntax="tokenize"),
    ListSpec("peppol-sb-charge-reason-codes", "Charge reason codes (UNCL 7161)", PEPPOL_SB,
             ("PEPPOL-EN16931-CL003",), syntax="tokenize"),
    ListSpec("peppol-sb-invoice-period-description-codes",
             "Invoice period description codes (UNCL 2005 subset)", PEPPOL_SB,
             ("PEPPOL-EN16931-CL006",), syntax="tokenize"),
    ListSpec("peppol-sb-currency-codes", "Currency codes (ISO 4217)", PEPPOL_SB,
             ("PEPPOL-EN16931-CL007",), syntax="tokenize"),
    ListSpec("peppol-sb-eas-schemes", "Electronic address schemes (Peppol EAS)", PEPPOL_SB,
             ("PEPPOL-EN16931-CL008",), syntax="tokenize"),
    ListSpec("peppol-sb-invoice-type-codes", "Self-billed invoice type codes", PEPPOL_SB,
             ("PEPPOL-EN16931-P0100",), syntax="tokenize"),
    ListSpec("peppol-sb-credit-note-type-codes", "Self-billed credit note type codes",
             PEPPOL_SB, ("PEPPOL-EN16931-P0101",), syntax="tokenize"),
)


class ExtractionError(Exception):
    """The rule file does not hold a list where the spec expects one."""


@dataclass
class RuleFile:
    path: Path
    root: etree._Element
    version: str
    sha256: str

    @classmethod
    def load(cls, path: Path) -> RuleFile:
        data = path.read_bytes()
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.fromstring(data, parser)
        return cls(path, root, _version_of(data.decode("utf-8"), path.name),
                   hashlib.sha256(data).hexdigest())

    def assert_test(self, rule_id: str) -> tuple[str, etree._Element]:
        found = self.root.xpath(".//s:assert[@id=$id]", namespaces=SCH_NS, id=rule_id)
        if len(found) != 1:
            raise ExtractionError(f"{self.path.name}: expected one assert {rule_id}, "
                                  f"found {len(found)}")
        element = found[0]
        return str(element.get("test")), element

    def variable(self, name: str, near: etree._Element) -> str | None:
        """Value of the nearest `let` named `name` in scope of `near` (rule, pattern, schema)."""
        for scope in near.iterancestors():
            for let in scope.iterfind("s:let", SCH_NS):
                if let.get("name") == name:
                    return str(let.get("value"))
        return None


def _version_of(text: str, file_name: str) -> str:
    head = text[:2000]
    if (match := _CEN_VERSION.search(head)) is not None:
        return f"EN 16931 UBL validation {match.group(1)} ({match.group(2)})"
    if (match := _PEPPOL_VERSION.search(head)) is not None:
        title = "Peppol BIS Self-Billing" if "-SB" in file_name else "Peppol BIS Billing"
        return f"{title} {match.group(2)} ({match.group(1)})"
    raise ExtractionError(f"{file_name}: no version statement in the header comment")


def _contains_codes(test: str, occurrence: int, where: str) -> list[str]:
    literals = _CONTAINS_LIST.findall(test)
    if len(literals) <= occurrence:
        raise ExtractionError(f"{where}: no contains(' ... ') list #{occurrence}")
    literal = str(literals[occurrence])
    codes = literal.split()
    # Exact membership semantics rely on a single space between codes.
    if literal != " " + " ".join(codes) + " ":
        raise ExtractionError(f"{where}: list literal is not single-space separated")
    return codes


def _tokenize_codes(test: str, assert_el: etree._Element, rule_file: RuleFile,
                    where: str) -> list[str]:
    inline = _TOKENIZE_LIST.findall(test)
    if inline:
        return str(inline[0]).split()
    for name in _VARIABLE.findall(test):
        value = rule_file.variable(name, assert_el)
        if value is not None and (match := _TOKENIZE_LIST.search(value)) is not None:
            return match.group(1).split()
    raise ExtractionError(f"{where}: no tokenize('...') list, inline or in a variable")


def extract(spec: ListSpec, rule_file: RuleFile) -> list[str]:
    results: list[list[str]] = []
    for rule_id in spec.rules:
        test, assert_el = rule_file.assert_test(rule_id)
        where = f"{rule_file.path.name} {rule_id}"
        if spec.syntax == "contains":
            codes = _contains_codes(test, spec.occurrence, where)
        elif spec.syntax == "tokenize":
            codes = _tokenize_codes(test, assert_el, rule_file, where)
        else:
            codes = _MIME_ALTERNATIVE.findall(test)
        if not codes:
            raise ExtractionError(f"{where}: empty code list")
        results.append(codes)
    first = results[0]
    for rule_id, other in zip(spec.rules[1:], results[1:], strict=True):
        if other != first:
            raise ExtractionError(f"{spec.name}: {rule_id} embeds a different list than "
                                  f"{spec.rules[0]}; give it its own spec")
    return first


def build(sch_dir: Path) -> dict[str, dict[str, object]]:
    files = {name: RuleFile.load(sch_dir / name) for name in (CEN, PEPPOL, PEPPOL_SB)}
    documents: dict[str, dict[str, object]] = {}
    for spec in SPECS:
        rule_file = files[spec.sch]
        codes = extract(spec, rule_file)
        documents[spec.name] = {
            "name": spec.name,
            "title": spec.title,
            "source": f"{spec.sch} (asserts {', '.join(spec.rules)})",
            "source_sha256": rule_file.sha256,
            "version": rule_file.version,
            "rules": list(spec.rules),
            "codes": codes,
        }
    return documents


def write(documents: dict[str, dict[str, object]], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in documents.items():
        path = out_dir / f"{name}.json"
        path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sch_dir", type=Path,
                        help="directory holding CEN-EN16931-UBL.sch and PEPPOL-EN16931-UBL*.sch")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"output directory (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    try:
        documents = build(args.sch_dir)
    except (OSError, etree.XMLSyntaxError, ExtractionError) as exc:
        print(f"extract_codelists: {exc}", file=sys.stderr)
        return 1
    for path in write(documents, args.out):
        codes = documents[path.stem]["codes"]
        assert isinstance(codes, list)
        print(f"{path.name}: {len(codes)} codes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
