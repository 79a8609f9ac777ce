#!/usr/bin/env python3
"""Differential fuzzing of the own Peppol / BR-CL / national rules against the official XSLT.

    python scripts/fuzz_rules_differential.py ../shared/standards --runs 1000 --seed 1

Takes the official billing examples, mutates each at random (code values, identifier schemes,
currencies, countries, deleted and repeated elements), validates the result with the compiled
official Schematron (saxonche) and with the own rules, and counts, per rule id of the own
families, where the two disagree. `--keep DIR` writes one sample document per disagreement.
A maintenance tool for rule updates (the unit-test corpus remains the judge in CI); expect
residual disagreements only where the canonical model cannot tell two XML forms apart (an
absent cac:TaxScheme/cbc:ID vs 'VAT', an absent @currencyID, ChargeIndicator '1' vs 'true',
repeated or empty wrapper elements).
"""

from __future__ import annotations

import argparse
import collections
import copy
import random
import sys
from pathlib import Path
from typing import Any

from lxml import etree

from gateway.documents.convert import xml_to_model
from gateway.errors import GatewayError
from gateway.validation.rules.registry import all_rules, run_rules

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
NS = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
FAMILIES = ("PEPPOL-", "BR-CL-", "SE-R-", "NO-R-", "DK-R-", "GR-", "IT-R-", "DE-R-", "NL-R-",
            "IS-R-")
READER_RULES = {"PEPPOL-EN16931-F001"}
SOURCES = ("peppol-bis-billing-3/examples*/*.xml", "peppol-bis-billing-3/snippets/*.xml",
           "peppol-bis-billing-3/national-examples/*/*.xml", "en16931/examples/guide-*.xml",
           "en16931/testfiles/*.xml")
_WORDS = (
    "380 381 389 527 261 326 384 XX EUR USD NOK SEK STD SE DK NO DE GR EL NL IT IS GB 0088 0007 "
    "0192 0184 0208 0151 0201 0210 0211 9933 9944 0106 0190 0196 SEPA 0037 0242 ZZZ S Z E AE K "
    "G O L M AA 30 31 42 48 49 50 54 55 56 57 58 59 93 97 1 9 95 100 SE:PLUSGIRO SE:BANKGIRO "
    "5560360793 5560360794 7300010000001 7300010000002 988077917 DK12345678 12345678 "
    "0403170701 true false 0 1 2017-13-01 2017-01-01 2100-01-01 -5 100.01 1e3 application/pdf "
    "image/gif C62 DAY H87 XYZ TST 19.05.01 EL123456783 NO988077917MVA SE556036079301 "
    "Foretaksregisteret 130 122 VATEX-EU-G vatex-eu-ic #AAI#x #XYZ#y EINDAGI ##M.AR.K##"
)
VALUES = [*_WORDS.split(), "", " ", "Godkänd för F-skatt", "#SKONTO#TAGE=7#PROZENT=2.00#\n",
          "123456783|01/11/2017|1|1.1|a|b", "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"]
ATTRIBUTES = ("schemeID", "currencyID", "unitCode", "mimeCode", "listID", "listVersionID")
COUNTRIES = ("DK", "SE", "NO", "DE", "NL", "IT", "IS", "GR", "EL")


class Official:
    def __init__(self, standards: Path) -> None:
        from saxonche import PySaxonProcessor

        self.processor = PySaxonProcessor(license=False)
        compiler = self.processor.new_xslt30_processor()
        folder = standards / "peppol-bis-billing-3" / "xslt"
        self.rules = {
            name: compiler.compile_stylesheet(stylesheet_file=str(folder / f"{name}.xslt"))
            for name in ("CEN-EN16931-UBL", "PEPPOL-EN16931-UBL", "PEPPOL-EN16931-UBL-SB")
        }

    def findings(self, data: bytes, rule_sets: tuple[str, ...]) -> set[tuple[str, str]]:
        node = self.processor.parse_xml(xml_text=data.decode("utf-8"))
        found = set()
        for name in rule_sets:
            svrl = etree.fromstring(self.rules[name].transform_to_string(xdm_node=node).encode())
            found |= {(str(a.get("id")), str(a.get("flag")))
                      for a in svrl.iter(f"{SVRL}failed-assert")}
        return found


def _set_countries(root: Any, rnd: random.Random) -> None:
    for party in ("AccountingSupplierParty", "AccountingCustomerParty"):
        if rnd.random() < 0.6:
            country = rnd.choice(COUNTRIES)
            path = f"/*/cac:{party}/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode"
            for element in root.xpath(path, namespaces=NS):
                element.text = country
            if rnd.random() < 0.5:
                path = f"/*/cac:{party}/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"
                for element in root.xpath(path, namespaces=NS):
                    element.text = country + (element.text or "")[2:]


def mutate(root: Any, rnd: random.Random) -> None:
    if rnd.random() < 0.7:
        _set_countries(root, rnd)
    for _ in range(rnd.randint(1, 4)):
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        element = rnd.choice(elements)
        parent = element.getparent()
        roll = rnd.random()
        if roll < 0.45 and len(element) == 0:
            element.text = rnd.choice(VALUES)
        elif roll < 0.7:
            attribute = rnd.choice(ATTRIBUTES)
            if attribute in element.attrib and rnd.random() < 0.2:
                del element.attrib[attribute]
            elif attribute in element.attrib or rnd.random() < 0.3:
                element.set(attribute, rnd.choice(VALUES))
        elif roll < 0.85 and parent is not None:
            parent.remove(element)
        elif rnd.random() < 0.3 and parent is not None:
            element.addnext(copy.deepcopy(element))


def _type_of(root: Any) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    customization = root.findtext(f"{{{NS['cbc']}}}CustomizationID") or ""
    self_billing = "selfbilling" in customization
    key = "invoice" if etree.QName(root).localname == "Invoice" else "credit-note"
    if self_billing:
        return f"self-billing-{key}", ("CEN-EN16931-UBL", "PEPPOL-EN16931-UBL-SB"), (
            "CEN", "PEPPOL-SB")
    return key, ("CEN-EN16931-UBL", "PEPPOL-EN16931-UBL"), ("CEN", "PEPPOL")


def _scope() -> dict[str, set[str]]:
    scope: dict[str, set[str]] = {}
    for r in all_rules():
        if r.rule_id.startswith(FAMILIES):
            scope.setdefault(r.rule_set, set()).add(r.rule_id)
    for rule_set in ("PEPPOL", "PEPPOL-SB"):
        scope.setdefault(rule_set, set()).update(READER_RULES)
    return scope


def run(standards: Path, runs: int, seed: int, keep: Path | None) -> collections.Counter[Any]:
    rnd = random.Random(seed)
    official = Official(standards)
    scope = _scope()
    sources = sorted(p for pattern in SOURCES for p in standards.glob(pattern))
    counts: collections.Counter[Any] = collections.Counter()
    for _ in range(runs):
        root = etree.parse(str(rnd.choice(sources))).getroot()
        mutate(root, rnd)
        data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        key, official_sets, own_sets = _type_of(root)
        ids = scope["CEN"] | scope[own_sets[1]]
        try:
            expected = {f for f in official.findings(data, official_sets) if f[0] in ids}
            _, model, read = xml_to_model(data, key)
        except GatewayError:
            counts["skipped: unreadable"] += 1
            continue
        except Exception:  # the XSLT raises on documents it cannot evaluate
            counts["skipped: official rules raised a dynamic error"] += 1
            continue
        own = {(f.rule_id, f.severity.value) for f in [*read, *run_rules(model, key, own_sets)]
               if f.rule_id in ids}
        counts["documents"] += 1
        counts["identical"] += expected == own
        for difference, found in (("missing", expected - own), ("extra", own - expected)):
            for rule_id, flag in found:
                counts[f"{difference} {rule_id} ({flag})"] += 1
                if keep is not None:
                    name = f"{difference}-{rule_id}-{counts[f'{difference} {rule_id} ({flag})']}"
                    (keep / f"{name}.xml").write_bytes(data)
    return counts


def main(argv: list[str] | None = None) -> int:
    default = Path(__file__).resolve().parents[2] / "shared" / "standards"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("standards", nargs="?", type=Path, default=default)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write disagreeing documents here")
    args = parser.parse_args(argv)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    counts = run(args.standards, args.runs, args.seed, args.keep)
    for label, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        print(f"{count:6d}  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
