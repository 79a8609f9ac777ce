"""Test certificates generated on the fly (no key material in the repository)."""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "NO"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example AS"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def make_certificate(
    common_name: str,
    not_before: datetime,
    not_after: datetime,
    *,
    serial: int = 0x1F2E3D,
    issuer: tuple[str, ec.EllipticCurvePrivateKey] | None = None,
) -> tuple[bytes, ec.EllipticCurvePrivateKey]:
    """(PEM certificate, its private key); self-signed unless `issuer` (name, key) is given."""
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_name, issuer_key = issuer if issuer else (common_name, key)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(issuer_name))
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(issuer_key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), key


def private_key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
