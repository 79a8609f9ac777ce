"""Median time of the AS4 verification paths that exist so far (no send/encrypt/decrypt yet).

Usage: python bench/bench_as4.py [TRANSPORT_VECTORS_DIR] [--runs N]
TRANSPORT_VECTORS_DIR defaults to ../shared/transport-vectors next to the checkout.

  receipt verify      parse + WS-Security signature (Messaging + Body) + RefToMessageId + NRI
                      read, phase4's real receipt (POP000306)
  usermessage verify  MIME split + SOAP parse + Peppol header checks + signature and the
                      Messaging/Body digests of phase4's real UserMessage (attachment digest
                      not checked: it is encrypted for a key that is not public)

CPU time of this thread (time.thread_time), medians.
"""

from __future__ import annotations

import argparse
import base64
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from cryptography import x509

from gateway.peppol.as4.constants import EB_NS, WSSE_NS
from gateway.peppol.as4.mime import split_headers, split_multipart
from gateway.peppol.as4.receipt import parse_envelope, verify_receipt
from gateway.peppol.as4.usermessage import check_peppol_header, read_user_message
from gateway.peppol.as4.wssec import verify_ws_signature
from gateway.xml.parser import parse_xml

DEFAULT_VECTORS = Path(__file__).resolve().parents[2] / "shared" / "transport-vectors"


def median_ms(action: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.thread_time()
        action()
        samples.append((time.thread_time() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("vectors", nargs="?", type=Path, default=DEFAULT_VECTORS)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    receipt = split_headers((args.vectors / "as4/receipt-phase4-POP000306.http").read_bytes())[1]
    envelope = parse_envelope(receipt)
    token = next(envelope.iter(f"{{{WSSE_NS}}}BinarySecurityToken"))
    signer = x509.load_der_x509_certificate(base64.b64decode("".join(token.text.split())))
    ref_to = envelope.findtext(f".//{{{EB_NS}}}RefToMessageId").strip()
    message = (args.vectors / "as4/phase4-peppol-usermessage-signed-encrypted.mime").read_bytes()

    def verify_message() -> None:
        headers, body = split_headers(message)
        soap, attachment = split_multipart(headers["content-type"], body)
        root = parse_xml(soap.content)
        check_peppol_header(read_user_message(root))
        verify_ws_signature(
            root, check_signer=lambda cert: None, attachment_ids=(attachment.content_id,)
        )

    receipt_ms = median_ms(
        lambda: verify_receipt(receipt, expected_signer=signer, sent_message_id=ref_to), args.runs
    )
    message_ms = median_ms(verify_message, args.runs)
    print(f"receipt verify      {len(receipt):>7} B  {receipt_ms:6.2f} ms")
    print(f"usermessage verify  {len(message):>7} B  {message_ms:6.2f} ms")


if __name__ == "__main__":
    main()
