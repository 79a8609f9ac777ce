"""The exchange state machine: every state and every allowed transition, per direction.

Outbound (we send)::

    created      -> validated | rejected (validation failed) | cancelled
    validated    -> queued | cancelled
    queued       -> sending (a worker claimed it) | cancelled
    sending      -> delivered (transport receipt) | acknowledged (synchronous business answer)
                    | retry_wait | dead_letter | sending (lease takeover, see below)
    retry_wait   -> sending | dead_letter | cancelled
    dead_letter  -> queued (admin replay; the message id stays the same) | cancelled
    delivered    -> acknowledged | refused (negative MLR / Invoice Response)

    sending -> sending is a lease takeover: the worker holding the exchange stopped renewing
    its lease (it crashed), so another worker claims it again (gateway.exchange.outbox).

Inbound (we receive)::

    received     -> accepted | duplicate (same partner, message id and bytes) | rejected
    accepted     -> routed (handed to the internal systems) | rejected
    routed       -> acknowledged (our response sent) | rejected (the internal system refused it)

Like OCA's edi_exchange_record states and phase4's duplicate handling: the machine is data
(`TRANSITIONS`), checked by `check_transition`, and the only way the repositories move an
exchange (gateway.db.repos.exchanges.transition).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from gateway.errors import Conflict


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class State(StrEnum):
    # outbound
    CREATED = "created"
    VALIDATED = "validated"
    QUEUED = "queued"
    SENDING = "sending"
    RETRY_WAIT = "retry_wait"
    DELIVERED = "delivered"
    REFUSED = "refused"
    DEAD_LETTER = "dead_letter"
    CANCELLED = "cancelled"
    # inbound
    RECEIVED = "received"
    DUPLICATE = "duplicate"
    ACCEPTED = "accepted"
    ROUTED = "routed"
    # both
    REJECTED = "rejected"
    ACKNOWLEDGED = "acknowledged"


S = State

OUTBOUND: Mapping[State, frozenset[State]] = {
    S.CREATED: frozenset({S.VALIDATED, S.REJECTED, S.CANCELLED}),
    S.VALIDATED: frozenset({S.QUEUED, S.CANCELLED}),
    S.QUEUED: frozenset({S.SENDING, S.CANCELLED}),
    S.SENDING: frozenset({S.DELIVERED, S.ACKNOWLEDGED, S.RETRY_WAIT, S.DEAD_LETTER, S.SENDING}),
    S.RETRY_WAIT: frozenset({S.SENDING, S.DEAD_LETTER, S.CANCELLED}),
    S.DEAD_LETTER: frozenset({S.QUEUED, S.CANCELLED}),
    S.DELIVERED: frozenset({S.ACKNOWLEDGED, S.REFUSED}),
    S.ACKNOWLEDGED: frozenset(),
    S.REFUSED: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
}

INBOUND: Mapping[State, frozenset[State]] = {
    S.RECEIVED: frozenset({S.ACCEPTED, S.DUPLICATE, S.REJECTED}),
    S.ACCEPTED: frozenset({S.ROUTED, S.REJECTED}),
    S.ROUTED: frozenset({S.ACKNOWLEDGED, S.REJECTED}),
    S.ACKNOWLEDGED: frozenset(),
    S.DUPLICATE: frozenset(),
    S.REJECTED: frozenset(),
}

TRANSITIONS: Mapping[Direction, Mapping[State, frozenset[State]]] = {
    Direction.OUTBOUND: OUTBOUND,
    Direction.INBOUND: INBOUND,
}

INITIAL: Mapping[Direction, State] = {
    Direction.OUTBOUND: S.CREATED,
    Direction.INBOUND: S.RECEIVED,
}

# The outbox: states a worker may claim (gateway.exchange.outbox).
CLAIMABLE: frozenset[State] = frozenset({S.QUEUED, S.RETRY_WAIT})


class IllegalTransition(Conflict):
    """The state machine does not allow this move."""

    code = "illegal-transition"


def states_of(direction: Direction | str) -> frozenset[State]:
    return frozenset(TRANSITIONS[Direction(direction)])


def initial_state(direction: Direction | str) -> State:
    return INITIAL[Direction(direction)]


def allowed_next(direction: Direction | str, state: State | str) -> frozenset[State]:
    return _table(direction, state)[State(state)]


def is_terminal(direction: Direction | str, state: State | str) -> bool:
    return not allowed_next(direction, state)


def can_transition(
    direction: Direction | str, from_state: State | str, to_state: State | str
) -> bool:
    try:
        return State(to_state) in allowed_next(direction, from_state)
    except (ValueError, IllegalTransition):
        return False


def check_transition(
    direction: Direction | str, from_state: State | str, to_state: State | str
) -> State:
    """Return `to_state` as a State, or raise IllegalTransition naming both states."""
    allowed = allowed_next(direction, from_state)
    target = _state(direction, to_state)
    if target not in allowed:
        options = ", ".join(sorted(allowed)) or "none: it is a final state"
        raise IllegalTransition(
            f"{direction} exchange cannot go from {from_state!s} to {to_state!s}; "
            f"allowed from {from_state!s}: {options}"
        )
    return target


def _table(direction: Direction | str, state: State | str) -> Mapping[State, frozenset[State]]:
    try:
        table = TRANSITIONS[Direction(direction)]
    except ValueError:
        raise IllegalTransition(f"unknown exchange direction {direction!r}") from None
    _state(direction, state)
    return table


def _state(direction: Direction | str, state: State | str) -> State:
    try:
        value = State(state)
    except ValueError:
        value = None
    if value is None or value not in TRANSITIONS[Direction(direction)]:
        raise IllegalTransition(f"{state!r} is not a state of {direction} exchanges")
    return value
