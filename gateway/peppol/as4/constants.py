"""Namespaces, algorithm URIs and the fixed Peppol values (peppol-as4.md §1.2, §1.4)."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
EB_NS = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/"
EBBP_NS = "http://docs.oasis-open.org/ebxml-bp/ebbp-signals-2.0"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
SWA_CONTENT_TRANSFORM = (
    "http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Content-Signature-Transform"
)
X509V3_VALUE_TYPE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
)
BASE64_ENCODING = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)

RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
# Accepted on inbound (as the `as4` package and phase4 do); we always send rsa-sha256.
SIGNATURE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    RSA_SHA256: hashes.SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": hashes.SHA384,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": hashes.SHA512,
}
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
DIGEST_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    SHA256: hashes.SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#sha384": hashes.SHA384,
    "http://www.w3.org/2001/04/xmlenc#sha512": hashes.SHA512,
}

PEPPOL_PARTY_TYPE = "urn:fdc:peppol.eu:2017:identifiers:ap"
PEPPOL_AGREEMENT = "urn:fdc:peppol.eu:2017:agreements:tia:ap_provider"
PEPPOL_SERVICE_TYPE = "cenbii-procid-ubl"
PEPPOL_ACTION_PREFIX = "busdox-docid-qns::"
ROLE_INITIATOR = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/initiator"
ROLE_RESPONDER = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/responder"

# XML Encryption (peppol-as4.md §1.4): AES-128-GCM for the attachment, RSA-OAEP key transport
# with MGF1-SHA256 and a SHA-256 digest (eDelivery AS4 1.14: "MUST use on outbound").
XENC_NS = "http://www.w3.org/2001/04/xmlenc#"
XENC11_NS = "http://www.w3.org/2009/xmlenc11#"
WSSE11_NS = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"
AES128_GCM = "http://www.w3.org/2009/xmlenc11#aes128-gcm"
AES_GCM_KEY_BYTES: dict[str, int] = {
    AES128_GCM: 16,
    "http://www.w3.org/2009/xmlenc11#aes192-gcm": 24,
    "http://www.w3.org/2009/xmlenc11#aes256-gcm": 32,
}
RSA_OAEP = "http://www.w3.org/2009/xmlenc11#rsa-oaep"
# XML Encryption 1.0's OAEP: MGF1 with SHA-1 fixed, digest SHA-1 unless DigestMethod says
# otherwise. Receivers "MAY accept older key-transport options" (eDelivery); we do, for CEF peers.
RSA_OAEP_MGF1P = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
MGF1_SHA256 = "http://www.w3.org/2009/xmlenc11#mgf1sha256"
MGF_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "http://www.w3.org/2009/xmlenc11#mgf1sha1": hashes.SHA1,
    "http://www.w3.org/2009/xmlenc11#mgf1sha224": hashes.SHA224,
    MGF1_SHA256: hashes.SHA256,
    "http://www.w3.org/2009/xmlenc11#mgf1sha384": hashes.SHA384,
    "http://www.w3.org/2009/xmlenc11#mgf1sha512": hashes.SHA512,
}
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
OAEP_DIGEST_HASHES: dict[str, type[hashes.HashAlgorithm]] = {SHA1: hashes.SHA1, **DIGEST_HASHES}
SWA_CONTENT_ONLY = "http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Content-Only"
SWA_CIPHERTEXT_TRANSFORM = (
    "http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Ciphertext-Transform"
)
ENCRYPTED_KEY_REFERENCE_TYPE = (
    "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#EncryptedKey"
)
GCM_IV_BYTES = 12
GCM_TAG_BYTES = 16
SOAP_CONTENT_TYPE = "application/soap+xml"
XML_NS = "http://www.w3.org/XML/1998/namespace"
