"""Median time of JSON <-> UBL conversion and validation against the lxml floor.

Usage: python bench/bench_convert.py [STANDARDS_DIR] [--runs N] [--lines N]
STANDARDS_DIR defaults to ../shared/standards next to the checkout. Documents: the Peppol
base example (9 KB) and a generated invoice of N lines (default 500) built from it. For each,
in the same run and interleaved:

  floor        lxml: parse the UBL bytes and serialise them again
  ubl->json    bytes -> xml_to_json_bytes (the model is built only when the parse has findings)
  ubl->json via the model   bytes -> xml_to_model -> model_to_json_bytes (the same bytes)
  json->ubl    JSON bytes -> json_to_model (validation + derivation) -> model_to_xml bytes
  ubl->model, model->ubl, json->model   the parts
  own validation  bytes -> model -> own rules (EN 16931 + Peppol ids)
  official        hardened parse + UBL XSD + CEN and Peppol Schematron (saxonche)
Targets (issue 2): each conversion direction within 3x of the floor; own-rules validation
at least 10x faster than the official Schematron.

Times are CPU time of this thread (time.thread_time), medians of interleaved runs: on a
shared machine wall-clock time mostly measures the other processes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from gateway.documents.convert import (
    json_to_model,
    model_to_json,
    model_to_json_bytes,
    model_to_xml,
    xml_to_json_bytes,
    xml_to_model,
)
from gateway.documents.registry import DocumentType
from gateway.findings import Finding
from gateway.validation.artefacts import Artefacts
from gateway.validation.official import OfficialValidator
from gateway.validation.rules.registry import own_rule_sets, run_rules
from gateway.xml.parser import parse_xml

BASE = "peppol-bis-billing-3/examples/base-example.xml"


def large_invoice(base: bytes, lines: int) -> bytes:
    """The base example with `lines` lines (copies of its lines), totals derived again."""
    doc_type, model, _ = xml_to_model(base)
    data = model_to_json(model)
    template = data["lines"]
    data["lines"] = []
    for number in range(lines):
        line = json.loads(json.dumps(template[number % len(template)]))
        line["id"] = str(number + 1)
        data["lines"].append(line)
    data.pop("totals")
    data.pop("tax_totals")
    big, _ = json_to_model(data, doc_type)
    return model_to_xml(big, doc_type)


def cases(xml: bytes, official: OfficialValidator | None = None
          ) -> dict[str, Callable[[], Any]]:
    doc_type, model, _ = xml_to_model(xml)
    json_bytes = json.dumps(model_to_json(model)).encode()

    def floor() -> bytes:
        return bytes(etree.tostring(etree.fromstring(xml)))

    def ubl_to_json() -> bytes:
        return xml_to_json_bytes(xml, doc_type)[1]

    def ubl_to_json_model() -> bytes:
        _, parsed, _ = xml_to_model(xml, doc_type)
        return model_to_json_bytes(parsed)

    def json_to_ubl() -> bytes:
        built, _ = json_to_model(json_bytes, doc_type)
        return model_to_xml(built, doc_type)

    rule_sets = own_rule_sets(doc_type.rule_sets)

    def own_validation() -> list[Finding]:
        _, parsed, findings = xml_to_model(xml, doc_type)
        return findings + run_rules(parsed, doc_type.key, rule_sets)

    measured: dict[str, Callable[[], Any]] = {
        "floor (lxml parse+serialise)": floor,
        "ubl->json": ubl_to_json,
        "  ubl->json via the model": ubl_to_json_model,
        "json->ubl": json_to_ubl,
        "  ubl->model": lambda: xml_to_model(xml, doc_type),
        "  model->ubl": lambda: model_to_xml(model, doc_type),
        "  json->model": lambda: json_to_model(json_bytes, doc_type),
        "  model->json bytes": lambda: model_to_json_bytes(model),
        "own validation (bytes->findings)": own_validation,
        "  own rules on the model": lambda: run_rules(model, doc_type.key, rule_sets),
    }
    if official is not None:
        measured["official (parse+XSD+Schematron)"] = lambda: _official(official, xml, doc_type)
        measured["  official Schematron only"] = lambda: official.check_schematron(
            xml, doc_type.rule_sets)
    return measured


def _official(official: OfficialValidator, xml: bytes, doc_type: DocumentType) -> list[Finding]:
    return official.validate(xml, parse_xml(xml), doc_type)


def measure(functions: dict[str, Callable[[], Any]], runs: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in functions}
    for function in functions.values():
        function()  # warm up: mapping load, compiled plans
    for _ in range(runs):
        for name, function in functions.items():
            started = time.thread_time()
            function()
            samples[name].append(time.thread_time() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def report(title: str, size: int, medians: dict[str, float]) -> None:
    floor = medians["floor (lxml parse+serialise)"]
    print(f"\n{title} ({size / 1024:.1f} KB)")
    for name, value in medians.items():
        print(f"  {name:34s} {value * 1000:9.3f} ms  {value / floor:6.2f}x floor")
    official = medians.get("official (parse+XSD+Schematron)")
    if official is not None:
        own = medians["own validation (bytes->findings)"]
        print(f"  official / own validation: {official / own:.1f}x")


def main() -> None:
    default = Path(__file__).resolve().parents[2] / "shared" / "standards"
    parser = argparse.ArgumentParser()
    parser.add_argument("standards", nargs="?", type=Path, default=default)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--no-official", action="store_true",
                        help="skip the official layers (no saxonche compile)")
    args = parser.parse_args()

    official = None if args.no_official else OfficialValidator(Artefacts(args.standards))
    base = (args.standards / BASE).read_bytes()
    report(BASE, len(base), measure(cases(base, official), args.runs))
    big = large_invoice(base, args.lines)
    report(f"generated invoice, {args.lines} lines", len(big),
           measure(cases(big, official), max(10, args.runs // 20)))


if __name__ == "__main__":
    main()
