"""Median time of document signing and verification (XML-DSig enveloped, XAdES-BES).

Usage: python bench/bench_sign.py [STANDARDS_DIR] [--runs N] [--lines N]
STANDARDS_DIR defaults to ../shared/standards next to the checkout. Documents: the Peppol
base example (9 KB) and the same invoice with N lines (default 500; lines copied at the XML
level, which is all a signature cares about). Keys: RSA-2048 from a throw-away dev PKI.
For each document and kind: sign (parse + placeholder + signxml sign + serialise) and verify
(hardened parse + algorithm checks + signxml verify against anchors + re-parse of the signed
bytes). CPU time of this thread (time.thread_time), medians of interleaved runs.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from gateway.signing import pki
from gateway.signing.document import DocumentSigner, DocumentVerifier, SignatureKind
from gateway.signing.trust import SignerTrust

DEFAULT_STANDARDS = Path(__file__).resolve().parents[2] / "shared" / "standards"
EXAMPLE = "peppol-bis-billing-3/examples/base-example.xml"


def with_lines(base: bytes, lines: int) -> bytes:
    root = etree.fromstring(base)
    template = root.findall("{*}InvoiceLine")
    for line in template:
        root.remove(line)
    for number in range(lines):
        line = copy.deepcopy(template[number % len(template)])
        line.find("{*}ID").text = str(number + 1)
        root.append(line)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def median_ms(action: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.thread_time()
        action()
        samples.append((time.thread_time() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("standards", nargs="?", type=Path, default=DEFAULT_STANDARDS)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--lines", type=int, default=500)
    args = parser.parse_args()
    base = (args.standards / EXAMPLE).read_bytes()
    dev = pki.build_dev_pki(now=datetime.now(UTC), seats=(), partners=("bench",))
    signer = DocumentSigner(dev.entries["partners/bench"].credentials())
    verifier = DocumentVerifier(
        SignerTrust(anchors=(dev.root.certificate,), intermediates=(dev.ap_ca.certificate,))
    )
    documents = {"base example": base, f"{args.lines} lines": with_lines(base, args.lines)}
    print(f"{'document':<16}{'bytes':>9}  {'kind':<10}{'sign ms':>9}{'verify ms':>11}")
    for name, document in documents.items():
        for kind in SignatureKind:
            signed = signer.sign(document, kind)
            verifier.verify(signed)  # warm-up and sanity check
            sign = median_ms(lambda d=document, k=kind: signer.sign(d, k), args.runs)
            verify = median_ms(lambda s=signed: verifier.verify(s), args.runs)
            print(f"{name:<16}{len(document):>9}  {kind.value:<10}{sign:>9.2f}{verify:>11.2f}")


if __name__ == "__main__":
    main()
