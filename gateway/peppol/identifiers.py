"""Peppol identifiers (Peppol Policy for use of Identifiers 4.x): participant, document, process.

Wire form is ``scheme::value``. Participant values (``iso6523-actorid-upis``, ``0088:…``) are
case-insensitive and compared lowercased (POLICY 2/3); document type ids (``busdox-docid-qns``)
are case-sensitive; process ids (``cenbii-procid-ubl``) are case-sensitive too. In SMP URLs the
whole ``scheme::value`` is percent-encoded as one path segment (Peppol SMP 1.x §3.1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from gateway.errors import InputError

PARTICIPANT_SCHEME = "iso6523-actorid-upis"
DOCUMENT_SCHEME = "busdox-docid-qns"
DOCUMENT_WILDCARD_SCHEME = "peppol-doctype-wildcard"
PROCESS_SCHEME = "cenbii-procid-ubl"
_PARTICIPANT_VALUE = re.compile(r"[0-9]{4}:[^\s:][^\s]{0,134}")  # ICD + ':' + id, POLICY 1
_SCHEME = re.compile(r"[a-z0-9][a-z0-9-]{0,24}", re.IGNORECASE)
MAX_VALUE = 500


def _split(text: str, what: str) -> tuple[str, str]:
    scheme, separator, value = text.strip().partition("::")
    if not separator or not scheme or not value:
        raise InputError(f"{what} {text!r} is not in the form scheme::value")
    return scheme, value


def _check(scheme: str, value: str, what: str) -> None:
    if not _SCHEME.fullmatch(scheme):
        raise InputError(f"{what} scheme {scheme!r} is not a valid identifier scheme")
    if not value or len(value) > MAX_VALUE or not value.isprintable():
        raise InputError(f"{what} value must be 1-{MAX_VALUE} printable characters")


class _SchemedId:
    """The wire form ``scheme::value`` shared by the three identifier kinds."""

    __slots__ = ()
    scheme: str
    value: str

    def __str__(self) -> str:
        return f"{self.scheme}::{self.value}"

    def url_segment(self) -> str:
        return quote(str(self), safe="")


@dataclass(frozen=True, slots=True)
class ParticipantId(_SchemedId):
    """A participant id; ``value`` is kept lowercased so equality follows the policy."""

    value: str
    scheme: str = PARTICIPANT_SCHEME

    def __post_init__(self) -> None:
        _check(self.scheme, self.value, "participant")
        object.__setattr__(self, "scheme", self.scheme.lower())
        object.__setattr__(self, "value", self.value.strip().lower())
        if self.scheme == PARTICIPANT_SCHEME and not _PARTICIPANT_VALUE.fullmatch(self.value):
            raise InputError(
                f"participant {self.value!r}: expected <4-digit ICD>:<identifier> (e.g. 0088:…)"
            )

    @classmethod
    def parse(cls, text: str) -> ParticipantId:
        """``iso6523-actorid-upis::0088:5790000435975`` or the bare ``0088:5790000435975``."""
        if "::" not in text:
            return cls(text)
        scheme, value = _split(text, "participant")
        return cls(value, scheme)


@dataclass(frozen=True, slots=True)
class DocumentTypeId(_SchemedId):
    """A document type id (case-sensitive), e.g. ``urn:oasis:…:Invoice-2::Invoice##…::2.1``."""

    value: str
    scheme: str = DOCUMENT_SCHEME

    def __post_init__(self) -> None:
        _check(self.scheme, self.value, "document type")

    @classmethod
    def parse(cls, text: str) -> DocumentTypeId:
        scheme, value = _split(text, "document type")
        return cls(value, scheme)


@dataclass(frozen=True, slots=True)
class ProcessId(_SchemedId):
    value: str
    scheme: str = PROCESS_SCHEME

    def __post_init__(self) -> None:
        _check(self.scheme, self.value, "process")

    @classmethod
    def parse(cls, text: str) -> ProcessId:
        scheme, value = _split(text, "process")
        return cls(value, scheme)

