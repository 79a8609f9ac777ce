"""The official layers: UBL XSD with lxml, compiled Schematron with saxonche, in-process.

Facts this module relies on (shared/notes/official-validation.md):
* lxml + the `xsdrt` runtime schemas: ~40 ms to load a schema, sub-millisecond per document.
  An `XMLSchema` keeps its `error_log` on the object, so each one is used under its own lock.
* One `PySaxonProcessor` per process; compiled executables are shared between threads
  (saxonche releases the GIL). Compiling CEN takes ~0.5 s, so each XSLT is compiled lazily on
  first use and cached for the process, keyed by file, size and mtime.
* `parse_xml(xml_text=...)` ignores the XML declaration: bytes are decoded with their declared
  encoding first (`gateway.xml.parser.to_text`), else ISO-8859-1 documents are garbled.
* SVRL: each `failed-assert` / `successful-report` carries the rule `@id`, the severity in
  `@flag` (Peppol and CEN use `fatal` and `warning`; vefa/phive treat `error` as fatal) and the
  XPath of the offending node in `@location`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from lxml import etree
from saxonche import PySaxonApiError, PySaxonProcessor

from gateway.documents.registry import DocumentType
from gateway.errors import ArtefactsError, InputError
from gateway.findings import Finding, Layer, Severity
from gateway.validation.artefacts import Artefacts
from gateway.xml.parser import parse_xml, to_text

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
MAX_XSD_FINDINGS = 50
RULE_XSD = "XSD"
RULE_SCHEMATRON_ERROR = "SCHEMATRON-ERROR"

_SEVERITY_BY_FLAG = {
    "fatal": Severity.FATAL,
    "error": Severity.FATAL,
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "info": Severity.INFO,
    "information": Severity.INFO,
}

T = TypeVar("T")


class _Saxon:
    """The process's Saxon processor and XSLT compiler."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.processor = PySaxonProcessor(license=False)
        self.compiler = self.processor.new_xslt30_processor()
        self.compile_lock = threading.Lock()


_saxon_lock = threading.Lock()
_saxon_instance: _Saxon | None = None


def saxon() -> _Saxon:
    """One PySaxonProcessor per process (re-created in a forked child)."""
    global _saxon_instance
    with _saxon_lock:
        if _saxon_instance is None or _saxon_instance.pid != os.getpid():
            _saxon_instance = _Saxon()
        return _saxon_instance


class _FileCache(Generic[T]):
    """Process-wide cache of objects built from a file, built once even under concurrency."""

    def __init__(self, build: Callable[[Path], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, int, int], T] = {}
        self._key_locks: dict[tuple[str, int, int], threading.Lock] = {}

    def get(self, path: Path) -> T:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        with self._lock:
            if key in self._entries:
                return self._entries[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._entries:
                    return self._entries[key]
            built = self._build(path)
            with self._lock:
                self._entries[key] = built
            return built


def _compile_xslt(path: Path) -> Any:
    engine = saxon()
    try:
        with engine.compile_lock:
            executable = engine.compiler.compile_stylesheet(stylesheet_file=str(path))
    except PySaxonApiError as exc:
        raise ArtefactsError(f"cannot compile {path.name}: {exc}") from None
    if executable is None:
        raise ArtefactsError(f"cannot compile {path.name}")
    return executable


class _Schema:
    def __init__(self, schema: etree.XMLSchema) -> None:
        self.schema = schema
        self.lock = threading.Lock()  # error_log lives on the schema object


def _load_schema(path: Path) -> _Schema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    try:
        return _Schema(etree.XMLSchema(etree.parse(str(path), parser)))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as exc:
        raise ArtefactsError(f"cannot load schema {path.name}: {exc}") from None


_XSLT_CACHE: _FileCache[Any] = _FileCache(_compile_xslt)
_SCHEMA_CACHE: _FileCache[_Schema] = _FileCache(_load_schema)
_svrl_local = threading.local()


def _svrl_parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_svrl_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        _svrl_local.parser = parser
    return parser


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def svrl_findings(svrl: str) -> list[Finding]:
    """Findings of an SVRL report: failed asserts and successful reports, in document order."""
    report = etree.fromstring(svrl.encode("utf-8"), _svrl_parser())
    findings = []
    for element in report.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report"):
        flag = (element.get("flag") or "fatal").strip().lower()
        findings.append(
            Finding(
                rule_id=element.get("id") or "SCHEMATRON",
                severity=_SEVERITY_BY_FLAG.get(flag, Severity.FATAL),
                layer=Layer.SCHEMATRON,
                message=_clean(element.findtext(f"{SVRL}text")),
                xpath=element.get("location"),
            )
        )
    return findings


def _xsd_finding(entry: Any) -> Finding:
    message = _clean(str(entry.message))
    return Finding(
        rule_id=RULE_XSD,
        severity=Severity.FATAL,
        layer=Layer.XSD,
        message=f"line {entry.line}: {message} ({entry.type_name})",
        xpath=entry.path or None,
    )


def _saxon_error(what: str, exc: Exception) -> Finding:
    return Finding(
        rule_id=RULE_SCHEMATRON_ERROR,
        severity=Severity.FATAL,
        layer=Layer.SCHEMATRON,
        message=f"{what}: {_clean(str(exc))}",
    )


def _document_text(data: bytes) -> str:
    """The document as str for Saxon, decoded with its declared encoding."""
    try:
        return to_text(data)
    except InputError:
        # lxml can read encodings Python's codec lookup cannot (or a UTF-16 BOM without a
        # declaration): let lxml decode it and hand Saxon the serialised tree.
        return str(etree.tostring(parse_xml(data), encoding="unicode"))


class OfficialValidator:
    """XSD and Schematron from one artefacts directory. Thread-safe; share one per process."""

    def __init__(self, artefacts: Artefacts, *, verify: bool = True) -> None:
        if verify:
            artefacts.require_intact()
        self.artefacts = artefacts

    @property
    def version(self) -> str:
        return self.artefacts.version.label

    def precompile(self, rule_sets: Sequence[str]) -> None:
        """Compile rule sets now (server start-up) instead of on the first document."""
        for rule_set in rule_sets:
            _XSLT_CACHE.get(self.artefacts.xslt(rule_set))

    def check_xsd(self, root_element: etree._Element, xsd: str) -> list[Finding]:
        """Validate a parsed document against a schema path under the artefacts dir."""
        schema = _SCHEMA_CACHE.get(self.artefacts.xsd(xsd))
        with schema.lock:
            if schema.schema.validate(root_element.getroottree()):
                return []
            entries = list(schema.schema.error_log)[:MAX_XSD_FINDINGS]
        return [_xsd_finding(entry) for entry in entries]

    def check_schematron(self, data: bytes, rule_sets: Sequence[str]) -> list[Finding]:
        """Run the compiled Schematron of each rule set, in order, over one Saxon tree."""
        executables = [(name, _XSLT_CACHE.get(self.artefacts.xslt(name))) for name in rule_sets]
        engine = saxon()
        try:
            node = engine.processor.parse_xml(xml_text=_document_text(data))
        except PySaxonApiError as exc:
            return [_saxon_error("Saxon cannot read the document", exc)]
        findings: list[Finding] = []
        for name, executable in executables:
            try:
                svrl = executable.transform_to_string(xdm_node=node)
            except PySaxonApiError as exc:
                findings.append(_saxon_error(f"rule set {name} stopped", exc))
                continue
            if not svrl:
                findings.append(_saxon_error(f"rule set {name}", RuntimeError("no SVRL output")))
                continue
            findings.extend(svrl_findings(svrl))
        return findings

    def validate(
        self, data: bytes, root_element: etree._Element, doc_type: DocumentType
    ) -> list[Finding]:
        """XSD, then (only if the XSD passes) the type's Schematron rule sets."""
        findings = self.check_xsd(root_element, doc_type.xsd)
        if any(f.is_fatal for f in findings):
            return findings
        return findings + self.check_schematron(data, doc_type.rule_sets)
