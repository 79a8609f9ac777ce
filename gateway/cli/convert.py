"""`gateway convert INPUT [-o OUTPUT] [--to ubl|json] [--type TYPE]`.

XML becomes JSON and JSON becomes UBL unless `--to` says otherwise; the type is sniffed
(root, CustomizationID; for JSON `document_type`, CustomizationID and type code) unless given.
Exit 0 on success, 1 when the document was read but has fatal conversion findings
(values that cannot be read as their type), 2 for unreadable, hostile or unsupported input.
"""

from __future__ import annotations

from typing import Any

import click

from gateway.cli._io import looks_like_json, read_input, write_output
from gateway.cli.errors import EXIT_FINDINGS, EXIT_OK, reported_errors
from gateway.documents.convert import (
    json_to_model,
    model_to_json,
    model_to_xml,
    xml_to_json,
    xml_to_model,
)
from gateway.documents.json_type import split_json_document, with_document_type
from gateway.documents.registry import REGISTRY, DocumentType
from gateway.errors import InputError
from gateway.findings import Finding
from gateway.jsonio import dump_json, load_json
from gateway.settings import Settings


def convert_bytes(
    data: bytes, *, to: str | None, type_key: str | None, max_bytes: int
) -> tuple[bytes, list[Finding]]:
    """Convert one document; returns the output bytes and the findings met on the way."""
    if looks_like_json(data):
        raw = load_json(data, max_bytes=max_bytes)
        if not isinstance(raw, dict):
            raise InputError("JSON input must be an object")
        doc_type, fields = split_json_document(raw, type_key)
        model, findings = json_to_model(fields, doc_type)
        return _emit(model, doc_type, to or "ubl"), findings
    given = REGISTRY.get(type_key) if type_key else None
    if (to or "json") == "json":
        # UBL -> JSON without building the model when the parse is clean (same JSON)
        doc_type, fields, findings = xml_to_json(data, given)
        return _json_output(doc_type, fields), findings
    doc_type, model, findings = xml_to_model(data, given)
    return _emit(model, doc_type, "ubl"), findings


def _emit(model: object, doc_type: DocumentType, to: str) -> bytes:
    if to == "ubl":
        return model_to_xml(model, doc_type, pretty=True)  # type: ignore[arg-type]
    return _json_output(doc_type, model_to_json(model))  # type: ignore[arg-type]


def _json_output(doc_type: DocumentType, fields: dict[str, Any]) -> bytes:
    return (dump_json(with_document_type(doc_type, fields)) + "\n").encode("utf-8")


@click.command("convert")
@click.argument("source", metavar="INPUT")
@click.option("-o", "--output", default=None, help="Output file (default: stdout).")
@click.option("--to", "to", type=click.Choice(["ubl", "json"]), default=None,
              help="Target format (default: the other one).")
@click.option("--type", "type_key", type=click.Choice(list(REGISTRY.keys)), default=None,
              help="Document type (default: sniffed).")
@click.pass_context
def command(
    ctx: click.Context, source: str, output: str | None, to: str | None, type_key: str | None
) -> None:
    """Convert between the canonical JSON and Peppol UBL."""
    with reported_errors():
        settings = Settings.load()
        data = read_input(source, settings.max_document_bytes)
        result, findings = convert_bytes(
            data, to=to, type_key=type_key, max_bytes=settings.max_document_bytes
        )
        write_output(result, output)
    for finding in findings:
        where = finding.json_pointer or finding.xpath or ""
        click.echo(f"{finding.severity.value}: {finding.rule_id} {where}: {finding.message}",
                   err=True)
    ctx.exit(EXIT_FINDINGS if any(f.is_fatal for f in findings) else EXIT_OK)
