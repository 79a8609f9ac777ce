"""Whom a verifier trusts: pinned certificates, or trust anchors (with optional intermediates).

Exactly one mode per ``SignerTrust``:

* ``pinned``: the signature must verify with one of these certificates (exchanged out of band,
  or taken from an SMP); embedded certificates are ignored for the key.
* ``anchors``: the certificate embedded in the signature must chain to one of the anchors (with
  the configured ``intermediates`` filling gaps) under the RFC 5280 path validation of
  ``cryptography.x509.verification``.

``verification_time`` replaces "now" for archived evidence and tests; production leaves it None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.x509 import verification
from signxml.util import X509CertChainVerifier

from gateway.errors import ConfigurationError
from gateway.signing.credentials import load_certificates


@dataclass(frozen=True, slots=True)
class SignerTrust:
    pinned: tuple[x509.Certificate, ...] = ()
    anchors: tuple[x509.Certificate, ...] = ()
    intermediates: tuple[x509.Certificate, ...] = ()
    verification_time: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("pinned", "anchors", "intermediates"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if bool(self.pinned) == bool(self.anchors):
            raise ConfigurationError("signer trust: give either pinned certificates or anchors")
        if self.verification_time is not None and self.verification_time.tzinfo is None:
            raise ConfigurationError("signer trust: verification_time must be timezone-aware")

    @classmethod
    def pinned_pem(cls, pem: bytes, *, verification_time: datetime | None = None) -> SignerTrust:
        return cls(
            pinned=load_certificates(pem, what="pinned certificate"),
            verification_time=verification_time,
        )

    @classmethod
    def anchors_pem(
        cls,
        pem: bytes,
        *,
        intermediates_pem: bytes | None = None,
        verification_time: datetime | None = None,
    ) -> SignerTrust:
        intermediates = (
            load_certificates(intermediates_pem, what="intermediates") if intermediates_pem else ()
        )
        return cls(
            anchors=load_certificates(pem, what="trust anchors"),
            intermediates=intermediates,
            verification_time=verification_time,
        )

    def store(self) -> verification.Store:
        return verification.Store(list(self.anchors))

    def check_certificate(self, certificate: x509.Certificate, at: datetime) -> None:
        """Raise ``UntrustedCertificate`` unless ``certificate`` is pinned or chains to an
        anchor, and is within its validity period at ``verification_time`` or else ``at``."""
        moment = self.verification_time or at
        if not certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc:
            raise UntrustedCertificate(
                f"{certificate.subject.rfc4514_string()} is not valid at {moment.isoformat()} "
                f"(valid {certificate.not_valid_before_utc.date()} to "
                f"{certificate.not_valid_after_utc.date()})"
            )
        if self.pinned:
            if certificate not in self.pinned:
                raise UntrustedCertificate(
                    f"{certificate.subject.rfc4514_string()} is not a pinned certificate"
                )
            return
        verifier = (
            verification.PolicyBuilder()
            .store(self.store())
            .time(moment)
            .extension_policies(
                ee_policy=verification.ExtensionPolicy.permit_all(),
                ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
            )
            .build_client_verifier()
        )
        try:
            verifier.verify(certificate, list(self.intermediates))
        except verification.VerificationError as exc:
            raise UntrustedCertificate(
                f"{certificate.subject.rfc4514_string()} does not chain to a trust anchor: {exc}"
            ) from None


class UntrustedCertificate(Exception):
    """A certificate is not pinned, does not chain to an anchor, or is outside its validity."""


class AnchoredChainVerifier(X509CertChainVerifier):
    """signxml's chain verifier over an in-memory store (signxml itself reads a PEM file)."""

    def __init__(self, trust: SignerTrust, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self._trust = trust

    @property
    def store(self) -> verification.Store:
        return self._trust.store()

    def _do_verify(self, cert_chain: list[x509.Certificate]) -> x509.Certificate:
        leaf, *embedded = cert_chain
        verifier = self.builder.build_client_verifier()
        result = verifier.verify(leaf, [*embedded, *self._trust.intermediates])
        certificate: x509.Certificate = result.chain[0]
        return certificate


class AnchoredVerifierMixin:
    """Makes a signxml verifier use ``AnchoredChainVerifier`` for ``self.trust``."""

    trust: SignerTrust

    def get_cert_chain_verifier(self, ca_pem_file: Any, ee_policy: Any, ca_policy: Any) -> Any:
        return AnchoredChainVerifier(
            self.trust,
            verification_time=self._get_cert_verification_time(),  # type: ignore[attr-defined]
            ee_policy=ee_policy,
            ca_policy=ca_policy,
        )
