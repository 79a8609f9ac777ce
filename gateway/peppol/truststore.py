"""Trust stores for the Peppol PKI, and the certificate check every AS4 signer and receiver
certificate goes through (peppol-as4.md §1.10).

The real anchors ("PEPPOL Root CA - G2/G3", "PEPPOL ACCESS POINT CA - G2/G3", the SMP CAs) are
not shipped: they are configured as PEM files, so G2 and G3 can be trusted side by side during
the migration and the test or production hierarchy is chosen by configuration only. In each
file set, self-signed certificates become anchors and the others intermediates.

Environment (``PeppolTrust.from_env``), paths separated by ``os.pathsep``:

* ``GATEWAY_PEPPOL_AP_CA_FILES``  — Peppol root(s) and access-point CA(s), G2 and/or G3;
* ``GATEWAY_PEPPOL_SMP_CA_FILES`` — Peppol root(s) and SMP CA(s).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509

from gateway.errors import ConfigurationError
from gateway.peppol.revocation import RevocationChecker
from gateway.signing.credentials import load_certificates
from gateway.signing.trust import SignerTrust
from gateway.transports.base import Clock, utc_now

AP_CA_FILES_ENV = "GATEWAY_PEPPOL_AP_CA_FILES"
SMP_CA_FILES_ENV = "GATEWAY_PEPPOL_SMP_CA_FILES"


def _is_self_signed(certificate: x509.Certificate) -> bool:
    return certificate.subject == certificate.issuer


def trust_from_certificates(certificates: Sequence[x509.Certificate], what: str) -> SignerTrust:
    anchors = tuple(c for c in certificates if _is_self_signed(c))
    if not anchors:
        raise ConfigurationError(f"{what}: no self-signed root certificate among the files")
    intermediates = tuple(c for c in certificates if not _is_self_signed(c))
    return SignerTrust(anchors=anchors, intermediates=intermediates)


def load_files(paths: Sequence[Path], what: str) -> list[x509.Certificate]:
    if not paths:
        raise ConfigurationError(f"{what}: no CA certificate file configured")
    certificates: list[x509.Certificate] = []
    for path in paths:
        try:
            pem = path.read_bytes()
        except OSError as exc:
            raise ConfigurationError(f"{what}: cannot read {path} ({exc.strerror})") from None
        certificates.extend(load_certificates(pem, what=f"{what} {path}"))
    return certificates


@dataclass(frozen=True, slots=True)
class PeppolTrust:
    ap: SignerTrust
    smp: SignerTrust

    @classmethod
    def from_files(cls, ap_files: Sequence[Path], smp_files: Sequence[Path]) -> PeppolTrust:
        return cls(
            trust_from_certificates(load_files(ap_files, "Peppol AP CA"), "Peppol AP CA"),
            trust_from_certificates(load_files(smp_files, "Peppol SMP CA"), "Peppol SMP CA"),
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PeppolTrust:
        source = os.environ if env is None else env

        def paths(name: str) -> list[Path]:
            return [Path(p) for p in (source.get(name) or "").split(os.pathsep) if p]

        return cls.from_files(paths(AP_CA_FILES_ENV), paths(SMP_CA_FILES_ENV))

    def ap_issuers(self) -> list[x509.Certificate]:
        """Every AP-side CA certificate: the CRL issuers the revocation checker accepts."""
        return [*self.ap.anchors, *self.ap.intermediates]


@dataclass(frozen=True, slots=True)
class CertificateCheck:
    """An access-point certificate is trusted when it chains to ``trust`` (G2/G3), is within
    its validity period and is not revoked (``revocation``'s policy for unknown status).

    Raises ``UntrustedCertificate`` (``CertificateRevoked`` is one) or, for hard-fail
    revocation without a current CRL, ``RevocationUnavailable``.
    """

    trust: SignerTrust
    revocation: RevocationChecker | None = None
    clock: Clock = utc_now

    def __call__(self, certificate: x509.Certificate) -> None:
        self.check(certificate, self.clock())

    def check(self, certificate: x509.Certificate, at: datetime) -> None:
        self.trust.check_certificate(certificate, at)
        if self.revocation is not None:
            self.revocation.check(certificate)
