"""Keys and certificates, loaded once into frozen objects.

A ``SigningCredentials`` holds a private key, its certificate and the intermediates sent with
it. Loading checks that the key matches the certificate and is strong enough
(``algorithms.MIN_RSA_KEY_BITS`` / ``MIN_EC_KEY_BITS``), so a misconfiguration fails at start-up
with a ``ConfigurationError``, never at the first signature.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gateway.errors import ConfigurationError
from gateway.signing.algorithms import MIN_EC_KEY_BITS, MIN_RSA_KEY_BITS

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def load_certificates(pem: bytes, *, what: str = "certificate") -> tuple[x509.Certificate, ...]:
    """Every certificate in a PEM bundle, in file order; at least one."""
    try:
        certificates = tuple(x509.load_pem_x509_certificates(pem))
    except ValueError as exc:
        raise ConfigurationError(f"{what}: not a PEM certificate bundle ({exc})") from None
    if not certificates:
        raise ConfigurationError(f"{what}: no certificate found")
    return certificates


def load_private_key(pem: bytes, password: bytes | None = None) -> PrivateKey:
    """An RSA (>= 2048 bits) or EC (>= P-256) private key from PEM."""
    try:
        key = serialization.load_pem_private_key(pem, password=password)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"private key: cannot be loaded ({exc})") from None
    check_key_strength(key)
    assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
    return key


def check_key_strength(key: object) -> None:
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_KEY_BITS:
            raise ConfigurationError(f"RSA key of {key.key_size} bits; at least {MIN_RSA_KEY_BITS}")
        return
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if key.curve.key_size < MIN_EC_KEY_BITS:
            raise ConfigurationError(f"EC key on {key.curve.name}; at least {MIN_EC_KEY_BITS} bits")
        return
    raise ConfigurationError(f"unsupported key type {type(key).__name__}: use RSA or EC")


def _public_der(key: object) -> bytes:
    assert isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey)
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass(frozen=True, slots=True)
class SigningCredentials:
    """A private key, its certificate and the intermediates to send along (leaf first)."""

    private_key: PrivateKey = field(repr=False)
    certificate: x509.Certificate
    intermediates: tuple[x509.Certificate, ...] = ()

    def __post_init__(self) -> None:
        check_key_strength(self.private_key)
        if _public_der(self.private_key.public_key()) != _public_der(self.certificate.public_key()):
            raise ConfigurationError(
                "private key does not match the certificate "
                f"{self.certificate.subject.rfc4514_string()}"
            )
        object.__setattr__(self, "intermediates", tuple(self.intermediates))

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return (self.certificate, *self.intermediates)

    @classmethod
    def from_pem(
        cls, key_pem: bytes, certificate_pem: bytes, *, password: bytes | None = None
    ) -> SigningCredentials:
        """Key PEM plus a certificate PEM whose first certificate is the leaf."""
        leaf, *intermediates = load_certificates(certificate_pem)
        return cls(load_private_key(key_pem, password), leaf, tuple(intermediates))

    @classmethod
    def from_files(
        cls, key_path: Path, certificate_path: Path, *, password: bytes | None = None
    ) -> SigningCredentials:
        try:
            key_pem, cert_pem = key_path.read_bytes(), certificate_path.read_bytes()
        except OSError as exc:
            raise ConfigurationError(f"cannot read signing key or certificate: {exc}") from None
        return cls.from_pem(key_pem, cert_pem, password=password)
