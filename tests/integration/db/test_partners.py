"""Partners, identifiers, endpoints, capabilities, certificates and API keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gateway.db.database import Database
from gateway.db.repos import credentials, partners
from gateway.db.tables.partners import ApiKey, PartnerIdentifier
from gateway.errors import Conflict, InputError, NotFound, Unauthorized, UnsupportedDocumentError
from gateway.partners.certificates import InvalidCertificateError
from gateway.partners.identifiers import InvalidIdentifierError
from tests.integration.db.helpers import ADMIN, T0, at, make_partner
from tests.unit.partners.certs import make_certificate


async def test_partner_prefix_is_unique(database: Database) -> None:
    async with database.transaction() as session:
        await make_partner(session, "acme")
    with pytest.raises(Conflict, match="already used"):
        async with database.transaction() as session:
            await make_partner(session, "acme")
    with pytest.raises(InputError):
        async with database.transaction() as session:
            await make_partner(session, "Not Valid")


async def test_identifiers_are_validated_unique_and_found(database: Database) -> None:
    async with database.transaction() as session:
        acme = await make_partner(session, "acme")
        other = await make_partner(session, "other")
        row = await partners.add_identifier(session, acme.id, "0192:988 077 917", now=T0,
                                            actor=ADMIN)
        await partners.add_identifier(session, acme.id, "9925:be0403019261", now=T0,
                                      actor=ADMIN)
        again = await partners.add_identifier(session, acme.id, "0192:988077917", now=T0,
                                              actor=ADMIN)
    assert (row.scheme, row.value) == ("0192", "988077917")
    assert again.id == row.id
    with pytest.raises(Conflict, match="another partner"):
        async with database.transaction() as session:
            await partners.add_identifier(session, other.id,
                                          "iso6523-actorid-upis::0192:988077917", now=T0,
                                          actor=ADMIN)
    with pytest.raises(InvalidIdentifierError, match="check digit"):
        async with database.transaction() as session:
            await partners.add_identifier(session, acme.id, "0088:5790000436058", now=T0,
                                          actor=ADMIN)
    async with database.read() as session:
        found = await partners.find_partner_by_identifier(session, "9925:BE0403019261")
        assert found is not None
        assert found.id == acme.id
        assert await partners.find_partner_by_identifier(session, "0088:5790000436057") is None
        assert [i.value for i in await partners.list_identifiers(session, acme.id)] == [
            "988077917", "BE0403019261"]
    async with database.transaction() as session:
        await partners.remove_identifier(session, acme.id, "0192:988077917", now=at(1),
                                         actor=ADMIN)
        with pytest.raises(NotFound):
            await partners.remove_identifier(session, acme.id, "0192:988077917", now=at(1),
                                             actor=ADMIN)


async def test_endpoints_and_capabilities(database: Database) -> None:
    async with database.transaction() as session:
        acme = await make_partner(session)
        backup = await partners.add_endpoint(session, acme.id, transport="http", priority=10,
                                             url="https://backup.example.com/in", now=T0,
                                             actor=ADMIN)
        main = await partners.add_endpoint(session, acme.id, transport="peppol_as4", url=None,
                                           settings={"smp": "sml"}, now=T0, actor=ADMIN)
        await partners.update_endpoint(session, backup.id, enabled=False, now=at(1),
                                       actor=ADMIN)
        kept = await partners.set_capabilities(session, acme.id, ["order", "invoice", "order"],
                                               now=T0, actor=ADMIN)
    assert kept == ["invoice", "order"]
    async with database.read() as session:
        assert [e.id for e in await partners.list_endpoints(session, acme.id)] == [
            main.id, backup.id]
        assert [e.id for e in await partners.list_endpoints(session, acme.id,
                                                            enabled_only=True)] == [main.id]
        assert await partners.can_receive(session, acme.id, "invoice")
        assert not await partners.can_receive(session, acme.id, "credit-note")
    with pytest.raises(InputError, match="http"):
        async with database.transaction() as session:
            await partners.add_endpoint(session, acme.id, transport="http",
                                        url="ftp://example.com", now=T0, actor=ADMIN)
    with pytest.raises(UnsupportedDocumentError, match="unknown document type"):
        async with database.transaction() as session:
            await partners.set_capabilities(session, acme.id, ["pizza"], now=T0, actor=ADMIN)


async def test_certificates_are_parsed_and_expiry_listed(database: Database) -> None:
    soon_pem, _ = make_certificate("soon", T0 - timedelta(days=300), T0 + timedelta(days=10))
    later_pem, _ = make_certificate("later", T0 - timedelta(days=1), T0 + timedelta(days=400))
    async with database.transaction() as session:
        acme = await make_partner(session)
        soon = await credentials.add_certificate(session, acme.id, soon_pem, purpose="as4",
                                                 now=T0, actor=ADMIN)
        await credentials.add_certificate(session, acme.id, later_pem.decode(), purpose="tls",
                                          now=T0, actor=ADMIN)
    assert soon.subject == "CN=soon,O=Example AS,C=NO"
    assert soon.not_after == T0 + timedelta(days=10)
    async with database.read() as session:
        expiring = await credentials.expiring_certificates(session, now=T0,
                                                           within=timedelta(days=30))
        assert [c.id for c in expiring] == [soon.id]
        assert expiring[0].not_after.tzinfo is not None
        assert len(await credentials.list_certificates(session, acme.id)) == 2
    with pytest.raises(Conflict, match="already registered"):
        async with database.transaction() as session:
            await credentials.add_certificate(session, acme.id, soon_pem, purpose="as4",
                                              now=T0, actor=ADMIN)
    with pytest.raises(InvalidCertificateError):
        async with database.transaction() as session:
            await credentials.add_certificate(session, acme.id, b"junk", purpose="as4",
                                              now=T0, actor=ADMIN)


async def test_api_keys_are_hashed_scoped_and_revocable(database: Database) -> None:
    async with database.transaction() as session:
        acme = await make_partner(session, "acme")
        other = await make_partner(session, "other")
        row, token = await credentials.create_api_key(session, acme.id, label="ERP", now=T0,
                                                      actor=ADMIN)
    async with database.read() as session:
        stored = (await session.scalars(select(ApiKey))).one()
        assert token not in (stored.secret_hash, stored.key_id)
        assert token[-40:] not in str(
            [stored.secret_hash, stored.label])
    async with database.transaction() as session:
        principal = await credentials.authenticate_api_key(session, token, now=at(1))
    assert principal.partner.id == acme.id
    assert principal.api_key.last_used_at == at(1)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (tampered, "gw_other_" + token[len("gw_acme_"):], "nonsense"):
        with pytest.raises(Unauthorized, match="invalid API key"):
            async with database.transaction() as session:
                await credentials.authenticate_api_key(session, bad, now=at(2))
    with pytest.raises(NotFound):  # another partner cannot revoke it
        async with database.transaction() as session:
            await credentials.revoke_api_key(session, row.key_id, partner_id=other.id, now=at(3),
                                             actor=ADMIN)
    async with database.transaction() as session:
        await partners.set_partner_status(session, acme.id, "suspended", now=at(3), actor=ADMIN)
    with pytest.raises(Unauthorized):
        async with database.transaction() as session:
            await credentials.authenticate_api_key(session, token, now=at(4))
    async with database.transaction() as session:
        await partners.set_partner_status(session, acme.id, "active", now=at(5), actor=ADMIN)
        await credentials.revoke_api_key(session, row.key_id, now=at(5), actor=ADMIN)
    with pytest.raises(Unauthorized):
        async with database.transaction() as session:
            await credentials.authenticate_api_key(session, token, now=at(6))


async def test_deleting_a_partner_cascades_to_its_credentials(database: Database) -> None:
    async with database.transaction() as session:
        acme = await make_partner(session)
        await partners.add_identifier(session, acme.id, "0088:5790000436057", now=T0,
                                      actor=ADMIN)
        await credentials.create_api_key(session, acme.id, label="x", now=T0, actor=ADMIN)
    async with database.transaction() as session:
        await session.delete(await partners.get_partner(session, acme.id))
    async with database.read() as session:
        for table in (ApiKey, PartnerIdentifier):
            assert await session.scalar(select(func.count()).select_from(table)) == 0


async def test_authentication_in_a_read_session_writes_nothing(database: Database) -> None:
    async with database.transaction() as session:
        acme = await make_partner(session)
        _, token = await credentials.create_api_key(session, acme.id, label="x", now=T0,
                                                    actor=ADMIN)
    async with database.read() as session:
        principal = await credentials.authenticate_api_key(session, token, now=at(1),
                                                           record_use=False)
    assert principal.api_key.last_used_at is None
    assert credentials.needs_use_record(principal.api_key, at(1))
    async with database.transaction() as session:
        await credentials.record_api_key_use(session, principal.api_key.key_id, now=at(1))
    async with database.read() as session:
        key = (await session.scalars(select(ApiKey))).one()
    assert key.last_used_at == at(1)
    assert not credentials.needs_use_record(key, at(2))
    assert credentials.needs_use_record(key, at(1) + credentials.LAST_USED_RESOLUTION)
