"""Median time of JSON <-> UBL conversion against the lxml parse + serialise floor.

Usage: python bench/bench_convert.py [STANDARDS_DIR] [--runs N] [--lines N]
STANDARDS_DIR defaults to ../shared/standards next to the checkout. Documents: the Peppol
base example (9 KB) and a generated invoice of N lines (default 500) built from it. For each,
in the same run and interleaved:

  floor        lxml: parse the UBL bytes and serialise them again
  ubl->json    bytes -> xml_to_model -> model_to_json_bytes
  json->ubl    JSON bytes -> json_to_model (validation + derivation) -> model_to_xml bytes
  ubl->model, model->ubl, json->model   the parts
Targets (DESIGN / brief): each direction within 3x of the floor.

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
    xml_to_model,
)

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


def cases(xml: bytes) -> dict[str, Callable[[], Any]]:
    doc_type, model, _ = xml_to_model(xml)
    json_bytes = json.dumps(model_to_json(model)).encode()

    def floor() -> bytes:
        return bytes(etree.tostring(etree.fromstring(xml)))

    def ubl_to_json() -> bytes:
        _, parsed, _ = xml_to_model(xml, doc_type)
        return model_to_json_bytes(parsed)

    def json_to_ubl() -> bytes:
        built, _ = json_to_model(json_bytes, doc_type)
        return model_to_xml(built, doc_type)

    return {
        "floor (lxml parse+serialise)": floor,
        "ubl->json": ubl_to_json,
        "json->ubl": json_to_ubl,
        "  ubl->model": lambda: xml_to_model(xml, doc_type),
        "  model->ubl": lambda: model_to_xml(model, doc_type),
        "  json->model": lambda: json_to_model(json_bytes, doc_type),
        "  model->json bytes": lambda: model_to_json_bytes(model),
    }


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
        print(f"  {name:30s} {value * 1000:9.3f} ms  {value / floor:6.2f}x floor")


def main() -> None:
    default = Path(__file__).resolve().parents[2] / "shared" / "standards"
    parser = argparse.ArgumentParser()
    parser.add_argument("standards", nargs="?", type=Path, default=default)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--lines", type=int, default=500)
    args = parser.parse_args()

    base = (args.standards / BASE).read_bytes()
    report(BASE, len(base), measure(cases(base), args.runs))
    big = large_invoice(base, args.lines)
    report(f"generated invoice, {args.lines} lines", len(big),
           measure(cases(big), max(10, args.runs // 20)))


if __name__ == "__main__":
    main()
