"""Median time of the official validation layers per document (parse + XSD + Schematron).

Usage: python bench/bench_validate.py [STANDARDS_DIR] [--runs N]
STANDARDS_DIR defaults to ../shared/standards next to the checkout. Compilation is measured
once (first use per rule set); documents are then validated N times each, interleaved.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from gateway.validation.artefacts import Artefacts
from gateway.validation.official import OfficialValidator
from gateway.validation.pipeline import Validator

DOCUMENTS = (
    "peppol-bis-billing-3/examples/base-example.xml",
    "peppol-bis-billing-3/examples/Allowance-example.xml",
    "en16931/examples/guide-example1.xml",
    "peppol-poacc-3/examples/Order_Example.xml",
    "peppol-poacc-3/examples/OrderResponse_Example.xml",
    "peppol-poacc-3/examples/DespatchAdvice_Example.xml",
    "peppol-poacc-3/examples/InvoiceResponse_Example.xml",
    "peppol-poacc-3/examples/MessageLevelResponse_Example.xml",
)


def main() -> None:
    default = Path(__file__).resolve().parents[2] / "shared" / "standards"
    parser = argparse.ArgumentParser()
    parser.add_argument("standards", nargs="?", type=Path, default=default)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    started = time.perf_counter()
    official = OfficialValidator(Artefacts(args.standards))
    print(f"artefacts: {official.version} (integrity check {time.perf_counter() - started:.3f} s)")
    validator = Validator(official)
    documents = {name: (args.standards / name).read_bytes() for name in DOCUMENTS}
    for name, data in documents.items():
        started = time.perf_counter()
        report = validator.validate_xml(data)
        print(f"first run (compiles) {time.perf_counter() - started:7.3f} s  "
              f"valid={report.valid}  {name}")
    timings: dict[str, list[float]] = {name: [] for name in documents}
    for _ in range(args.runs):
        for name, data in documents.items():
            started = time.perf_counter()
            validator.validate_xml(data)
            timings[name].append(time.perf_counter() - started)
    print(f"median over {args.runs} runs:")
    for name, values in timings.items():
        print(f"  {statistics.median(values) * 1000:7.2f} ms  {len(documents[name]):>7} B  {name}")


if __name__ == "__main__":
    main()
