"""The JSON Schemas in schemas/ are generated from the models and must not go stale."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gateway.cli.main import cli
from gateway.documents.registry import REGISTRY
from gateway.model import schema


def test_committed_schemas_are_up_to_date() -> None:
    problems = schema.check()
    assert problems == [], "run `gateway schema generate`: " + "; ".join(problems)


def test_invoice_schema_carries_business_terms() -> None:
    generated = schema.schema_for(REGISTRY.get("invoice"))
    assert generated["$schema"] == schema.JSON_SCHEMA_DIALECT
    assert generated["properties"]["issue_date"]["bt"] == "BT-2"
    assert generated["properties"]["issue_date"]["anyOf"][0] == {"type": "string",
                                                                "format": "date"}
    totals = generated["$defs"]["DocumentTotals"]["properties"]["payable_amount"]
    assert totals["bt"] == "BT-115"
    assert {"type": "string", "pattern": r"^[+-]?\d+(\.\d+)?$"} in totals["anyOf"]
    assert generated["additionalProperties"] is False


def test_every_billing_type_gets_a_schema() -> None:
    keys = {t.key for t in schema.types_with_models()}
    assert {"invoice", "credit-note", "self-billing-invoice", "self-billing-credit-note",
            "en16931-invoice", "en16931-credit-note"} <= keys


def test_check_reports_missing_changed_and_extra_files(tmp_path: Path) -> None:
    types = [REGISTRY.get("invoice"), REGISTRY.get("credit-note")]
    assert schema.check(tmp_path, types) == [
        "invoice.schema.json: missing", "credit-note.schema.json: missing"]
    schema.generate(tmp_path, types)
    assert schema.check(tmp_path, types) == []
    changed = tmp_path / "invoice.schema.json"
    data = json.loads(changed.read_text())
    data["title"] = "edited"
    changed.write_text(json.dumps(data))
    (tmp_path / "ghost.schema.json").write_text("{}")
    assert schema.check(tmp_path, types) == [
        "invoice.schema.json: differs from the gateway.model.invoice:Invoice model",
        "ghost.schema.json: no registered type with a model generates it",
    ]


def test_cli_generate_and_check(tmp_path: Path) -> None:
    runner = CliRunner()
    stale = runner.invoke(cli, ["schema", "generate", "--check", "--directory", str(tmp_path)])
    assert stale.exit_code == 1
    assert "invoice.schema.json: missing" in stale.output
    written = runner.invoke(cli, ["schema", "generate", "--directory", str(tmp_path)])
    assert written.exit_code == 0
    assert (tmp_path / "credit-note.schema.json").exists()
    fresh = runner.invoke(cli, ["schema", "generate", "--check", "--directory", str(tmp_path)])
    assert fresh.exit_code == 0, fresh.output
