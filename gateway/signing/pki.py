"""A development PKI shaped like Peppol's, as pure functions (used by ``gateway certs dev``).

Shape (Peppol PKI v3, "PEPPOL Root CA - G3" → "PEPPOL ACCESS POINT CA - G3" → AP certificate
with CN = seat id): a root CA, an intermediate "ACCESS POINT" CA, one access-point certificate
per gateway (CN = seat id such as ``POP000901``, used to sign and decrypt AS4 messages and
published in the SMP), partner document-signing certificates and a TLS server certificate for
loopback tests. Extensions follow RFC 5280 and the CA/B web-PKI profile that
``cryptography.x509.verification`` enforces (critical BasicConstraints and KeyUsage, SKI/AKI),
so the chains verify with the same code as production chains.

Nothing here touches the file system except ``write_pki``. These keys are for development
only: production keys come from the Peppol AP CA (certs/README.md).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gateway.errors import ConfigurationError
from gateway.signing.credentials import PrivateKey, SigningCredentials

CA_VALIDITY = timedelta(days=3650)
LEAF_VALIDITY = timedelta(days=730)
# Certificates are valid from a little before "now" so clocks that lag do not reject them.
BACKDATE = timedelta(minutes=5)
RSA_BITS = 2048


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """A certificate with its private key and the CA certificates above it (nearest first)."""

    certificate: x509.Certificate
    private_key: PrivateKey = field(repr=False)
    issuers: tuple[x509.Certificate, ...] = ()

    @property
    def common_name(self) -> str:
        return common_name(self.certificate)

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def chain_pem(self) -> bytes:
        """Leaf then intermediates (not the root), the order TLS and XML-DSig expect."""
        chain = (self.certificate, *self.issuers[:-1])
        return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in chain)

    def key_pem(self, password: bytes | None = None) -> bytes:
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    def credentials(self) -> SigningCredentials:
        return SigningCredentials(self.private_key, self.certificate, self.issuers[:-1])


def common_name(certificate: x509.Certificate) -> str:
    values = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def new_private_key(kind: str = "rsa") -> PrivateKey:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ConfigurationError(f"key kind {kind!r}: use 'rsa' or 'ec'")


def _name(cn: str, organisation: str, country: str, unit: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, country),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
    ]
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attributes)


def _key_usage(
    *, sign: bool, encipher: bool, ca: bool, non_repudiation: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=non_repudiation,
        key_encipherment=encipher,
        data_encipherment=encipher,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: object, now: datetime, validity: timedelta
) -> x509.CertificateBuilder:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + validity)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key),  # type: ignore[arg-type]
            critical=False,
        )
    )


def _sign(builder: x509.CertificateBuilder, issuer_key: PrivateKey) -> x509.Certificate:
    return builder.sign(issuer_key, hashes.SHA256())


def new_root_ca(
    cn: str,
    *,
    now: datetime,
    organisation: str = "Gateway Development",
    country: str = "BE",
    validity: timedelta = CA_VALIDITY,
    key: PrivateKey | None = None,
) -> IssuedCertificate:
    """A self-signed root CA (path length 1: one intermediate below it)."""
    key = key or new_private_key()
    name = _name(cn, organisation, country)
    builder = (
        _builder(name, name, key.public_key(), now, validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_key_usage(sign=False, encipher=False, ca=True), critical=True)
    )
    return IssuedCertificate(_sign(builder, key), key)


def _issued_by(
    issuer: IssuedCertificate, builder: x509.CertificateBuilder, key: PrivateKey
) -> IssuedCertificate:
    ski = issuer.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski.value), critical=False
    )
    return IssuedCertificate(
        _sign(builder, issuer.private_key), key, (issuer.certificate, *issuer.issuers)
    )


def new_intermediate_ca(
    issuer: IssuedCertificate,
    cn: str,
    *,
    now: datetime,
    organisation: str = "Gateway Development",
    country: str = "BE",
    validity: timedelta = CA_VALIDITY,
    key: PrivateKey | None = None,
) -> IssuedCertificate:
    """An issuing CA below ``issuer`` (path length 0: it issues leaves only)."""
    key = key or new_private_key()
    builder = (
        _builder(
            _name(cn, organisation, country),
            issuer.certificate.subject,
            key.public_key(),
            now,
            validity,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(sign=False, encipher=False, ca=True), critical=True)
    )
    return _issued_by(issuer, builder, key)


def _leaf_builder(
    issuer: IssuedCertificate,
    subject: x509.Name,
    key: PrivateKey,
    now: datetime,
    validity: timedelta,
) -> x509.CertificateBuilder:
    return _builder(
        subject, issuer.certificate.subject, key.public_key(), now, validity
    ).add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)


def new_access_point_certificate(
    issuer: IssuedCertificate,
    seat_id: str,
    *,
    now: datetime,
    organisation: str = "Gateway Development",
    country: str = "BE",
    validity: timedelta = LEAF_VALIDITY,
    key: PrivateKey | None = None,
) -> IssuedCertificate:
    """A Peppol-style AP certificate: CN = seat id, signs and decrypts (RSA, OAEP key transport)."""
    key = key or new_private_key("rsa")
    builder = (
        _leaf_builder(
            issuer, _name(seat_id, organisation, country, "PEPPOL TEST AP"), key, now, validity
        )
        .add_extension(_key_usage(sign=True, encipher=True, ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    )
    return _issued_by(issuer, builder, key)


def new_signing_certificate(
    issuer: IssuedCertificate,
    cn: str,
    *,
    now: datetime,
    organisation: str = "Gateway Development",
    country: str = "BE",
    validity: timedelta = LEAF_VALIDITY,
    key_kind: str = "rsa",
    key: PrivateKey | None = None,
) -> IssuedCertificate:
    """A document-signing certificate (digitalSignature + nonRepudiation, as for XAdES)."""
    key = key or new_private_key(key_kind)
    builder = _leaf_builder(
        issuer, _name(cn, organisation, country), key, now, validity
    ).add_extension(
        _key_usage(sign=True, encipher=False, ca=False, non_repudiation=True), critical=True
    )
    return _issued_by(issuer, builder, key)


def new_tls_server_certificate(
    issuer: IssuedCertificate,
    hostnames: Iterable[str],
    *,
    now: datetime,
    organisation: str = "Gateway Development",
    country: str = "BE",
    validity: timedelta = LEAF_VALIDITY,
    key: PrivateKey | None = None,
) -> IssuedCertificate:
    """A TLS server certificate whose SAN lists ``hostnames`` (DNS names or IP addresses)."""
    names = list(hostnames)
    if not names:
        raise ConfigurationError("a TLS certificate needs at least one host name")
    key = key or new_private_key("rsa")
    builder = (
        _leaf_builder(issuer, _name(names[0], organisation, country), key, now, validity)
        .add_extension(
            x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False
        )
        .add_extension(_key_usage(sign=True, encipher=True, ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    )
    return _issued_by(issuer, builder, key)


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


@dataclass(frozen=True, slots=True)
class DevPki:
    """The development PKI: ``entries`` maps a relative file stem (``ap/POP000901``) to its pair."""

    root: IssuedCertificate
    ap_ca: IssuedCertificate
    entries: Mapping[str, IssuedCertificate]

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", MappingProxyType(dict(self.entries)))


def build_dev_pki(
    *,
    now: datetime,
    seats: Iterable[str] = ("POP000901", "POP000902"),
    partners: Iterable[str] = ("partner-a", "partner-b"),
    tls_hosts: Iterable[str] = ("localhost", "127.0.0.1"),
) -> DevPki:
    """Root → "ACCESS POINT CA" → AP, partner and TLS certificates; root → "SMP CA" → the
    SMP signing certificate (Peppol keeps the SMP CA separate from the AP CA)."""
    root = new_root_ca("GATEWAY DEV Root CA", now=now)
    ap_ca = new_intermediate_ca(root, "GATEWAY DEV ACCESS POINT CA", now=now)
    smp_ca = new_intermediate_ca(root, "GATEWAY DEV SERVICE METADATA PUBLISHER CA", now=now)
    entries: dict[str, IssuedCertificate] = {
        "ca/root": root,
        "ca/ap-ca": ap_ca,
        "ca/smp-ca": smp_ca,
        "smp/smp": new_signing_certificate(smp_ca, "SMP000901", now=now),
    }
    for seat in seats:
        entries[f"ap/{seat}"] = new_access_point_certificate(ap_ca, seat, now=now)
    for partner in partners:
        entries[f"partners/{partner}"] = new_signing_certificate(ap_ca, partner, now=now)
    entries["tls/server"] = new_tls_server_certificate(ap_ca, tls_hosts, now=now)
    return DevPki(root, ap_ca, entries)


def write_pki(pki: DevPki, directory: Path, *, overwrite: bool = False) -> list[Path]:
    """Write ``<stem>.crt`` (leaf + intermediates), ``<stem>.key`` (0600) and ``trust/*.pem``.

    Refuses to replace existing files unless ``overwrite``: a silently regenerated CA would
    invalidate every certificate already handed out.
    """
    files: dict[Path, tuple[bytes, int]] = {}
    for stem, issued in pki.entries.items():
        files[directory / f"{stem}.crt"] = (issued.chain_pem(), 0o644)
        files[directory / f"{stem}.key"] = (issued.key_pem(), 0o600)
    anchors = pki.root.certificate_pem()
    files[directory / "trust" / "root.pem"] = (anchors, 0o644)
    files[directory / "trust" / "ap-ca.pem"] = (pki.ap_ca.certificate_pem(), 0o644)
    smp_ca = pki.entries.get("ca/smp-ca")
    if smp_ca is not None:
        files[directory / "trust" / "smp-ca.pem"] = (smp_ca.certificate_pem(), 0o644)
    existing = sorted(str(path) for path in files if path.exists())
    if existing and not overwrite:
        raise ConfigurationError(
            f"{len(existing)} file(s) already exist under {directory} (first: {existing[0]}); "
            "pass --force to replace the development PKI"
        )
    for path, (content, mode) in files.items():
        _write_private(path, content, mode)
    return sorted(files)


def _write_private(path: Path, content: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Create with the final mode so a key is never readable by others, not even briefly.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    os.chmod(path, mode)


def new_crl(
    issuer: IssuedCertificate,
    revoked: Iterable[x509.Certificate] = (),
    *,
    now: datetime,
    validity: timedelta = timedelta(days=7),
) -> x509.CertificateRevocationList:
    """A CRL from ``issuer`` listing ``revoked`` (revoked a minute before ``now``), for testing
    the revocation checker offline; production CRLs come from the Peppol CAs."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(now - BACKDATE)
        .next_update(now + validity)
    )
    for certificate in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(certificate.serial_number)
            .revocation_date(now - timedelta(minutes=1))
            .build()
        )
    return builder.sign(issuer.private_key, hashes.SHA256())
