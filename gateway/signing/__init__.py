"""Document signatures (XML-DSig, XAdES-BES), key loading, signer trust and the dev PKI."""

from gateway.signing.credentials import SigningCredentials
from gateway.signing.document import (
    DocumentSigner,
    DocumentVerifier,
    SignatureKind,
    VerifiedDocument,
)
from gateway.signing.errors import SignatureRejected
from gateway.signing.policy import (
    InboundSignatureResult,
    SignatureMode,
    SigningPolicy,
    check_inbound,
    sign_outbound,
)
from gateway.signing.trust import SignerTrust

__all__ = [
    "DocumentSigner",
    "DocumentVerifier",
    "InboundSignatureResult",
    "SignatureKind",
    "SignatureMode",
    "SignatureRejected",
    "SignerTrust",
    "SigningCredentials",
    "SigningPolicy",
    "VerifiedDocument",
    "check_inbound",
    "sign_outbound",
]
