"""Log lines as JSON (one object per line) or as text for a terminal, with the request id and
exchange id of the work in hand on every line, and secrets masked.

    configure_logging(level="INFO", log_format=None)   # None: text on a TTY, else json

JSON line fields: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``,
``request_id``, ``exchange_id`` (null outside a request or exchange) and ``exception`` (the
traceback) when there is one. Document contents are never logged by the gateway; as a
defence in depth, bearer tokens, gateway API keys, webhook secrets, passwords in URLs and
``password=``/``secret=``/``token=`` values are masked in every line, and a message is cut
at `MAX_MESSAGE_CHARS`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import TextIO

from gateway.observability.context import EXCHANGE_ID, REQUEST_ID

MAX_MESSAGE_CHARS = 4000
MASK = "****"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(exchange_id)s] %(message)s"
_HANDLER_NAME = "gateway"

_SECRET_PATTERNS = (
    (re.compile(r"(?i)(bearer\s+)[^\s\"',;]+"), rf"\g<1>{MASK}"),
    (re.compile(r"\bgw_[a-z0-9]{2,16}_[A-Za-z0-9_-]+"), f"gw_{MASK}"),
    (re.compile(r"\bwhsec_[A-Za-z0-9_-]+"), f"whsec_{MASK}"),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@/\s]+@"), rf"\g<1>{MASK}@"),
    (re.compile(r"(?i)\b(password|passwd|secret|token|api_key)(\s*[=:]\s*)[^\s&,;\"']+"),
     rf"\g<1>\g<2>{MASK}"),
)


def redact(text: str) -> str:
    """`text` with every recognised secret masked."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _message(record: logging.LogRecord) -> str:
    message = redact(record.getMessage())
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS] + f"... ({len(message)} characters)"
    return message


def _utc_time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class ContextFilter(logging.Filter):
    """Puts the request id and exchange id of the current context on each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        if getattr(record, "exchange_id", None) is None:
            record.exchange_id = EXCHANGE_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": _utc_time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": _message(record),
            "request_id": getattr(record, "request_id", None),
            "exchange_id": getattr(record, "exchange_id", None),
        }
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return _utc_time(record)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (stdlib name)
        values = dict(record.__dict__)
        values["message"] = _message(record)
        values["request_id"] = getattr(record, "request_id", None) or "-"
        values["exchange_id"] = getattr(record, "exchange_id", None) or "-"
        return self._style._fmt % values

    def formatException(self, ei: object) -> str:  # noqa: N802 (stdlib name)
        return redact(super().formatException(ei))  # type: ignore[arg-type]


def resolve_format(log_format: str | None, stream: TextIO) -> str:
    """The explicit format, else text when `stream` is a terminal and json otherwise."""
    if log_format is not None:
        return log_format
    isatty = getattr(stream, "isatty", None)
    return "text" if isatty is not None and isatty() else "json"


def configure_logging(
    level: str = "INFO", log_format: str | None = None, stream: TextIO | None = None
) -> logging.Handler:
    """Route the root logger to one handler on `stream` (stderr) in the chosen format;
    calling it again replaces the handler it installed before."""
    target = stream or sys.stderr
    handler = logging.StreamHandler(target)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(ContextFilter())
    chosen = resolve_format(log_format, target)
    handler.setFormatter(JsonFormatter() if chosen == "json" else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler
