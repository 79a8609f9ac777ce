"""Receiving a Peppol AS4 UserMessage (I/O-free), the receiver checklist of peppol-as4.md §1.13:

1. split the MIME (bounded part count and header size) and parse the SOAP part (hardened);
2. refuse ``mustUnderstand`` headers we do not process; check the Peppol fixed header values;
3. decrypt the attachment (our AP key(s); the declared OAEP parameters);
4. verify the WS-Security signature: profile algorithms, Messaging + Body + the attachment
   covered, digests (the attachment's over the decrypted, still compressed bytes), the signer
   trusted (``check_signer``: AP CA chain, validity, revocation) and equal to eb:From;
5. gunzip with a size cap (EBMS:0303 beyond it: zip bombs);
6. read the SBDH and check it against the AS4 header (C1, C4, document type, process);
7. check that the final recipient is served here (``PEPPOL:NOT_SERVICED`` otherwise).

Every refusal is an ``As4Rejected`` carrying the ebMS code to answer and, once the header was
read, ``ref_to_message_id``. Duplicate detection and persistence are the caller's (endpoint.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography import x509
from lxml import etree

from gateway.errors import InputError
from gateway.peppol import sbdh
from gateway.peppol.as4.constants import EB_NS, SOAP12_NS, WSSE_NS
from gateway.peppol.as4.encryption import decrypt_attachments
from gateway.peppol.as4.errors import (
    FAILED_AUTHENTICATION,
    INVALID_HEADER,
    OTHER,
    VALUE_INCONSISTENT,
    As4Rejected,
    NotServiced,
)
from gateway.peppol.as4.mime import MimePart, split_multipart
from gateway.peppol.as4.usermessage import (
    DEFAULT_MAX_DECOMPRESSED,
    UserMessageHeader,
    check_peppol_header,
    check_signer_is_sender,
    gunzip_bounded,
    read_user_message,
)
from gateway.peppol.as4.wssec import WsSignature, verify_ws_signature
from gateway.peppol.identifiers import DocumentTypeId, ParticipantId, ProcessId
from gateway.peppol.revocation import RevocationUnavailable
from gateway.signing.credentials import SigningCredentials
from gateway.signing.trust import UntrustedCertificate
from gateway.xml.parser import parse_xml

MAX_SOAP_BYTES = 1024 * 1024
_UNDERSTOOD = frozenset({f"{{{EB_NS}}}Messaging", f"{{{WSSE_NS}}}Security"})
_TRUE = frozenset({"true", "1"})

SignerCheck = Callable[[x509.Certificate], None]
"""Raises for an untrusted signer: UntrustedCertificate (EBMS:0101), RevocationUnavailable
(EBMS:0004, retryable) or As4Rejected (its code); e.g. truststore.CertificateCheck."""
RecipientCheck = Callable[[ParticipantId, DocumentTypeId, ProcessId], bool]
"""True when this AP serves the final recipient for that document type and process."""


@dataclass(frozen=True, slots=True)
class ReceiverSettings:
    keys: tuple[SigningCredentials, ...]
    """Our AP key(s): the first signs our signals; all are tried for decryption (rotation)."""
    check_signer: SignerCheck
    serves: RecipientCheck
    max_payload_bytes: int = DEFAULT_MAX_DECOMPRESSED

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(self.keys))
        if not self.keys:
            raise ValueError("the AS4 receiver needs at least one AP key")


@dataclass(frozen=True, slots=True)
class ReceivedUserMessage:
    header: UserMessageHeader
    signature: WsSignature
    envelope: sbdh.Unwrapped
    sbd: bytes = field(repr=False)
    """The decompressed payload: the Peppol envelope exactly as the sender built it."""

    @property
    def message_id(self) -> str:
        return self.header.message_id

    @property
    def original_sender(self) -> ParticipantId:
        return self.envelope.header.sender

    @property
    def final_recipient(self) -> ParticipantId:
        return self.envelope.header.receiver


def parse_soap(parts: list[MimePart]) -> etree._Element:
    root = parts[0]
    if root.content_type != "application/soap+xml":
        raise As4Rejected(
            INVALID_HEADER, f"the first MIME part is {root.content_type!r}, not SOAP 1.2"
        )
    try:
        return parse_xml(root.content, max_bytes=MAX_SOAP_BYTES)
    except InputError as exc:
        raise As4Rejected(INVALID_HEADER, f"SOAP part: {exc.message}") from None


def check_must_understand(envelope: etree._Element) -> None:
    """SOAP 1.2 §5.2.3: a mandatory header block we do not process must not be ignored."""
    for header in envelope.iterfind(f"{{{SOAP12_NS}}}Header"):
        for block in header:
            if not isinstance(block.tag, str) or block.tag in _UNDERSTOOD:
                continue
            if (block.get(f"{{{SOAP12_NS}}}mustUnderstand") or "").strip() in _TRUE:
                raise As4Rejected(
                    INVALID_HEADER, f"mustUnderstand header {block.tag} not supported"
                )


def _attachments(parts: list[MimePart], header: UserMessageHeader) -> dict[str, bytes]:
    attachments: dict[str, bytes] = {}
    for part in parts[1:]:
        if part.content_id is None:
            raise As4Rejected(INVALID_HEADER, "a MIME attachment has no Content-ID")
        attachments[part.content_id] = part.content
    referenced = {part.content_id for part in header.parts}
    if set(attachments) != referenced:
        raise As4Rejected(
            VALUE_INCONSISTENT,
            f"PayloadInfo references {sorted(referenced)} but the MIME parts are "
            f"{sorted(attachments)}",
        )
    return attachments


def _verified_signature(
    envelope: etree._Element,
    header: UserMessageHeader,
    plaintexts: dict[str, bytes],
    check_signer: SignerCheck,
) -> WsSignature:
    def checked(certificate: x509.Certificate) -> None:
        try:
            check_signer(certificate)
        except RevocationUnavailable as exc:
            # Hard-fail revocation policy without a current CRL: transient, the sender retries.
            raise As4Rejected(OTHER, f"signing certificate: {exc}; try again later") from None
        except UntrustedCertificate as exc:
            raise As4Rejected(
                FAILED_AUTHENTICATION, f"signing certificate not trusted: {exc}"
            ) from None

    signature = verify_ws_signature(
        envelope, check_signer=checked, attachments=plaintexts, attachment_ids=tuple(plaintexts)
    )
    check_signer_is_sender(header, signature.signer)
    return signature


def _unwrap(sbd: bytes, header: UserMessageHeader, max_bytes: int) -> sbdh.Unwrapped:
    try:
        unwrapped = sbdh.unwrap(sbd, max_bytes=max_bytes)
    except sbdh.SbdhError as exc:
        raise As4Rejected(INVALID_HEADER, f"Peppol envelope (SBDH): {exc.message}") from None
    try:
        sbdh.check_against_as4(
            unwrapped.header,
            original_sender=header.properties["originalSender"],
            final_recipient=header.properties["finalRecipient"],
            action=header.action,
            service=header.service,
        )
    except sbdh.SbdhError as exc:
        raise As4Rejected(VALUE_INCONSISTENT, exc.message) from None
    return unwrapped


def _check_recipient(unwrapped: sbdh.Unwrapped, serves: RecipientCheck) -> None:
    scope = unwrapped.header
    if not serves(scope.receiver, scope.document_type, scope.process):
        raise NotServiced(
            f"{scope.receiver} is not served by this access point for {scope.document_type} "
            f"/ {scope.process}"
        )


def receive_user_message(
    content_type: str, body: bytes, settings: ReceiverSettings
) -> ReceivedUserMessage:
    """Run steps 1-7 on one HTTP request body; raise ``As4Rejected`` on the first failure."""
    parts = split_multipart(content_type, body)
    envelope = parse_soap(parts)
    check_must_understand(envelope)
    header = read_user_message(envelope)
    try:
        check_peppol_header(header)
        attachments = _attachments(parts, header)
        plaintexts = decrypt_attachments(envelope, attachments, settings.keys)
        signature = _verified_signature(envelope, header, plaintexts, settings.check_signer)
        (compressed,) = plaintexts.values()
        sbd = gunzip_bounded(compressed, settings.max_payload_bytes)
        unwrapped = _unwrap(sbd, header, settings.max_payload_bytes)
        _check_recipient(unwrapped, settings.serves)
    except As4Rejected as exc:
        exc.ref_to_message_id = header.message_id
        raise
    return ReceivedUserMessage(header, signature, unwrapped, sbd)
