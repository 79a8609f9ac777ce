"""Client TLS contexts: secure defaults, SPKI hashing, caching (no network)."""

from __future__ import annotations

import hashlib
import os
import ssl

import pytest
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    PublicFormat,
)

from gateway.transports.endpoint import EndpointConfig
from gateway.transports.errors import EndpointConfigError
from gateway.transports.tls import TlsContextCache, build_client_context, spki_sha256
from tests.integration.transports.pki import Pki

URL = "https://partner.test/in"


def test_defaults_verify_chain_and_hostname_with_tls12_minimum() -> None:
    context = build_client_context(EndpointConfig(URL))
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert context.sslobject_class is ssl.SSLObject  # no pins, no hook


def test_custom_ca_replaces_the_system_store(pki: Pki) -> None:
    context = build_client_context(EndpointConfig(URL, ca_pem=str(pki.ca.cert_path)))
    assert [c["subject"] for c in context.get_ca_certs()] == [
        ((("commonName", "Gateway test ca"),),)
    ]


def test_spki_sha256_hashes_the_public_key_info(pki: Pki) -> None:
    der = pki.server.certificate.public_bytes(Encoding.DER)
    spki = pki.server.certificate.public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    )
    assert spki_sha256(der) == hashlib.sha256(spki).digest()
    assert spki_sha256(der) != hashlib.sha256(der).digest()  # not the certificate fingerprint


def test_pins_install_the_handshake_check(pki: Pki) -> None:
    context = build_client_context(
        EndpointConfig(URL, pinned_spki_sha256=(pki.server.spki_sha256_hex(),))
    )
    assert context.sslobject_class is not ssl.SSLObject
    assert issubclass(context.sslobject_class, ssl.SSLObject)


def test_cache_reuses_contexts_per_tls_configuration(pki: Pki) -> None:
    cache = TlsContextCache()
    a = EndpointConfig(URL, ca_pem=str(pki.ca.cert_path))
    b = EndpointConfig("https://other.test/", ca_pem=str(pki.ca.cert_path), timeout=3)
    c = EndpointConfig(URL, ca_pem=str(pki.other_ca.cert_path))
    assert cache.context_for(a) is cache.context_for(b)
    assert cache.context_for(a) is not cache.context_for(c)


def test_cache_reloads_a_replaced_file(pki: Pki, tmp_path: os.PathLike[str]) -> None:
    bundle = os.path.join(tmp_path, "bundle.pem")
    with open(bundle, "w") as handle:
        handle.write(pki.ca.cert_pem)
    cache = TlsContextCache()
    endpoint = EndpointConfig(URL, ca_pem=bundle)
    first = cache.context_for(endpoint)
    with open(bundle, "w") as handle:
        handle.write(pki.other_ca.cert_pem)
    stat = os.stat(bundle)
    os.utime(bundle, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert cache.context_for(endpoint) is not first


def test_cache_is_bounded(pki: Pki) -> None:
    cache = TlsContextCache(size=1)
    first = EndpointConfig(URL, ca_pem=str(pki.ca.cert_path))
    context = cache.context_for(first)
    cache.context_for(EndpointConfig(URL, ca_pem=str(pki.other_ca.cert_path)))
    assert cache.context_for(first) is not context


def test_encrypted_client_key_needs_its_password(pki: Pki, tmp_path: os.PathLike[str]) -> None:
    encrypted = pki.client.key.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(b"pass-phrase")
    ).decode()
    good = EndpointConfig(
        URL,
        client_cert_pem=pki.client.cert_pem,
        client_key_pem=encrypted,
        client_key_password="pass-phrase",
    )
    assert build_client_context(good) is not None
    bad = EndpointConfig(
        URL, client_cert_pem=pki.client.cert_pem, client_key_pem=encrypted, client_key_password="x"
    )
    with pytest.raises(EndpointConfigError, match="client_cert_pem/client_key_pem"):
        build_client_context(bad)
