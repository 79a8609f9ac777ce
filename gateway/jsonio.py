"""Strict JSON reading for partner and internal input.

Numbers with a fraction or exponent become `JsonFloat` (a Decimal subclass): nothing is lost,
and money/quantity fields can refuse them with a clear message, because a JSON float is read
as binary floating point by most producers and consumers.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from gateway.errors import InputError, PayloadTooLarge


class JsonFloat(Decimal):
    """A JSON number written with a fraction or exponent."""


def _reject_constant(name: str) -> Any:
    raise InputError(f"invalid JSON number {name}")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InputError(f"duplicate JSON key {key!r}")
        result[key] = value
    return result


def load_json(data: bytes | str, *, max_bytes: int = 32 * 1024 * 1024) -> Any:
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"document is {len(data)} bytes; the limit is {max_bytes} bytes")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(
            text,
            parse_float=JsonFloat,
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicate_keys,
        )
    except UnicodeDecodeError as exc:
        raise InputError(f"JSON must be UTF-8: {exc}") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise InputError(f"malformed JSON ({where}): {exc.msg}") from None
    except RecursionError:
        raise InputError("JSON nesting is too deep") from None


def dump_json(value: Any, *, indent: int | None = 2) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=False, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
