"""Exchange records: the state machine enforced, timestamped events, acknowledgements."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gateway.db.database import Database
from gateway.db.repos import documents, exchanges
from gateway.db.repos.exchanges import ConcurrentUpdate
from gateway.db.tables.exchanges import ExchangeEvent
from gateway.errors import NotFound
from gateway.exchange.states import Direction, IllegalTransition, State
from tests.integration.db.helpers import ADMIN, T0, at, make_partner


async def test_transitions_write_ordered_events(database: Database) -> None:
    async with database.transaction() as session:
        partner = await make_partner(session)
        exchange = await exchanges.create_exchange(
            session, direction=Direction.INBOUND, message_id="m-1", now=T0, actor="as4",
            partner_id=partner.id)
        await exchanges.transition(session, exchange, State.ACCEPTED, now=at(1), actor="flow")
        await exchanges.transition(session, exchange, State.ROUTED, now=at(2), actor="flow",
                                   detail={"webhook": "erp"})
    async with database.transaction() as session:
        exchange = await exchanges.get_exchange(session, exchange.id)
        await exchanges.transition(session, exchange, "acknowledged", now=at(3), actor="flow")
    async with database.read() as session:
        events = await exchanges.list_events(session, exchange.id)
        stored = await exchanges.get_exchange(session, exchange.id)
    assert [(e.version, e.from_state, e.to_state, e.at) for e in events] == [
        (1, None, "received", T0), (2, "received", "accepted", at(1)),
        (3, "accepted", "routed", at(2)), (4, "routed", "acknowledged", at(3)),
    ]
    assert events[2].detail == {"webhook": "erp"}
    assert events[2].actor == "flow"
    assert stored.state == "acknowledged"
    assert stored.version == 4
    assert stored.updated_at == at(3)


async def test_illegal_transition_changes_nothing(database: Database) -> None:
    async with database.transaction() as session:
        exchange_id = (await exchanges.create_exchange(
            session, direction="outbound", message_id="m-1", now=T0, actor=ADMIN)).id

    async def move_to(state: State) -> None:
        async with database.transaction() as session:
            exchange = await exchanges.get_exchange(session, exchange_id)
            await exchanges.transition(session, exchange, state, now=at(1), actor=ADMIN)

    with pytest.raises(IllegalTransition, match="cannot go from created to sending"):
        await move_to(State.SENDING)
    with pytest.raises(IllegalTransition, match="not a state of outbound"):
        await move_to(State.ROUTED)
    async with database.read() as session:
        assert (await exchanges.get_exchange(session, exchange_id)).state == "created"
        assert await session.scalar(select(func.count()).select_from(ExchangeEvent)) == 1


async def test_concurrent_change_is_detected(database: Database, make_database: object) -> None:
    """Two transactions read the same version; the second writer gets ConcurrentUpdate."""
    other = make_database()  # type: ignore[operator]
    async with database.transaction() as session:
        exchange = await exchanges.create_exchange(
            session, direction="outbound", message_id="m-1", now=T0, actor=ADMIN)
    async with other.read() as session:
        stale = await exchanges.get_exchange(session, exchange.id)
    async with database.transaction() as session:
        fresh = await exchanges.get_exchange(session, exchange.id)
        await exchanges.transition(session, fresh, State.VALIDATED, now=at(1), actor="a")

    async def write_stale() -> None:
        async with other.transaction() as session:
            merged = await session.merge(stale, load=False)
            await exchanges.transition(session, merged, State.CANCELLED, now=at(2), actor="b")

    with pytest.raises(ConcurrentUpdate):
        await write_stale()
    async with database.read() as session:
        assert (await exchanges.get_exchange(session, exchange.id)).state == "validated"


async def test_acknowledgements_are_linked(database: Database) -> None:
    async with database.transaction() as session:
        partner = await make_partner(session)
        exchange = await exchanges.create_exchange(
            session, direction="outbound", message_id="m-1", now=T0, actor=ADMIN,
            partner_id=partner.id)
        mlr = await documents.store_document(
            session, direction="inbound", message_id="mlr-1", raw=b"<ApplicationResponse/>",
            content_type="application/xml", now=at(5), partner_id=partner.id,
            document_type="mlr")
        await exchanges.link_acknowledgement(
            session, exchange, kind="receipt", direction="inbound", status="delivered",
            now=at(4), actor="as4")
        await exchanges.link_acknowledgement(
            session, exchange, kind="mlr", direction="inbound", status="AP",
            document_id=mlr.document.id, now=at(5), actor="as4")
    async with database.read() as session:
        acks = await exchanges.list_acknowledgements(session, exchange.id)
    assert [(a.kind, a.status, a.document_id) for a in acks] == [
        ("receipt", "delivered", None), ("mlr", "AP", mlr.document.id)]


async def test_tenant_scoped_lookup_and_lists(database: Database) -> None:
    async with database.transaction() as session:
        alice = await make_partner(session, "alice")
        bob = await make_partner(session, "bob")
        exchange = await exchanges.create_exchange(
            session, direction="outbound", message_id="m-1", now=T0, actor=ADMIN,
            partner_id=alice.id)
    async with database.read() as session:
        with pytest.raises(NotFound):
            await exchanges.get_exchange(session, exchange.id, partner_id=bob.id)
        assert await exchanges.list_exchanges(session, partner_id=bob.id) == []
        listed = await exchanges.list_exchanges(session, partner_id=alice.id,
                                                states=[State.CREATED])
        assert [e.id for e in listed] == [exchange.id]
        found = await exchanges.find_by_message_id(session, message_id="m-1")
        assert [e.id for e in found] == [exchange.id]
