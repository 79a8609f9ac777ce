"""Reading CLI input (a path or `-` for stdin) and telling XML from JSON."""

from __future__ import annotations

import sys
from pathlib import Path

from gateway.errors import InputError, PayloadTooLarge


def read_input(source: str, max_bytes: int) -> bytes:
    """The bytes of a path or of stdin ('-'), refusing more than max_bytes."""
    try:
        if source == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with Path(source).open("rb") as handle:
                data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"input is larger than the limit of {max_bytes} bytes")
    return data


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
