"""The exchange state machine as data: every transition checked, the graph is sound."""

from __future__ import annotations

from collections import deque

import pytest

from gateway.errors import Conflict
from gateway.exchange.states import (
    CLAIMABLE,
    TRANSITIONS,
    Direction,
    IllegalTransition,
    State,
    allowed_next,
    can_transition,
    check_transition,
    initial_state,
    is_terminal,
    states_of,
)

ALL_PAIRS = [
    (direction, a, b)
    for direction, table in TRANSITIONS.items()
    for a in table
    for b in table
]


@pytest.mark.parametrize(("direction", "a", "b"), ALL_PAIRS)
def test_check_transition_follows_the_table(direction: Direction, a: State, b: State) -> None:
    if b in TRANSITIONS[direction][a]:
        assert check_transition(direction, a, b) is b
        assert can_transition(direction, a.value, b.value)
    else:
        with pytest.raises(IllegalTransition, match=f"from {a} to {b}"):
            check_transition(direction, a, b)
        assert not can_transition(direction, a, b)


def test_the_documented_paths() -> None:
    out = Direction.OUTBOUND
    for a, b in [("created", "validated"), ("validated", "queued"), ("queued", "sending"),
                 ("sending", "delivered"), ("delivered", "acknowledged"),
                 ("sending", "retry_wait"), ("retry_wait", "sending"),
                 ("sending", "dead_letter"), ("dead_letter", "queued"),
                 ("sending", "sending"), ("delivered", "refused")]:
        assert can_transition(out, a, b), (a, b)
    inbound = Direction.INBOUND
    for a, b in [("received", "duplicate"), ("received", "rejected"),
                 ("received", "accepted"), ("accepted", "routed"),
                 ("routed", "acknowledged")]:
        assert can_transition(inbound, a, b), (a, b)
    for a, b in [("created", "sending"), ("delivered", "sending"), ("acknowledged", "queued"),
                 ("dead_letter", "sending"), ("retry_wait", "delivered")]:
        assert not can_transition(out, a, b), (a, b)


def test_illegal_transition_is_a_conflict_with_a_clear_message() -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_transition("outbound", "acknowledged", "queued")
    assert isinstance(caught.value, Conflict)
    assert caught.value.http_status == 409
    assert "final state" in caught.value.message
    with pytest.raises(IllegalTransition, match="not a state of inbound"):
        check_transition("inbound", "received", "queued")
    with pytest.raises(IllegalTransition, match="not a state"):
        check_transition("outbound", "nonsense", "queued")
    with pytest.raises(IllegalTransition, match="direction"):
        allowed_next("sideways", "created")


@pytest.mark.parametrize("direction", list(Direction))
def test_every_state_is_reachable_and_can_finish(direction: Direction) -> None:
    table = TRANSITIONS[direction]
    seen, todo = {initial_state(direction)}, deque([initial_state(direction)])
    while todo:
        for nxt in table[todo.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(table)
    terminal = {s for s in table if is_terminal(direction, s)}
    assert terminal
    for state in table:  # a final state is reachable from everywhere: no trap cycles
        reach, todo = {state}, deque([state])
        while todo:
            for nxt in table[todo.popleft()]:
                if nxt not in reach:
                    reach.add(nxt)
                    todo.append(nxt)
        assert reach & terminal, state


def test_targets_stay_within_their_direction() -> None:
    for direction, table in TRANSITIONS.items():
        assert all(targets <= states_of(direction) for targets in table.values())
    assert states_of(Direction.OUTBOUND) >= CLAIMABLE
