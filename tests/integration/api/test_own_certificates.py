"""GET /admin/v1/certificates/own: expiry of the gateway's own certificates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.integration.api.conftest import GatewayFactory

URL = "/admin/v1/certificates/own"


def certificate_file(directory: Path, valid_for: timedelta) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gateway.example")])
    start = datetime.now(UTC) - timedelta(days=1)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + timedelta(days=1) + valid_for)
        .sign(key, hashes.SHA256())
    )
    path = directory / "server.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


async def test_no_own_certificates_configured(make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway()
    response = await gateway.client.get(URL, headers=gateway.admin)
    assert response.status == 200
    assert await response.json() == {"items": []}


async def test_expiring_server_certificate_is_flagged(
    make_gateway: GatewayFactory, tmp_path: Path
) -> None:
    path = certificate_file(tmp_path, timedelta(days=10))
    gateway = await make_gateway(settings={"tls_cert_file": path})
    response = await gateway.client.get(URL, headers=gateway.admin)
    assert response.status == 200
    [item] = (await response.json())["items"]
    assert item["role"] == "https-server"
    assert item["status"] == "expiring"
    assert item["days_left"] in (9, 10)
    assert item["subject"] == "CN=gateway.example"
    narrow = await gateway.client.get(URL, params={"within_days": "3"}, headers=gateway.admin)
    assert (await narrow.json())["items"][0]["status"] == "valid"


async def test_bad_window_and_missing_admin_key(make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway()
    bad = await gateway.client.get(URL, params={"within_days": "soon"}, headers=gateway.admin)
    assert bad.status == 400
    assert "within_days" in (await bad.json())["detail"]
    assert (await gateway.client.get(URL)).status == 401
