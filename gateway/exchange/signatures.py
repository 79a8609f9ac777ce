"""Document signatures in the exchange engine: a partner's signing policy and signer trust.

The policy is the ``signing`` object of the partner's settings (gateway.partners.signing).

Trust for inbound documents is the partner's uploaded certificates of purpose ``signing``,
pinned (``SignerTrust(pinned=...)``): a signature must verify with one of them.
"""

from __future__ import annotations

from lxml import etree
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.repos import credentials as credentials_repo
from gateway.errors import InputError
from gateway.exchange.analysis import JSON_MEDIA_TYPE
from gateway.partners.signing import NO_POLICY, partner_policy
from gateway.signing import (
    DocumentVerifier,
    InboundSignatureResult,
    SignatureRejected,
    SignerTrust,
    SigningPolicy,
    check_inbound,
)
from gateway.signing.credentials import load_certificates
from gateway.signing.document import EXT_NS, SAC_NS, SIG_NS
from gateway.signing.errors import SIG_MISSING, SIG_UNTRUSTED

__all__ = ["NO_POLICY", "check_inbound_document", "may_be_signed", "partner_policy",
           "partner_verifier"]

CERTIFICATE_PURPOSE = "signing"


async def partner_verifier(session: AsyncSession, partner_id: str) -> DocumentVerifier | None:
    """A verifier pinned to the partner's signing certificates; None when it has none."""
    rows = await credentials_repo.list_certificates(session, partner_id,
                                                    purpose=CERTIFICATE_PURPOSE)
    if not rows:
        return None
    pinned = tuple(cert for row in rows
                   for cert in load_certificates(row.pem.encode(), what="partner certificate"))
    return DocumentVerifier(SignerTrust(pinned=pinned))


def check_inbound_document(
    policy: SigningPolicy, verifier: DocumentVerifier | None, raw: bytes, media_type: str
) -> InboundSignatureResult:
    """``check_inbound`` for XML; JSON cannot carry an XML signature (refused when required).

    Raises SignatureRejected (422, GW-SIG-*); a required policy without any uploaded signing
    certificate refuses too (GW-SIG-UNTRUSTED), since nothing could be verified.
    """
    if not policy.require_inbound and not may_be_signed(raw):
        return InboundSignatureResult(raw)
    if media_type == JSON_MEDIA_TYPE:
        if policy.require_inbound:
            raise SignatureRejected(SIG_MISSING, "this partner must send signed UBL XML")
        return InboundSignatureResult(raw)
    if policy.require_inbound and verifier is None:
        raise SignatureRejected(SIG_UNTRUSTED, "this partner must sign its documents but no "
                                "signing certificate of it is registered")
    try:
        checked = check_inbound(policy, verifier, raw)
    except InputError:  # not readable XML: the analysis names the parse error
        if policy.require_inbound:
            raise SignatureRejected(SIG_MISSING, "this partner must send signed UBL XML; "
                                    "the document is not readable XML") from None
        return InboundSignatureResult(raw)
    if checked.verified is None:
        return checked
    unsigned = without_signature_container(checked.verified.root)
    return InboundSignatureResult(unsigned, checked.verified, checked.findings)


def without_signature_container(root: etree._Element) -> bytes:
    """The verified content without the UBL container the signature sat in.

    The enveloped-signature transform removes only ``ds:Signature`` (XML-DSig §6.6.4), so the
    verified bytes keep an empty ``sac:SignatureInformation`` in its ``ext:UBLExtension``
    (UBL 2.1 §5.2), which PEPPOL-EN16931-R008 (no empty elements) refuses. Dropping the now
    empty container gives the document as it was before it was signed.
    """
    for extension in list(root.iterfind(f"{{{EXT_NS}}}UBLExtensions/{{{EXT_NS}}}UBLExtension")):
        if _only_empty_signature_containers(extension):
            parent = extension.getparent()
            assert parent is not None
            parent.remove(extension)
    for extensions in list(root.iterfind(f"{{{EXT_NS}}}UBLExtensions")):
        if len(extensions) == 0:
            root.remove(extensions)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _only_empty_signature_containers(extension: etree._Element) -> bool:
    content = extension.find(f"{{{EXT_NS}}}ExtensionContent")
    if content is None or len(content) != 1:
        return False
    signatures = content[0]
    if signatures.tag != f"{{{SIG_NS}}}UBLDocumentSignatures":
        return False
    return all(child.tag == f"{{{SAC_NS}}}SignatureInformation" and len(child) == 0
               for child in signatures)


def may_be_signed(raw: bytes) -> bool:
    """Cheap pre-check so unsigned documents from partners without a policy are not parsed
    twice: every XML-DSig signature has a ``Signature`` element."""
    return b"Signature" in raw
