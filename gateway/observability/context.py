"""The request id and exchange id of the work in hand, carried by contextvars.

asyncio copies the context into every task (and `asyncio.to_thread` into its thread), so a
value bound while handling one request or one outbox item shows on every log line written
for it and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("gateway_request_id", default=None)
EXCHANGE_ID: ContextVar[str | None] = ContextVar("gateway_exchange_id", default=None)


@contextmanager
def bound(variable: ContextVar[str | None], value: str | None) -> Iterator[None]:
    """`variable` is `value` inside the block, and what it was before after it."""
    token = variable.set(value)
    try:
        yield
    finally:
        variable.reset(token)


def bind_exchange(exchange_id: str | None) -> None:
    """From here to the end of the current task (or request), lines name this exchange."""
    EXCHANGE_ID.set(exchange_id)
