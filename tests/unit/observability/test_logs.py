"""Log lines: JSON or text, request and exchange ids from the context, secrets masked."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from gateway.observability.context import EXCHANGE_ID, REQUEST_ID, bind_exchange, bound
from gateway.observability.logs import (
    MAX_MESSAGE_CHARS,
    configure_logging,
    redact,
    resolve_format,
)

_log = logging.getLogger("gateway.test")


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    buffer = io.StringIO()
    yield buffer
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_json_lines_carry_the_context_ids(stream: io.StringIO) -> None:
    configure_logging("INFO", "json", stream)
    _log.info("outside")
    with bound(REQUEST_ID, "req-1"), bound(EXCHANGE_ID, "ex-9"):
        _log.warning("inside %s", "work")
    first, second = lines(stream)
    assert first["request_id"] is None
    assert first["exchange_id"] is None
    assert second == {**second, "level": "WARNING", "logger": "gateway.test",
                      "message": "inside work", "request_id": "req-1", "exchange_id": "ex-9"}
    assert str(second["time"]).endswith("+00:00")


async def test_tasks_keep_their_own_exchange_id(stream: io.StringIO) -> None:
    configure_logging("INFO", "json", stream)

    async def deliver(exchange_id: str) -> None:
        bind_exchange(exchange_id)
        await asyncio.sleep(0)
        _log.info("delivering")

    await asyncio.gather(deliver("ex-a"), deliver("ex-b"))
    assert sorted(str(line["exchange_id"]) for line in lines(stream)) == ["ex-a", "ex-b"]
    assert EXCHANGE_ID.get() is None


def test_secrets_are_masked_in_messages_and_tracebacks(stream: io.StringIO) -> None:
    configure_logging("INFO", "json", stream)
    token = "gw_acme_" + "A" * 40
    try:
        raise RuntimeError(f"Authorization: Bearer {token}")
    except RuntimeError:
        _log.exception("connect postgresql://gw:hunter2@db/gw failed; password=hunter2")
    (line,) = lines(stream)
    text = json.dumps(line)
    assert "hunter2" not in text
    assert token not in text
    assert "postgresql://gw:****@db/gw" in str(line["message"])


@pytest.mark.parametrize(("raw", "masked"), [
    ("Bearer abc.def", "Bearer ****"),
    ("key gw_acme_0123456789abcdef", "key gw_****"),
    ("token=xyz&next=1", "token=****&next=1"),
    ("secret: s3", "secret: ****"),
    ("https://user:pw@host/path", "https://user:****@host/path"),
    ("nothing to hide", "nothing to hide"),
])
def test_redact(raw: str, masked: str) -> None:
    assert redact(raw) == masked


def test_long_messages_are_cut(stream: io.StringIO) -> None:
    configure_logging("INFO", "json", stream)
    _log.info("x" * (MAX_MESSAGE_CHARS * 2))
    (line,) = lines(stream)
    assert len(str(line["message"])) < MAX_MESSAGE_CHARS + 40


def test_text_format_for_terminals(stream: io.StringIO) -> None:
    configure_logging("DEBUG", "text", stream)
    with bound(REQUEST_ID, "req-2"):
        _log.debug("hello Bearer tok")
    output = stream.getvalue()
    assert "DEBUG gateway.test [req-2 -] hello Bearer ****" in output


def test_configuring_twice_keeps_one_handler(stream: io.StringIO) -> None:
    configure_logging("INFO", "json", stream)
    configure_logging("INFO", "json", stream)
    _log.info("once")
    assert len(lines(stream)) == 1


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_default_format_follows_the_terminal() -> None:
    assert resolve_format(None, Tty()) == "text"
    assert resolve_format(None, io.StringIO()) == "json"
    assert resolve_format("json", Tty()) == "json"
