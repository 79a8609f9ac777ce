"""Median time of the Peppol AS4 paths: verification of real vectors, and our own send/receive.

Usage: python bench/bench_as4.py [TRANSPORT_VECTORS_DIR] [--runs N] [--persist-runs N]
TRANSPORT_VECTORS_DIR defaults to ../shared/transport-vectors next to the checkout.

  receipt verify      parse + WS-Security signature (Messaging + Body) + RefToMessageId + NRI
                      read, phase4's real receipt (POP000306)
  usermessage verify  MIME split + SOAP parse + Peppol header checks + signature and the
                      Messaging/Body digests of phase4's real UserMessage (attachment digest
                      not checked: it is encrypted for a key that is not public)
  AS4 send            Envelope → SBDH wrap, gzip, WS-Security signature (3 references),
                      AES-128-GCM + RSA-OAEP encryption, MIME (outbound.prepare_message), for
                      the 20,316-byte invoice of generated/decrypted-payload-sbd.xml
  AS4 receive         MIME split, header checks, RSA-OAEP unwrap + AES-GCM decrypt, signature
                      and 3 digests, chain check, gunzip, SBDH read and checks, recipient
                      check (inbound.receive_user_message) of that message
  receipt build/verify  our NRR receipt: build + sign; the sender's verify + NRI comparison
  receive + persist   receive + receipt + StoreSink on a fresh SQLite file (wall time: I/O)

CPU time of this thread (time.thread_time) for the pure paths, wall time for persist; medians.
Reference (peppol-as4.md §3.5): the `as4` package alone takes 5.5-7.3 ms (build + sign +
encrypt) and 9.2-12.5 ms (verify + decrypt) for the same invoice on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509

from gateway.db.database import Database
from gateway.db.migrations import upgrade_async
from gateway.peppol.as4.constants import EB_NS, WSSE_NS
from gateway.peppol.as4.inbound import ReceiverSettings, receive_user_message
from gateway.peppol.as4.mime import split_headers, split_multipart
from gateway.peppol.as4.outbound import SenderIdentity, Target, prepare_message
from gateway.peppol.as4.receipt import parse_envelope, verify_receipt
from gateway.peppol.as4.signals import build_receipt
from gateway.peppol.as4.store import StoreSink
from gateway.peppol.as4.usermessage import check_peppol_header, read_user_message
from gateway.peppol.as4.wssec import verify_ws_signature
from gateway.peppol.identifiers import ParticipantId
from gateway.peppol.truststore import CertificateCheck
from gateway.signing import pki
from gateway.signing.trust import SignerTrust
from gateway.transports.base import Envelope, InboundRequest
from gateway.xml.parser import parse_xml

DEFAULT_VECTORS = Path(__file__).resolve().parents[2] / "shared" / "transport-vectors"
SENDER = ParticipantId("0088:5790000435975")
RECEIVER = ParticipantId("0088:5790000435944")


def median_ms(action: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.thread_time()
        action()
        samples.append((time.thread_time() - start) * 1000)
    return statistics.median(samples)


def vector_paths(vectors: Path, runs: int) -> None:
    receipt = split_headers((vectors / "as4/receipt-phase4-POP000306.http").read_bytes())[1]
    envelope = parse_envelope(receipt)
    token = next(envelope.iter(f"{{{WSSE_NS}}}BinarySecurityToken"))
    signer = x509.load_der_x509_certificate(base64.b64decode("".join(token.text.split())))
    ref_to = envelope.findtext(f".//{{{EB_NS}}}RefToMessageId").strip()
    message = (vectors / "as4/phase4-peppol-usermessage-signed-encrypted.mime").read_bytes()

    def verify_message() -> None:
        headers, body = split_headers(message)
        soap, attachment = split_multipart(headers["content-type"], body)
        root = parse_xml(soap.content)
        check_peppol_header(read_user_message(root))
        verify_ws_signature(
            root, check_signer=lambda cert: None, attachment_ids=(attachment.content_id,)
        )

    receipt_ms = median_ms(
        lambda: verify_receipt(receipt, expected_signer=signer, sent_message_id=ref_to), runs
    )
    print(f"receipt verify (phase4)      {len(receipt):>7} B  {receipt_ms:6.2f} ms")
    message_ms = median_ms(verify_message, runs)
    print(f"usermessage verify (phase4)  {len(message):>7} B  {message_ms:6.2f} ms")


def invoice_of(vectors: Path) -> bytes:
    sbd = (vectors / "generated/decrypted-payload-sbd.xml").read_bytes()
    return sbd[sbd.index(b"<Invoice ") : sbd.rindex(b"</Invoice>") + len(b"</Invoice>")]


def own_paths(invoice: bytes, runs: int, persist_runs: int) -> None:
    now = datetime.now(UTC)
    dev = pki.build_dev_pki(now=now, partners=())
    sender, receiver = dev.entries["ap/POP000901"], dev.entries["ap/POP000902"]
    identity = SenderIdentity(sender.credentials(), SENDER, "BE")
    target = Target("https://ap.example/as4", receiver.certificate)
    envelope = Envelope(
        message_id="0190f0e1-7a2b-7c3d-8e4f-aabbccddeeff",
        document_type="peppol-bis-billing-3-invoice",
        sender_id=str(SENDER),
        receiver_id=str(RECEIVER),
        payload=invoice,
        content_type="application/xml",
    )
    trust = SignerTrust(anchors=(dev.root.certificate,), intermediates=(dev.ap_ca.certificate,))
    settings = ReceiverSettings(
        keys=(receiver.credentials(),),
        check_signer=CertificateCheck(trust),
        serves=lambda participant, _doc, _proc: participant == RECEIVER,
    )

    def send() -> object:
        return prepare_message(envelope, target=target, identity=identity, now=now)

    message = prepare_message(envelope, target=target, identity=identity, now=now)
    received = receive_user_message(message.content_type, message.body, settings)

    def receipt() -> object:
        return build_receipt(
            ref_to_message_id=received.message_id,
            references=received.signature.references,
            credentials=receiver.credentials(),
            timestamp=now,
        )

    signal = build_receipt(
        ref_to_message_id=received.message_id,
        references=received.signature.references,
        credentials=receiver.credentials(),
        timestamp=now,
    )
    send_ms = median_ms(send, runs)
    receive_ms = median_ms(
        lambda: receive_user_message(message.content_type, message.body, settings), runs
    )
    sizes = f"{len(invoice):>6} B → {len(message.body):>6} B"
    print(f"AS4 send (build+sign+encrypt) {sizes}  {send_ms:6.2f} ms")
    print(f"AS4 receive (verify+decrypt)  {len(message.body):>6} B  {receive_ms:6.2f} ms")
    print(
        f"receipt build + sign          {len(signal.body):>6} B  {median_ms(receipt, runs):6.2f} ms"
    )
    verify_ms = median_ms(
        lambda: verify_receipt(
            signal.body,
            expected_signer=receiver.certificate,
            sent_message_id=message.message_id,
            sent_references=message.signed_references,
        ),
        runs,
    )
    print(f"receipt verify + NRI check    {len(signal.body):>6} B  {verify_ms:6.2f} ms")
    if persist_runs:
        persist_ms = asyncio.run(
            _persist(envelope, target, identity, settings, receiver, persist_runs)
        )
        print(f"receive + receipt + persist (SQLite, wall)   {persist_ms:6.2f} ms")


async def _persist(
    envelope: Envelope,
    target: Target,
    identity: SenderIdentity,
    settings: ReceiverSettings,
    receiver: pki.IssuedCertificate,
    runs: int,
) -> float:
    samples = []
    with tempfile.TemporaryDirectory() as directory:
        database = Database.from_url(f"sqlite+aiosqlite:///{directory}/bench.sqlite")
        await upgrade_async(database.engine)
        sink = StoreSink(database)
        for index in range(runs):
            now = datetime.now(UTC)
            distinct = Envelope(**{**_fields(envelope), "message_id": f"bench-{index}"})
            message = prepare_message(distinct, target=target, identity=identity, now=now)
            request = InboundRequest(
                headers=message.http_headers(), body=message.body, received_at=now
            )
            start = time.perf_counter()
            received = receive_user_message(message.content_type, message.body, settings)
            signal = build_receipt(
                ref_to_message_id=received.message_id,
                references=received.signature.references,
                credentials=receiver.credentials(),
                timestamp=now,
            )
            await sink.accept(received, receipt=signal, request=request)
            samples.append((time.perf_counter() - start) * 1000)
        await database.dispose()
    return statistics.median(samples)


def _fields(envelope: Envelope) -> dict[str, object]:
    names = ("message_id", "document_type", "sender_id", "receiver_id", "payload", "content_type")
    return {name: getattr(envelope, name) for name in names}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("vectors", nargs="?", type=Path, default=DEFAULT_VECTORS)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--persist-runs", type=int, default=50)
    args = parser.parse_args()
    vector_paths(args.vectors, args.runs)
    own_paths(invoice_of(args.vectors), args.runs, args.persist_runs)


if __name__ == "__main__":
    main()
