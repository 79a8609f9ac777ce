"""The loaded form of a mapping file: entries with parsed cardinality, codec and XPath.

See mappings/README.md for the file format. An `Entry` is one line of the mapping: a business
term, the key in the current JSON object, the XPath relative to the current element, the codec
and the cardinality; a group entry has `fields` instead of a codec.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from gateway.errors import ConfigurationError
from gateway.mapping.codecs import Codec

NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS_EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"

DEFAULT_NAMESPACES: dict[str, str] = {"cac": NS_CAC, "cbc": NS_CBC, "ext": NS_EXT}

_NAME = r"[A-Za-z_][\w.-]*"
_ELEMENT_STEP = re.compile(rf"({_NAME}):({_NAME})")
_ATTRIBUTE_STEP = re.compile(rf"@(?:({_NAME}):)?({_NAME})")


class MappingError(ConfigurationError):
    """A mapping file that cannot be used: the message names the file and the entry."""

    code = "mapping-error"


@dataclass(frozen=True, slots=True)
class Cardinality:
    min: int
    max: int | None  # None: unbounded

    @property
    def repeated(self) -> bool:
        return self.max is None or self.max > 1

    @property
    def required(self) -> bool:
        return self.min > 0

    def __str__(self) -> str:
        return f"{self.min}..{'n' if self.max is None else self.max}"

    @classmethod
    def parse(cls, text: str) -> Cardinality:
        low, sep, high = str(text).partition("..")
        if not sep or not low.isdigit() or not (high == "n" or high.isdigit()):
            raise ValueError(f"cardinality must look like 0..1, 1..1, 0..n or 1..n, not {text!r}")
        upper = None if high == "n" else int(high)
        if upper is not None and (upper < 1 or upper < int(low)):
            raise ValueError(f"cardinality {text!r} has an upper bound below its lower bound")
        return cls(int(low), upper)


@dataclass(frozen=True, slots=True)
class Implied:
    """A value the XML carries that the JSON may leave out.

    Rendering writes it when the JSON value is absent; parsing leaves the JSON value out when
    the document carries exactly this value. Either a literal or a JSON pointer into the
    document root (for example the document currency for every amount's currencyID).
    """

    literal: str | None = None
    pointer: tuple[str, ...] | None = None

    def __str__(self) -> str:
        if self.pointer is not None:
            return "from /" + "/".join(self.pointer)
        return repr(self.literal)


@dataclass(frozen=True, slots=True)
class XPath:
    """A writable XPath: element steps (Clark names) and at most one final attribute."""

    text: str
    elements: tuple[str, ...]
    attribute: str | None  # Clark name for namespaced attributes

    @property
    def is_self(self) -> bool:
        return not self.elements and self.attribute is None

    @classmethod
    def parse(cls, text: str, namespaces: dict[str, str]) -> XPath:
        if text in (".", ""):
            return cls(".", (), None)
        steps = text.split("/")
        elements: list[str] = []
        attribute: str | None = None
        for index, step in enumerate(steps):
            if step.startswith("@"):
                if index != len(steps) - 1:
                    raise ValueError(f"attribute step {step!r} must be the last step")
                attribute = _attribute_name(step, namespaces)
                continue
            match = _ELEMENT_STEP.fullmatch(step)
            if match is None:
                raise ValueError(
                    f"step {step!r} is not a prefixed element name (child steps only, "
                    "no predicates, no //, no ..)"
                )
            prefix, local = match.groups()
            if prefix not in namespaces:
                raise ValueError(f"unknown namespace prefix {prefix!r} in {text!r}")
            elements.append(f"{{{namespaces[prefix]}}}{local}")
        return cls(text, tuple(elements), attribute)


def _attribute_name(step: str, namespaces: dict[str, str]) -> str:
    match = _ATTRIBUTE_STEP.fullmatch(step)
    if match is None:
        raise ValueError(f"attribute step {step!r} is not @name or @prefix:name")
    prefix, local = match.groups()
    if prefix is None:
        return local
    if prefix not in namespaces:
        raise ValueError(f"unknown namespace prefix {prefix!r} in {step!r}")
    return f"{{{namespaces[prefix]}}}{local}"


@dataclass(frozen=True, slots=True)
class Entry:
    json: str
    xpath: XPath
    card: Cardinality
    codec: Codec | None  # None for a group
    fields: tuple[Entry, ...] | None  # a group's entries; None for a value
    bt: str | None = None
    implied: Implied | None = None
    description: str | None = None

    @property
    def is_group(self) -> bool:
        return self.fields is not None


@dataclass(frozen=True, slots=True)
class MappingSpec:
    """A fully resolved mapping (flavours applied)."""

    name: str
    source: Path
    root: str  # local name of the root element
    namespace: str  # namespace of the root element
    namespaces: dict[str, str]  # prefix -> URI, for XPaths and serialisation
    fields: tuple[Entry, ...]
    lineage: tuple[str, ...]  # this file, then the file it extends, and so on

    @property
    def root_tag(self) -> str:
        return f"{{{self.namespace}}}{self.root}"
