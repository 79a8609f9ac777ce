"""The declarative mapping engine: one mapping file drives JSON -> UBL and UBL -> JSON.

    mapping = load_mapping("invoice.yaml")
    xml_bytes = mapping.render_bytes(model_or_dict)
    result = mapping.parse(parse_xml(xml_bytes))      # ParseResult(data, findings)

Render and parse walk the same entries (see mappings/README.md), so they cannot drift.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lxml import etree

from gateway.errors import UnsupportedDocumentError
from gateway.mapping.loader import DEFAULT_MAPPINGS_DIR, build_spec, iter_entries
from gateway.mapping.parse import (
    RULE_REPEATED,
    RULE_TYPE,
    RULE_UNMAPPED,
    ParseNode,
    ParseResult,
    compile_parse,
    parse_document,
)
from gateway.mapping.render import DocumentPlan, compile_render, render_text
from gateway.mapping.spec import Entry, MappingError, MappingSpec

# Reads only what `render_text` wrote: no DTD, no entities, no network all the same.
_OWN_OUTPUT = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                              remove_blank_text=True)

__all__ = [
    "DEFAULT_MAPPINGS_DIR",
    "RULE_REPEATED",
    "RULE_TYPE",
    "RULE_UNMAPPED",
    "DocumentMapping",
    "Entry",
    "MappingError",
    "MappingSpec",
    "ParseResult",
    "iter_entries",
    "load_mapping",
]


class DocumentMapping:
    """A loaded, compiled mapping file. Immutable; share it freely (`load_mapping` caches)."""

    __slots__ = ("_parse_root", "_render_plan", "spec")

    def __init__(self, spec: MappingSpec) -> None:
        self.spec = spec
        self._render_plan: DocumentPlan = compile_render(spec)
        self._parse_root: ParseNode = compile_parse(spec.fields)

    @property
    def name(self) -> str:
        return self.spec.name

    def render_text(self, source: Any) -> str:
        """The UBL document for `source` (a canonical model or its JSON dict), as text."""
        return render_text(self._render_plan, source)

    def render_bytes(self, source: Any, *, pretty: bool = False) -> bytes:
        """The UBL document as UTF-8 bytes with an XML declaration; `pretty` indents it."""
        data = self.render_text(source).encode("utf-8")
        if not pretty:
            return data
        root = etree.fromstring(data, _OWN_OUTPUT)
        etree.indent(root, space="  ")
        result: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        return result

    def render(self, source: Any) -> Any:
        """The UBL root element (lxml) for `source`."""
        return etree.fromstring(self.render_text(source).encode("utf-8"), _OWN_OUTPUT)

    def parse(self, root: Any, *, codec_rules: Mapping[str, str] | None = None) -> ParseResult:
        """The JSON dict (Python values) and findings for the document element `root`.

        `codec_rules` maps a codec name to the rule id reported when a value cannot be read
        (e.g. {"date": "PEPPOL-EN16931-F001"}); otherwise the rule id is GW-MODEL-TYPE.
        """
        if root.tag != self.spec.root_tag:
            raise UnsupportedDocumentError(
                f"the {self.spec.name} mapping reads {self.spec.root_tag}, not {root.tag}"
            )
        return parse_document(self.spec, self._parse_root, root, codec_rules)


@functools.lru_cache(maxsize=64)
def _load(path: Path) -> DocumentMapping:
    return DocumentMapping(build_spec(path))


@functools.lru_cache(maxsize=256)
def load_mapping(name: str, directory: Path | None = None) -> DocumentMapping:
    """The mapping file `name` from `directory` (default: the repository's mappings/).

    Loaded, flavour-resolved and compiled once per process (and per file, however named).
    """
    base = DEFAULT_MAPPINGS_DIR if directory is None else directory
    return _load((base / name).resolve())
