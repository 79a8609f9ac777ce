"""Reading a document: sniff → validate → parse, for UBL XML and for the gateway's JSON.

One `DocumentAnalyzer.analyze` call turns bytes into an `Analysis`: the registry type, the
validation `Report` (every layer's findings), the UBL bytes (as received, or rendered from the
JSON) and the canonical JSON. It never raises for bad input: unreadable, hostile or
unsupported input becomes an `Analysis` whose `error` says why (the inbound pipeline stores
and answers it like any other rejection).

Layers (DESIGN.md §4): hardened parse → XSD → official Schematron (when artefacts are
installed) → model (the canonical model reads the document) → own rules. The own rules
(gateway.validation.rules, registered under the official rule ids) run when the official
Schematron did not: with the artefacts installed the official rules are the judge and
running the same ids twice would only repeat findings.

CPU-bound and synchronous: callers run it in a worker thread (`asyncio.to_thread`); the
validator and the mapping engine are thread-safe.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from gateway.documents.convert import (
    element_to_model,
    json_to_model,
    model_to_json,
    model_to_xml,
    resolve_type,
)
from gateway.documents.json_type import split_json_document
from gateway.documents.registry import DocumentType
from gateway.errors import DocumentInvalid, GatewayError, InputError, UnsupportedDocumentError
from gateway.findings import Finding, Layer, Report, Severity
from gateway.jsonio import load_json
from gateway.observability.metrics import GatewayMetrics
from gateway.validation.pipeline import Validator, sniff_type
from gateway.validation.rules.registry import own_rule_sets, run_rules
from gateway.xml.parser import parse_xml

_log = logging.getLogger(__name__)
XML_MEDIA_TYPE = "application/xml"
JSON_MEDIA_TYPE = "application/json"
MEDIA_TYPES = {
    "application/xml": XML_MEDIA_TYPE,
    "text/xml": XML_MEDIA_TYPE,
    "application/json": JSON_MEDIA_TYPE,
}


def media_type_of(content_type: str | None) -> str:
    """``application/xml`` or ``application/json`` for a supported Content-Type.

    Raises UnsupportedDocumentError (415) for anything else, naming what is accepted.
    """
    normalised = (content_type or "").split(";", 1)[0].strip().lower()
    found = MEDIA_TYPES.get(normalised)
    if found is None:
        raise UnsupportedDocumentError(
            f"Content-Type {content_type or '(none)'!r} is not supported: send UBL XML as "
            "application/xml or the gateway's JSON as application/json",
            code="unsupported-media-type",
        )
    return found


def error_finding(error: GatewayError) -> Finding:
    """The finding that records why a document could not be read (rule id from the code)."""
    layer = Layer.PARSE if isinstance(error, InputError) else Layer.MODEL
    return Finding(f"GW-{error.code.upper()}", Severity.FATAL, layer, error.message)


@dataclass(slots=True)
class Analysis:
    """What was learnt from one document; `error` is set when it could not be read at all."""

    media_type: str
    report: Report
    document_type: str | None = None
    xml: bytes | None = field(default=None, repr=False)
    canonical: dict[str, Any] | None = field(default=None, repr=False)
    error: GatewayError | None = None

    @property
    def accepted(self) -> bool:
        return self.error is None and self.report.valid

    @property
    def findings(self) -> list[Finding]:
        return self.report.findings

    def rejection(self) -> GatewayError:
        """The error to answer a rejected document with (422 for findings, else 400/413/415)."""
        if self.error is not None:
            return self.error
        fatal = self.report.fatal
        summary = ", ".join(sorted({f.rule_id for f in fatal}))
        return DocumentInvalid(
            f"the document is not valid: {len(fatal)} fatal finding(s) ({summary})",
            findings=self.report.findings,
        )


class DocumentAnalyzer:
    """Sniffs, validates and parses documents with one shared `Validator`."""

    def __init__(self, validator: Validator, *, metrics: GatewayMetrics | None = None) -> None:
        """`metrics`: where latencies and document counts go (None: a private registry)."""
        self.validator = validator
        self.metrics = metrics or GatewayMetrics()

    @property
    def max_bytes(self) -> int:
        return self.validator.max_bytes

    def analyze(
        self, raw: bytes, media_type: str, declared_type: str | None = None
    ) -> Analysis:
        """Read `raw` (XML or JSON); `declared_type` is a registry key (required for JSON)."""
        try:
            if media_type == JSON_MEDIA_TYPE:
                return self._analyze_json(raw, declared_type)
            return self._analyze_xml(raw, declared_type)
        except (InputError, UnsupportedDocumentError) as exc:
            return self._unreadable(media_type, exc, declared_type)
        except DocumentInvalid as exc:
            report = Report(document_type=declared_type)
            report.extend(Layer.MODEL, exc.findings)
            return Analysis(media_type, report, document_type=declared_type)
        except Exception as exc:  # a reader bug must reject the document, not crash the API
            _log.exception("reading a %s document failed", media_type)
            error = DocumentInvalid(
                f"the gateway could not read this document ({type(exc).__name__}); it is "
                "stored for investigation", code="document-unreadable",
            )
            return self._unreadable(media_type, error, declared_type)

    def _unreadable(
        self, media_type: str, error: GatewayError, declared_type: str | None
    ) -> Analysis:
        report = Report(document_type=None, artefacts_version=self.validator.artefacts_version)
        report.extend(Layer.PARSE, [error_finding(error)])
        return Analysis(media_type, report, document_type=declared_type, error=error)

    def _analyze_xml(self, raw: bytes, declared_type: str | None) -> Analysis:
        root = parse_xml(raw, max_bytes=self.max_bytes)
        doc_type = sniff_type(root)
        if declared_type is not None and resolve_type(declared_type).key != doc_type.key:
            raise UnsupportedDocumentError(
                f"the document type was declared as {declared_type!r} but the document is a "
                f"{doc_type.key!r} (root element and CustomizationID)",
                code="document-type-mismatch",
            )
        with self.metrics.validation_timer(doc_type.key):
            report = self.validator.validate_xml(raw, doc_type=doc_type)
        analysis = Analysis(XML_MEDIA_TYPE, report, document_type=doc_type.key, xml=raw)
        if report.valid:
            with self.metrics.conversion_timer("ubl_to_canonical", doc_type.key):
                _, model, model_findings = element_to_model(root, doc_type)
            self._model_and_rules(analysis, model, model_findings, doc_type)
        return analysis

    def _analyze_json(self, raw: bytes, declared_type: str | None) -> Analysis:
        document = load_json(raw, max_bytes=self.max_bytes)
        if not isinstance(document, dict):
            raise InputError("a JSON document must be a JSON object")
        doc_type, fields = split_json_document(document, declared_type)
        with self.metrics.conversion_timer("json_to_ubl", doc_type.key):
            model, derived = json_to_model(fields, doc_type)
            xml = model_to_xml(model, doc_type)
        with self.metrics.validation_timer(doc_type.key):
            report = self.validator.validate_xml(xml, doc_type=doc_type)
        report.findings[:0] = derived  # the derivation notes first, as they happened first
        analysis = Analysis(JSON_MEDIA_TYPE, report, document_type=doc_type.key, xml=xml)
        if report.valid:
            self._model_and_rules(analysis, model, [], doc_type)
        return analysis

    def _model_and_rules(
        self, analysis: Analysis, model: Any, model_findings: list[Finding], doc_type: DocumentType
    ) -> None:
        report = analysis.report
        report.extend(Layer.MODEL, model_findings)
        analysis.canonical = model_to_json(model)
        if not report.valid:
            report.skip(Layer.RULES)
            return
        if Layer.SCHEMATRON in report.layers_run:
            report.skip(Layer.RULES)  # the official rules judged already (module docstring)
            return
        rule_sets = own_rule_sets(doc_type.rule_sets)
        report.extend(Layer.RULES, run_rules(model, doc_type.key, rule_sets))
