"""`gateway validate INPUT [--format text|json] [--artefacts DIR] [--rules RULESET ...]`.

INPUT is a file path or `-` for stdin, UBL XML or the gateway's JSON. Exit codes:
  0  no fatal finding
  1  at least one fatal finding (the document was read and is invalid; this includes JSON
     values the model refuses, such as a JSON float for an amount, reported by JSON pointer;
     JSON names its type in "document_type" or is inferred, see gateway.documents.json_type)
  2  unreadable input, not XML/JSON, hostile input (DTD, entities, too large, too deep),
     an unsupported document type, or an artefacts/configuration problem
`--format json` prints {"valid", "document_type", "artefacts_version", "findings": [...]}.
`--rules` (repeatable or comma-separated) forces the Schematron rule sets, e.g.
`--rules EN16931-UBL-validation` for the CEN test files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from gateway.cli._io import looks_like_json, read_input
from gateway.cli.errors import EXIT_FINDINGS, EXIT_OK, reported_errors
from gateway.errors import UnsupportedDocumentError
from gateway.exchange.analysis import JSON_MEDIA_TYPE, XML_MEDIA_TYPE, DocumentAnalyzer
from gateway.findings import Report
from gateway.jsonio import dump_json
from gateway.settings import Settings
from gateway.validation.artefacts import Artefacts
from gateway.validation.pipeline import Validator

FINDING_KEYS = ("rule_id", "severity", "layer", "message", "xpath", "json_pointer")


def _rule_sets(values: tuple[str, ...]) -> tuple[str, ...] | None:
    names = tuple(n.strip() for value in values for n in value.split(",") if n.strip())
    return names or None


def _validator(settings: Settings, artefacts_dir: Path | None) -> Validator:
    if artefacts_dir is not None:
        return Validator(Artefacts(artefacts_dir), settings=settings)
    return Validator(settings=settings)


def validate_bytes(data: bytes, validator: Validator, rule_sets: tuple[str, ...] | None) -> Report:
    """One document through every layer, as the API reads it (gateway.exchange.analysis)."""
    if rule_sets:  # forced official rule sets: the official layers judge alone
        if looks_like_json(data):
            raise UnsupportedDocumentError("--rules applies to UBL XML input only")
        return validator.validate_xml(data, rule_sets=rule_sets)
    media_type = JSON_MEDIA_TYPE if looks_like_json(data) else XML_MEDIA_TYPE
    analysis = DocumentAnalyzer(validator).analyze(data, media_type)
    if analysis.error is not None:
        raise analysis.error
    return analysis.report


def report_json(report: Report) -> dict[str, Any]:
    return {
        "valid": report.valid,
        "document_type": report.document_type,
        "artefacts_version": report.artefacts_version,
        "findings": [
            {key: f.to_dict()[key] for key in FINDING_KEYS} for f in report.findings
        ],
    }


def _print_text(report: Report) -> None:
    verdict = "VALID" if report.valid else "INVALID"
    version = report.artefacts_version or "none (official layers skipped)"
    click.echo(f"{verdict}: {report.document_type or 'unknown type'}; artefacts: {version}")
    for finding in report.findings:
        where = finding.json_pointer or finding.xpath
        click.echo(f"  {finding.severity.value:<7} {finding.layer.value:<10} {finding.rule_id}: "
                   f"{finding.message}")
        if where:
            click.echo(f"          at {where}")
    run = ", ".join(layer.value for layer in report.layers_run)
    skipped = ", ".join(layer.value for layer in report.layers_skipped) or "none"
    click.echo(f"layers run: {run}; skipped: {skipped}")


@click.command("validate")
@click.argument("source", metavar="INPUT")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--artefacts", "artefacts_dir", type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Artefacts directory (default: GATEWAY_ARTEFACTS_DIR or the installed copy).",
)
@click.option(
    "--rules", multiple=True, metavar="RULESET",
    help="Force Schematron rule sets (repeatable or comma-separated).",
)
@click.pass_context
def command(
    ctx: click.Context,
    source: str,
    output_format: str,
    artefacts_dir: Path | None,
    rules: tuple[str, ...],
) -> None:
    """Validate a UBL document (or gateway JSON) layer by layer: parse, XSD, Schematron, rules."""
    with reported_errors():
        settings = Settings.load()
        data = read_input(source, settings.max_document_bytes)
        report = validate_bytes(data, _validator(settings, artefacts_dir), _rule_sets(rules))
    if output_format == "json":
        click.echo(dump_json(report_json(report)))
    else:
        _print_text(report)
    ctx.exit(EXIT_OK if report.valid else EXIT_FINDINGS)
