"""Partner signing policies in the exchange engine, on both databases.

Outbound: documents for a partner whose policy says xades-bes/xmldsig leave signed with the
gateway's key (checked with our verifier and independently with signxml). Inbound: a partner
that must sign is verified against its uploaded signing certificate; tampered or unsigned
documents are stored as rejected and answered 422 with the GW-SIG-* finding.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from signxml.verifier import XMLVerifier
from signxml.xades.xades import XAdESVerifier

from gateway.signing import DocumentSigner, DocumentVerifier, SignatureKind, SignerTrust, pki
from tests.integration.api.conftest import Gateway, GatewayFactory

XML = {"Content-Type": "application/xml"}


@pytest.fixture(scope="module")
def dev_pki() -> pki.DevPki:
    return pki.build_dev_pki(now=datetime.now(UTC), seats=("POP000901",),
                             partners=("partner-a",), tls_hosts=("localhost",))


@pytest.fixture(scope="module")
def ours(dev_pki: pki.DevPki) -> pki.IssuedCertificate:
    return dev_pki.entries["ap/POP000901"]


@pytest.fixture(scope="module")
def seller(dev_pki: pki.DevPki) -> pki.IssuedCertificate:
    return dev_pki.entries["partners/partner-a"]


@pytest.fixture
def signing_settings(ours: pki.IssuedCertificate, tmp_path: Path) -> dict[str, Any]:
    key, cert = tmp_path / "signing.key", tmp_path / "signing.crt"
    key.write_bytes(ours.key_pem())
    cert.write_bytes(ours.chain_pem())
    return {"signing_key_file": key, "signing_cert_file": cert}


async def set_policy(gateway: Gateway, partner_id: str, policy: dict[str, Any]) -> Any:
    return await gateway.client.patch(f"/admin/v1/partners/{partner_id}", headers=gateway.admin,
                                      json={"settings": {"signing": policy}})


async def exchange_state(gateway: Gateway, exchange_id: str) -> str:
    response = await gateway.client.get(f"/admin/v1/exchanges/{exchange_id}",
                                        headers=gateway.admin)
    assert response.status == 200
    state: str = (await response.json())["state"]
    return state


async def test_outbound_to_xades_partner_is_signed_and_delivered_signed(
    make_gateway: GatewayFactory, signing_settings: dict[str, Any], invoice_json: bytes,
    ours: pki.IssuedCertificate,
) -> None:
    gateway = await make_gateway(settings=signing_settings)
    partner_id, _ = await gateway.create_partner("buyer")
    response = await set_policy(gateway, partner_id, {"outbound": "xades-bes"})
    assert response.status == 200, await response.text()
    assert (await response.json())["settings"]["signing"] == {"outbound": "xades-bes"}

    response = await gateway.send_outbound(partner_id, invoice_json)
    assert response.status == 202, await response.text()
    accepted = await response.json()
    assert await gateway.run_outbox() == 1
    payload = gateway.fake.delivered[0].payload

    verified = DocumentVerifier(SignerTrust(pinned=(ours.certificate,))).verify(payload)
    assert verified.kind is SignatureKind.XADES_BES
    assert b"<cbc:ID>Snippet1</cbc:ID>" in verified.signed_bytes
    assert len(XAdESVerifier().verify(payload, x509_cert=ours.certificate)) == 3
    document = await (await gateway.client.get(
        f"/admin/v1/documents/{accepted['document_id']}", headers=gateway.admin)).json()
    assert document["sha256"] == hashlib.sha256(payload).hexdigest()


async def test_outbound_xmldsig_of_submitted_xml_verifies_with_signxml(
    make_gateway: GatewayFactory, signing_settings: dict[str, Any], invoice_xml: bytes,
    ours: pki.IssuedCertificate,
) -> None:
    gateway = await make_gateway(settings=signing_settings)
    partner_id, _ = await gateway.create_partner("buyer")
    assert (await set_policy(gateway, partner_id, {"outbound": "xmldsig"})).status == 200
    response = await gateway.send_outbound(partner_id, invoice_xml,
                                           content_type="application/xml")
    assert response.status == 202, await response.text()
    accepted = await response.json()
    assert accepted["source_document_id"] != accepted["document_id"]  # submitted bytes kept
    assert await gateway.run_outbox() == 1
    payload = gateway.fake.delivered[0].payload
    assert payload != invoice_xml
    result = XMLVerifier().verify(payload, x509_cert=ours.certificate)
    assert result.signed_xml is not None


async def test_policy_none_leaves_outbound_unsigned(
    make_gateway: GatewayFactory, signing_settings: dict[str, Any], invoice_xml: bytes,
) -> None:
    gateway = await make_gateway(settings=signing_settings)
    partner_id, _ = await gateway.create_partner("buyer")
    assert (await set_policy(gateway, partner_id, {"outbound": "none"})).status == 200
    response = await gateway.send_outbound(partner_id, invoice_xml,
                                           content_type="application/xml")
    assert response.status == 202, await response.text()
    accepted = await response.json()
    assert accepted["source_document_id"] == accepted["document_id"]
    assert await gateway.run_outbox() == 1
    assert gateway.fake.delivered[0].payload == invoice_xml


async def test_signing_required_without_key_is_refused_and_nothing_stored(
    gateway: Gateway, invoice_json: bytes
) -> None:
    partner_id, _ = await gateway.create_partner("buyer")
    assert (await set_policy(gateway, partner_id, {"outbound": "xades-bes"})).status == 200
    response = await gateway.send_outbound(partner_id, invoice_json)
    assert response.status == 500
    problem = await response.json()
    assert problem["code"] == "signing-key-missing"
    assert "signing_key_file" in problem["detail"]
    listed = await (await gateway.client.get("/admin/v1/exchanges",
                                             headers=gateway.admin)).json()
    assert listed["items"] == []


async def test_invalid_policy_is_refused_by_the_admin_api(gateway: Gateway) -> None:
    partner_id, _ = await gateway.create_partner("buyer")
    response = await set_policy(gateway, partner_id, {"outbound": "rsa-sha1"})
    assert response.status == 400
    assert "settings.signing" in (await response.json())["detail"]
    response = await gateway.client.post(
        "/admin/v1/partners", headers=gateway.admin,
        json={"name": "X", "key_prefix": "xx", "settings": {"signing": {"oops": True}}})
    assert response.status == 400


async def signing_partner(gateway: Gateway, seller: pki.IssuedCertificate) -> dict[str, str]:
    partner_id, auth = await gateway.create_partner("seller")
    response = await set_policy(gateway, partner_id, {"require_inbound": True})
    assert response.status == 200, await response.text()
    response = await gateway.client.post(
        f"/admin/v1/partners/{partner_id}/certificates", headers=gateway.admin,
        json={"pem": seller.certificate_pem().decode(), "purpose": "signing"})
    assert response.status == 201, await response.text()
    return auth


def signed_by(seller: pki.IssuedCertificate, document: bytes) -> bytes:
    return DocumentSigner(seller.credentials()).sign(document, SignatureKind.XADES_BES)


async def submit(gateway: Gateway, auth: dict[str, str], body: bytes) -> Any:
    return await gateway.client.post("/v1/documents", data=body, headers={**auth, **XML})


async def test_inbound_signed_by_the_partner_is_accepted(
    gateway: Gateway, invoice_xml: bytes, seller: pki.IssuedCertificate
) -> None:
    auth = await signing_partner(gateway, seller)
    signed = signed_by(seller, invoice_xml)
    response = await submit(gateway, auth, signed)
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["state"] == "routed"
    assert await (await gateway.client.get(body["links"]["xml"], headers=auth)).read() == signed


async def test_tampered_inbound_is_rejected_and_stored(
    gateway: Gateway, invoice_xml: bytes, seller: pki.IssuedCertificate
) -> None:
    auth = await signing_partner(gateway, seller)
    tampered = signed_by(seller, invoice_xml).replace(b">1656.25<", b">1.50<")
    response = await submit(gateway, auth, tampered)
    assert response.status == 422
    problem = await response.json()
    assert {f["rule_id"] for f in problem["findings"]} == {"GW-SIG-INVALID"}
    stored = await gateway.client.get(f"/v1/documents/{problem['document_id']}", headers=auth)
    assert (await stored.json())["state"] == "rejected"
    assert await exchange_state(gateway, problem["exchange_id"]) == "rejected"


async def test_unsigned_inbound_is_refused_when_required(
    gateway: Gateway, invoice_xml: bytes, seller: pki.IssuedCertificate
) -> None:
    auth = await signing_partner(gateway, seller)
    response = await submit(gateway, auth, invoice_xml)
    assert response.status == 422
    problem = await response.json()
    assert {f["rule_id"] for f in problem["findings"]} == {"GW-SIG-MISSING"}
    stored = await gateway.client.get(f"/v1/documents/{problem['document_id']}", headers=auth)
    assert (await stored.json())["state"] == "rejected"


async def test_signed_by_someone_else_is_untrusted(
    gateway: Gateway, invoice_xml: bytes, seller: pki.IssuedCertificate,
    ours: pki.IssuedCertificate,
) -> None:
    auth = await signing_partner(gateway, seller)
    response = await submit(gateway, auth, signed_by(ours, invoice_xml))
    assert response.status == 422
    rules = {f["rule_id"] for f in (await response.json())["findings"]}
    assert rules == {"GW-SIG-UNTRUSTED"}


async def test_tampered_signed_document_is_rejected_even_without_a_policy(
    gateway: Gateway, invoice_xml: bytes, seller: pki.IssuedCertificate
) -> None:
    """A signature that is present is checked whenever trust is registered."""
    partner_id, auth = await gateway.create_partner("seller")
    response = await gateway.client.post(
        f"/admin/v1/partners/{partner_id}/certificates", headers=gateway.admin,
        json={"pem": seller.certificate_pem().decode(), "purpose": "signing"})
    assert response.status == 201
    assert (await submit(gateway, auth, invoice_xml)).status == 201  # unsigned: fine
    tampered = signed_by(seller, invoice_xml).replace(b">1656.25<", b">1.50<")
    response = await submit(gateway, auth, tampered)
    assert response.status == 422
    assert {f["rule_id"] for f in (await response.json())["findings"]} == {"GW-SIG-INVALID"}
