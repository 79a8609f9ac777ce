"""Signals a receiving AP answers with, synchronously in the HTTP response (peppol-as4.md §1.6,
§1.7): the signed Receipt with NonRepudiationInformation, and ebMS Error signals.

Receipt (ebMS 3.0 §5.2.3.3, AS4 §5.1.8, ebBP signals 2.0): ``eb:SignalMessage`` with
``RefToMessageId`` and ``eb:Receipt/ebbp:NonRepudiationInformation``, one
``ebbp:MessagePartNRInformation`` per ``ds:Reference`` of the received signature, copied
verbatim; signed over its own Messaging and Body with our AP key.

Error (ebMS 3.0 §6.2): ``eb:Error`` with ``errorCode``, ``severity``, ``category``,
``shortDescription``, ``origin``, ``refToMessageInError``, ``eb:Description`` and
``eb:ErrorDetail`` (``PEPPOL:NOT_SERVICED`` for an unserved recipient). Signed when keys are
given, as phase4 and ``as4`` do (whether it must be was debated, Oxalis-AS4 #205); never
echoing the attachments (phase4 #36).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from gateway.peppol.as4.constants import EBBP_NS, XML_NS
from gateway.peppol.as4.envelope import Skeleton, eb, message_info, q, skeleton
from gateway.peppol.as4.errors import ERROR_DESCRIPTIONS, OTHER, As4Rejected
from gateway.peppol.as4.ids import new_message_id
from gateway.peppol.as4.wssec import SignedReference
from gateway.peppol.as4.wssign import sign
from gateway.signing.credentials import SigningCredentials

MAX_ERROR_TEXT = 1000


@dataclass(frozen=True, slots=True)
class Signal:
    message_id: str
    body: bytes
    content_type: str = "application/soap+xml; charset=UTF-8"


def _finish(parts: Skeleton, credentials: SigningCredentials | None) -> bytes:
    if credentials is None:
        header = parts.security.getparent()
        if header is not None:
            header.remove(parts.security)
        return parts.to_bytes()
    return sign(parts.envelope, parts.security, credentials, parts=parts.signed_parts()).to_bytes()


def build_receipt(
    *,
    ref_to_message_id: str,
    references: Sequence[SignedReference],
    credentials: SigningCredentials,
    timestamp: datetime,
    message_id: str | None = None,
) -> Signal:
    """The signed NRR receipt for a UserMessage whose signature had ``references``."""
    if not references:
        raise ValueError("a non-repudiation receipt needs the received signature's references")
    message_id = message_id or new_message_id()
    parts = skeleton()
    signal = eb(parts.messaging, "SignalMessage")
    message_info(signal, message_id, timestamp, ref_to=ref_to_message_id)
    information = etree.SubElement(
        eb(signal, "Receipt"), q(EBBP_NS, "NonRepudiationInformation"), nsmap={"ebbp": EBBP_NS}
    )
    for reference in references:
        part = etree.SubElement(information, q(EBBP_NS, "MessagePartNRInformation"))
        part.append(copy.deepcopy(reference.element))
    return Signal(message_id, _finish(parts, credentials))


@dataclass(frozen=True, slots=True)
class ErrorReport:
    """One ``eb:Error`` to send."""

    code: str
    description: str
    detail: str | None = None
    severity: str = "failure"

    @classmethod
    def of(cls, rejected: As4Rejected) -> ErrorReport:
        return cls(rejected.ebms_code, rejected.reason, rejected.detail)


def build_error_signal(
    errors: Sequence[ErrorReport],
    *,
    ref_to_message_id: str | None,
    timestamp: datetime,
    credentials: SigningCredentials | None,
    message_id: str | None = None,
) -> Signal:
    """An Error signal; ``ref_to_message_id`` is None when the message could not be read."""
    if not errors:
        raise ValueError("an error signal needs at least one error")
    message_id = message_id or new_message_id()
    parts = skeleton()
    signal = eb(parts.messaging, "SignalMessage")
    message_info(signal, message_id, timestamp, ref_to=ref_to_message_id)
    for error in errors:
        _error(signal, error, ref_to_message_id)
    return Signal(message_id, _finish(parts, credentials))


def _error(signal: etree._Element, error: ErrorReport, ref_to: str | None) -> None:
    short, category = ERROR_DESCRIPTIONS.get(error.code, ERROR_DESCRIPTIONS[OTHER])
    attributes = {
        "category": category,
        "errorCode": error.code,
        "origin": "ebMS",
        "severity": error.severity,
        "shortDescription": short,
    }
    if ref_to is not None:
        attributes["refToMessageInError"] = ref_to
    element = eb(signal, "Error", **attributes)
    description = eb(element, "Description", _clip(error.description))
    description.set(q(XML_NS, "lang"), "en")
    eb(element, "ErrorDetail", _clip(error.detail or error.description))


def _clip(text: str) -> str:
    printable = "".join(c if c.isprintable() else " " for c in text)
    return printable[:MAX_ERROR_TEXT]
