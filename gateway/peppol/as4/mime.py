"""A bounded, binary-safe ``multipart/related`` splitter and builder for AS4 (SOAP with
Attachments).

The stdlib ``email`` parser with ``policy.default`` is ~40% of ``as4``'s receive time
(peppol-as4.md §3.1.4) and unbounded; this splits on the boundary, caps the number of parts
and the header block size (phase4 #382), and decodes only binary/8bit/7bit/base64 parts.
Line breaks may be CRLF (phase4) or LF (older test files).
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import Message

from gateway.peppol.as4.errors import INVALID_HEADER, As4Rejected

MAX_PARTS = 8
MAX_HEADER_BYTES = 16 * 1024
_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True, slots=True)
class MimePart:
    headers: dict[str, str]
    content: bytes = field(repr=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def content_id(self) -> str | None:
        value = self.headers.get("content-id")
        return value.strip().strip("<>") if value else None


def _reject(message: str) -> As4Rejected:
    return As4Rejected(INVALID_HEADER, message)


def parse_headers(block: bytes) -> dict[str, str]:
    if len(block) > MAX_HEADER_BYTES:
        raise _reject(f"MIME header block exceeds {MAX_HEADER_BYTES} bytes")
    text = re.sub(r"\r?\n[ \t]+", " ", block.decode("latin-1"))  # unfold (RFC 5322 §2.2.3)
    headers: dict[str, str] = {}
    for line in text.splitlines():
        name, separator, value = line.partition(":")
        if separator and name.strip():
            headers[name.strip().lower()] = value.strip()
    return headers


def split_headers(raw: bytes) -> tuple[dict[str, str], bytes]:
    """A MIME/HTTP document (headers, blank line, body) as (headers, body)."""
    match = _HEADER_END.search(raw, 0, MAX_HEADER_BYTES + 4)
    if match is None:
        raise _reject("no end of headers found")
    return parse_headers(raw[: match.start()]), raw[match.end() :]


def boundary_of(content_type: str) -> str:
    message = Message()
    message["content-type"] = content_type
    if message.get_content_type() != "multipart/related":
        raise _reject(f"expected multipart/related, got {message.get_content_type()}")
    boundary = message.get_param("boundary")
    if not isinstance(boundary, str) or not 1 <= len(boundary) <= 70:
        raise _reject("multipart/related without a valid boundary")
    return boundary


def split_multipart(
    content_type: str, body: bytes, *, max_parts: int = MAX_PARTS
) -> list[MimePart]:
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3:
        raise _reject("multipart body without parts")
    parts: list[MimePart] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # close delimiter
        if len(parts) == max_parts:
            raise _reject(f"more than {max_parts} MIME parts")
        parts.append(_part(chunk))
    if not parts:
        raise _reject("multipart body without parts")
    return parts


def _part(chunk: bytes) -> MimePart:
    chunk = chunk.removeprefix(b"\r\n").removeprefix(b"\n")
    match = _HEADER_END.search(chunk, 0, MAX_HEADER_BYTES + 4)
    if match is None:
        raise _reject("MIME part without a header block")
    headers = parse_headers(chunk[: match.start()])
    content = chunk[match.end() :]
    # The CRLF before the next delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    content = (
        content.removesuffix(b"\r\n") if content.endswith(b"\r\n") else content.removesuffix(b"\n")
    )
    encoding = headers.get("content-transfer-encoding", "binary").lower()
    if encoding == "base64":
        try:
            content = base64.b64decode(b"".join(content.split()), validate=True)
        except binascii.Error:
            raise _reject("base64 MIME part is not valid base64") from None
    elif encoding not in ("binary", "8bit", "7bit"):
        raise _reject(f"Content-Transfer-Encoding {encoding!r} is not supported")
    return MimePart(headers, content)


def build_multipart(
    parts: Sequence[MimePart], *, root_type: str = "application/soap+xml"
) -> tuple[str, bytes]:
    """``(Content-Type, body)`` of a multipart/related message with CRLF line breaks (phase4
    needs CRLF, peppol-as4.md §1.5) and binary parts; the first part is the root."""
    boundary = f"----=_Part_{uuid.uuid4().hex}"
    delimiter = b"--" + boundary.encode("ascii")
    while any(delimiter in part.content for part in parts):  # astronomically unlikely
        boundary = f"----=_Part_{uuid.uuid4().hex}"
        delimiter = b"--" + boundary.encode("ascii")
    chunks: list[bytes] = []
    for part in parts:
        header_lines = "".join(f"{name}: {value}\r\n" for name, value in part.headers.items())
        chunks += [delimiter, b"\r\n", header_lines.encode("ascii"), b"\r\n", part.content, b"\r\n"]
    chunks += [delimiter, b"--\r\n"]
    content_type = f'multipart/related; type="{root_type}"; boundary="{boundary}"'
    return content_type, b"".join(chunks)
