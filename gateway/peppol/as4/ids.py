"""Identifiers in an AS4 message: ebMS MessageIds, MIME Content-IDs and XML ``wsu:Id``/``Id``s.

XML ids are ``xsd:ID`` (an NCName: no leading digit, no colon). The PyPI ``as4`` package emits
bare UUIDs, ~62% of which start with a digit (peppol-as4.md §3.1.5 defect 1), so every id here
carries a letter prefix. MessageIds follow RFC 2822 ``id-left "@" id-right`` (ebMS 3.0 §5.2.2.1).
"""

from __future__ import annotations

import re
import uuid

from gateway.errors import InputError

_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")
_ID_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")  # RFC 2822 dot-atom text
DEFAULT_DOMAIN = "gateway.as4"


def new_xml_id(prefix: str) -> str:
    """``<prefix>-<uuid4>``, a valid NCName whatever the UUID's first character."""
    if not _NCNAME.fullmatch(prefix):
        raise ValueError(f"xml id prefix {prefix!r} must start with a letter")
    return f"{prefix}-{uuid.uuid4()}"


def is_xml_id(value: str) -> bool:
    return _NCNAME.fullmatch(value) is not None


def new_content_id(domain: str = DEFAULT_DOMAIN) -> str:
    return f"att-{uuid.uuid4()}@{domain}"


def as4_message_id(message_id: str, domain: str = DEFAULT_DOMAIN) -> str:
    """The ebMS MessageId for a gateway message id: kept when already ``left@right``, else
    ``<id>@<domain>``. Deterministic, so every retry of an exchange sends the same MessageId."""
    left, separator, right = message_id.partition("@")
    if separator:
        if _ID_PART.fullmatch(left) and _ID_PART.fullmatch(right):
            return message_id
        raise InputError(f"message id {message_id!r} is not an RFC 2822 msg-id (left@right)")
    if not _ID_PART.fullmatch(message_id):
        raise InputError(f"message id {message_id!r} has characters not allowed in a msg-id")
    return f"{message_id}@{domain}"


def new_message_id(domain: str = DEFAULT_DOMAIN) -> str:
    return f"{uuid.uuid4()}@{domain}"
