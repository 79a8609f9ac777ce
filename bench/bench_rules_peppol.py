"""Median time of the own Peppol / code-list rules per document, against the official Schematron.

Usage: python bench/bench_rules_peppol.py [STANDARDS_DIR] [--runs N]
STANDARDS_DIR defaults to ../shared/standards next to the checkout. Each document is read into
its canonical model once; then, in N interleaved rounds (so that a busy machine slows every
contender alike), the bench runs
  * the Peppol and BR-CL families of the own rules (this module's scope),
  * the whole own-rules layer (every rule of the document type's rule sets),
  * the official CEN + PEPPOL Schematron XSLTs on a pre-parsed document (saxonche),
and prints the median CPU time of each and the ratio official / own layer.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gateway.documents.convert import xml_to_model
from gateway.validation.rules.registry import RuleContext, _apply, own_rule_sets, rules_for

DOCUMENTS = (
    "peppol-bis-billing-3/examples/base-example.xml",  # two lines
    "peppol-bis-billing-3/examples/Allowance-example.xml",
    "peppol-bis-billing-3/examples-self-billing/SB-base-example.xml",
)
FAMILIES = ("PEPPOL-", "BR-CL-", "SE-R-", "NO-R-", "DK-R-", "IT-R-", "NL-R-", "DE-R-", "GR-",
            "IS-R-")
OFFICIAL = {
    "PEPPOL-EN16931-UBL": "peppol-bis-billing-3/xslt/PEPPOL-EN16931-UBL.xslt",
    "PEPPOL-EN16931-UBL-SB": "peppol-bis-billing-3/xslt/PEPPOL-EN16931-UBL-SB.xslt",
    "CEN-EN16931-UBL": "peppol-bis-billing-3/xslt/CEN-EN16931-UBL.xslt",
}


def _interleaved_medians(contenders: dict[str, Callable[[], Any]], rounds: int
                         ) -> dict[str, float]:
    """Median CPU milliseconds per call of each contender, measured round-robin.

    CPU time of the calling thread (saxonche transforms run in it too), so that other
    processes competing for the cores do not inflate the figures.
    """
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, func in contenders.items():
            func()  # warm the caches the previous contender evicted
            started = time.thread_time()
            func()
            samples[name].append(time.thread_time() - started)
    return {name: statistics.median(values) * 1000 for name, values in samples.items()}


def _rules_runner(model: Any, key: str, rules: list[Any]) -> Callable[[], Any]:
    def run() -> list[Any]:
        context: RuleContext[Any] = RuleContext(model=model, doc_type=key)
        return [finding for r in rules for finding in _apply(r, context, None)]

    return run


def _official_runner(standards: Path, rule_sets: tuple[str, ...], data: bytes
                     ) -> Callable[[], Any] | None:
    try:
        from saxonche import PySaxonProcessor
    except ImportError:
        return None
    processor = PySaxonProcessor(license=False)
    compiler = processor.new_xslt30_processor()
    executables = [compiler.compile_stylesheet(stylesheet_file=str(standards / OFFICIAL[r]))
                   for r in rule_sets if r in OFFICIAL]
    node = processor.parse_xml(xml_text=data.decode("utf-8"))

    def run() -> list[str]:
        return [exe.transform_to_string(xdm_node=node) for exe in executables]

    return run


def main() -> None:
    default = Path(__file__).resolve().parents[2] / "shared" / "standards"
    parser = argparse.ArgumentParser()
    parser.add_argument("standards", nargs="?", type=Path, default=default)
    parser.add_argument("--runs", type=int, default=200, help="interleaved rounds")
    args = parser.parse_args()
    for name in DOCUMENTS:
        data = (args.standards / name).read_bytes()
        doc_type, model, _ = xml_to_model(data)
        sets = own_rule_sets(doc_type.rule_sets)
        every = rules_for(sets, doc_type.key)
        mine = [r for r in every if r.rule_id.startswith(FAMILIES)]
        contenders = {
            "mine": _rules_runner(model, doc_type.key, mine),
            "layer": _rules_runner(model, doc_type.key, every),
        }
        official = _official_runner(args.standards, doc_type.rule_sets, data)
        if official is not None:
            contenders["official"] = official
        medians = _interleaved_medians(contenders, args.runs)
        print(f"{name} ({len(model.lines)} lines, {doc_type.key})")
        print(f"  own Peppol + BR-CL + national rules ({len(mine):3d}) {medians['mine']:8.3f} ms")
        print(f"  own rules layer                    ({len(every):3d}) {medians['layer']:8.3f} ms")
        if "official" in medians:
            ratio = medians["official"] / medians["layer"]
            print(f"  official Schematron ({'+'.join(doc_type.rule_sets)}) "
                  f"{medians['official']:8.3f} ms -> own layer is {ratio:5.1f}x faster")

if __name__ == "__main__":
    main()
