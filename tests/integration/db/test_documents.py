"""Documents: byte-exact storage, SHA-256, de-duplication, tenant isolation, inbound reception."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from sqlalchemy import func, select

from gateway.db.database import Database
from gateway.db.repos import documents, exchanges
from gateway.db.tables.documents import Document
from gateway.errors import NotFound
from gateway.exchange.states import State
from gateway.findings import Finding, Layer, Severity
from tests.integration.db.helpers import T0, at, make_partner

RAW = b"<?xml version='1.0' encoding='ISO-8859-1'?>\r\n<Invoice>\xe6\xf8\xe5 \x00\xff</Invoice>"


async def test_raw_bytes_are_stored_exactly(database: Database) -> None:
    finding = Finding("BR-01", Severity.FATAL, Layer.RULES, "missing", json_pointer="/id")
    async with database.transaction() as session:
        partner = await make_partner(session)
        stored = await documents.store_document(
            session,
            direction="inbound",
            message_id="m-1",
            raw=RAW,
            content_type="text/xml",
            now=T0,
            partner_id=partner.id,
            document_type="invoice",
            canonical={"id": "INV-1", "total": "10.00"},
            findings=[finding],
        )
    assert not stored.duplicate
    async with database.read() as session:
        doc = await documents.get_document(session, stored.document.id)
        assert doc.raw == RAW
        assert doc.sha256 == hashlib.sha256(RAW).hexdigest()
        assert doc.size == len(RAW)
        assert doc.canonical == {"id": "INV-1", "total": "10.00"}
        assert doc.findings == [finding.to_dict()]
        assert doc.created_at == T0


async def test_same_message_twice_is_a_duplicate(database: Database) -> None:
    async with database.transaction() as session:
        partner = await make_partner(session)
        first = await documents.store_document(
            session,
            direction="inbound",
            message_id="m-1",
            raw=RAW,
            content_type="text/xml",
            now=T0,
            partner_id=partner.id,
        )
    async with database.transaction() as session:
        again = await documents.store_document(
            session,
            direction="inbound",
            message_id="m-1",
            raw=RAW,
            content_type="text/xml",
            now=at(60),
            partner_id=partner.id,
        )
        changed = await documents.store_document(
            session,
            direction="inbound",
            message_id="m-1",
            raw=RAW + b" ",
            content_type="text/xml",
            now=at(60),
            partner_id=partner.id,
        )
    assert again.duplicate
    assert again.document.id == first.document.id
    assert not changed.duplicate
    assert changed.document.id != first.document.id
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Document)) == 2


async def test_concurrent_receptions_store_one_copy(
    database: Database, make_database: object
) -> None:
    """Two processes receive the same message at once: the unique key keeps one."""
    async with database.transaction() as session:
        partner = await make_partner(session)
    others = [make_database() for _ in range(3)]  # type: ignore[operator]

    async def receive(db: Database) -> str:
        async with db.transaction() as session:
            stored = await documents.store_document(
                session,
                direction="inbound",
                message_id="m-dup",
                raw=RAW,
                content_type="text/xml",
                now=T0,
                partner_id=partner.id,
            )
            await asyncio.sleep(0.05)  # hold the transaction open while the others try
            return stored.document.id

    ids = await asyncio.gather(*(receive(db) for db in [database, *others]))
    assert len(set(ids)) == 1
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Document)) == 1


async def test_another_partners_document_is_not_found(database: Database) -> None:
    async with database.transaction() as session:
        alice = await make_partner(session, "alice")
        bob = await make_partner(session, "bob")
        stored = await documents.store_document(
            session,
            direction="inbound",
            message_id="m-1",
            raw=RAW,
            content_type="text/xml",
            now=T0,
            partner_id=alice.id,
        )
    async with database.read() as session:
        assert await documents.get_document(session, stored.document.id, partner_id=alice.id)
        with pytest.raises(NotFound):
            await documents.get_document(session, stored.document.id, partner_id=bob.id)
        assert await documents.list_documents(session, partner_id=bob.id) == []


async def test_list_documents_pages_in_creation_order(database: Database) -> None:
    async with database.transaction() as session:
        partner = await make_partner(session)
        ids = [
            (
                await documents.store_document(
                    session,
                    direction="outbound",
                    message_id=f"m-{n}",
                    raw=b"%d" % n,
                    content_type="application/json",
                    now=at(n),
                    partner_id=partner.id,
                )
            ).document.id
            for n in range(5)
        ]
    async with database.read() as session:
        first = await documents.list_documents(session, partner_id=partner.id, limit=3)
        rest = await documents.list_documents(
            session, partner_id=partner.id, after=first[-1].id, limit=3
        )
    assert [d.id for d in [*first, *rest]] == ids


async def test_record_analysis_keeps_the_bytes(database: Database) -> None:
    async with database.transaction() as session:
        stored = await documents.store_document(
            session, direction="inbound", message_id="m-1", raw=RAW, content_type="text/xml", now=T0
        )
        await documents.record_analysis(
            session, stored.document, document_type="order", canonical={"a": 1}, findings=[]
        )
    async with database.read() as session:
        doc = await documents.get_document(session, stored.document.id)
    assert (doc.raw, doc.document_type, doc.canonical) == (RAW, "order", {"a": 1})


async def test_receive_inbound_marks_a_resent_message_duplicate(database: Database) -> None:
    async with database.transaction() as session:
        partner = await make_partner(session)
        first = await exchanges.receive_inbound(
            session,
            partner_id=partner.id,
            message_id="as4-1",
            raw=RAW,
            content_type="text/xml",
            now=T0,
            actor="transport:as4",
        )
    async with database.transaction() as session:
        second = await exchanges.receive_inbound(
            session,
            partner_id=partner.id,
            message_id="as4-1",
            raw=RAW,
            content_type="text/xml",
            now=at(5),
            actor="transport:as4",
        )
    assert not first.duplicate
    assert first.exchange.state == State.RECEIVED
    assert second.duplicate
    assert second.exchange.state == State.DUPLICATE
    assert second.document.id == first.document.id
    assert second.original is not None
    assert second.original.id == first.exchange.id
    async with database.read() as session:
        events = await exchanges.list_events(session, second.exchange.id)
    assert [(e.from_state, e.to_state) for e in events] == [
        (None, "received"),
        ("received", "duplicate"),
    ]
    assert events[1].detail["original_exchange_id"] == first.exchange.id
