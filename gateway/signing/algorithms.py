"""Which XML-DSig algorithms the gateway signs with and accepts.

Secure set (W3C XML Signature 1.1 §6, ETSI TS 119 312): RSA PKCS#1 v1.5 or RSASSA-PSS with
SHA-256 or stronger, ECDSA with SHA-256 or stronger, SHA-256+ digests. SHA-1, SHA-224, DSA and
HMAC are never accepted for documents. SHA-1 is accepted **only** for Peppol SMP responses,
because real SMPs still sign with rsa-sha1 (peppol-as4.md §1.11); that set is separate and
named for it, so no other caller can pick it up by accident.
"""

from __future__ import annotations

from signxml.algorithms import DigestAlgorithm, SignatureMethod

SECURE_SIGNATURE_METHODS: frozenset[SignatureMethod] = frozenset(
    {
        SignatureMethod.RSA_SHA256,
        SignatureMethod.RSA_SHA384,
        SignatureMethod.RSA_SHA512,
        SignatureMethod.SHA256_RSA_MGF1,
        SignatureMethod.SHA384_RSA_MGF1,
        SignatureMethod.SHA512_RSA_MGF1,
        SignatureMethod.ECDSA_SHA256,
        SignatureMethod.ECDSA_SHA384,
        SignatureMethod.ECDSA_SHA512,
    }
)

SECURE_DIGEST_ALGORITHMS: frozenset[DigestAlgorithm] = frozenset(
    {DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512}
)

# Peppol SMP 1.x responses only (peppol-as4.md §1.11: "Real responses use exc-c14n with rsa-sha1").
SMP_SIGNATURE_METHODS: frozenset[SignatureMethod] = SECURE_SIGNATURE_METHODS | {
    SignatureMethod.RSA_SHA1
}
SMP_DIGEST_ALGORITHMS: frozenset[DigestAlgorithm] = SECURE_DIGEST_ALGORITHMS | {
    DigestAlgorithm.SHA1
}

MIN_RSA_KEY_BITS = 2048
MIN_EC_KEY_BITS = 256
