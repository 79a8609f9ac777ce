"""Reading CLI input (a path or `-` for stdin) and telling XML from JSON."""

from __future__ import annotations

import sys
from pathlib import Path

from gateway.errors import InputError


def read_input(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    path = Path(source)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror}") from None


def looks_like_json(data: bytes) -> bool:
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    return stripped[:1] in (b"{", b"[")


def write_output(data: bytes, target: str | None) -> None:
    if target is None or target == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        Path(target).write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror}") from None
