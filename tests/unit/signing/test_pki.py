"""The development PKI: chains verify with RFC 5280 path validation, files are private."""

from __future__ import annotations

import stat
from datetime import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import verification

from gateway.errors import ConfigurationError
from gateway.signing import pki
from gateway.signing.credentials import SigningCredentials, load_certificates
from gateway.signing.trust import SignerTrust


def _verify_chain(
    dev_pki: pki.DevPki, leaf: pki.IssuedCertificate, now: datetime
) -> list[x509.Certificate]:
    store = verification.Store([dev_pki.root.certificate])
    verifier = (
        verification.PolicyBuilder()
        .store(store)
        .time(now)
        .extension_policies(
            ee_policy=verification.ExtensionPolicy.permit_all(),
            ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
        )
        .build_client_verifier()
    )
    intermediates = [dev_pki.ap_ca.certificate, dev_pki.entries["ca/smp-ca"].certificate]
    return verifier.verify(leaf.certificate, intermediates).chain


def test_layout_has_ca_access_points_partners_and_tls(dev_pki: pki.DevPki) -> None:
    assert set(dev_pki.entries) == {
        "ca/root",
        "ca/ap-ca",
        "ca/smp-ca",
        "smp/smp",
        "ap/POP000901",
        "ap/POP000902",
        "partners/partner-a",
        "partners/partner-b",
        "tls/server",
    }


@pytest.mark.parametrize(
    "stem", ["ap/POP000901", "ap/POP000902", "partners/partner-a", "tls/server"]
)
def test_every_leaf_chains_to_the_root(dev_pki: pki.DevPki, stem: str, now: datetime) -> None:
    chain = _verify_chain(dev_pki, dev_pki.entries[stem], now)
    assert chain[-1] == dev_pki.root.certificate


def test_access_point_certificate_is_peppol_shaped(dev_pki: pki.DevPki) -> None:
    ap = dev_pki.entries["ap/POP000901"]
    assert ap.common_name == "POP000901"
    usage = ap.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature  # signs AS4 messages and receipts
    assert usage.key_encipherment  # receives RSA-OAEP wrapped session keys
    assert isinstance(ap.private_key, rsa.RSAPrivateKey)
    assert ap.issuers == (dev_pki.ap_ca.certificate, dev_pki.root.certificate)


def test_tls_certificate_names_the_loopback_hosts(dev_pki: pki.DevPki) -> None:
    san = (
        dev_pki.entries["tls/server"]
        .certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        .value
    )
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]


def test_written_files_load_back_and_keys_are_private(dev_pki: pki.DevPki, tmp_path: Path) -> None:
    written = pki.write_pki(dev_pki, tmp_path)
    assert tmp_path / "ap/POP000901.key" in written
    for path in written:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o600 if path.suffix == ".key" else 0o644), path
    credentials = SigningCredentials.from_files(
        tmp_path / "ap/POP000901.key", tmp_path / "ap/POP000901.crt"
    )
    assert credentials.certificate == dev_pki.entries["ap/POP000901"].certificate
    assert credentials.intermediates == (dev_pki.ap_ca.certificate,)
    trust = SignerTrust.anchors_pem((tmp_path / "trust/root.pem").read_bytes())
    assert trust.anchors == (dev_pki.root.certificate,)


def test_existing_pki_is_not_overwritten_silently(dev_pki: pki.DevPki, tmp_path: Path) -> None:
    pki.write_pki(dev_pki, tmp_path)
    with pytest.raises(ConfigurationError, match="--force"):
        pki.write_pki(dev_pki, tmp_path)
    assert pki.write_pki(dev_pki, tmp_path, overwrite=True)


def test_encrypted_key_round_trip(partner: pki.IssuedCertificate) -> None:
    pem = partner.key_pem(b"secret")
    assert b"ENCRYPTED" in pem
    credentials = SigningCredentials.from_pem(pem, partner.chain_pem(), password=b"secret")
    assert credentials.certificate == partner.certificate
    with pytest.raises(ConfigurationError, match="cannot be loaded"):
        SigningCredentials.from_pem(pem, partner.chain_pem(), password=b"wrong")


def test_key_must_match_certificate(dev_pki: pki.DevPki) -> None:
    one, other = dev_pki.entries["partners/partner-a"], dev_pki.entries["partners/partner-b"]
    with pytest.raises(ConfigurationError, match="does not match"):
        SigningCredentials(one.private_key, other.certificate)


def test_weak_rsa_key_is_refused() -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(ConfigurationError, match="at least 2048"):
        pki.new_root_ca("weak", now=datetime.now().astimezone(), key=weak).credentials()


def test_bad_pem_is_a_clear_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"no certificate|not a PEM"):
        load_certificates(b"not a certificate")


def test_trust_needs_exactly_one_mode(partner: pki.IssuedCertificate) -> None:
    with pytest.raises(ConfigurationError, match="either"):
        SignerTrust()
    with pytest.raises(ConfigurationError, match="either"):
        SignerTrust(pinned=(partner.certificate,), anchors=(partner.certificate,))
