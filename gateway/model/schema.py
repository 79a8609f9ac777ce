"""JSON Schema of the canonical models, generated into schemas/<document type>.schema.json.

One file per registry type whose model class exists (a flavour gets its own file with its own
title, even when it shares the model). Each property carries its EN 16931 term as "bt".
`check` reports the files that differ from what the models generate; a test and
`gateway schema generate --check` use it so the committed schemas never go stale.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gateway.documents.registry import REGISTRY, DocumentType

DEFAULT_SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def file_name(doc_type: DocumentType) -> str:
    return f"{doc_type.key}.schema.json"


def model_exists(doc_type: DocumentType) -> bool:
    """Whether the type's model class is there yet (other errors in the module propagate)."""
    module_name, _, class_name = doc_type.model_path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return False
        raise
    return hasattr(module, class_name)


def types_with_models(types: Iterable[DocumentType] = REGISTRY) -> list[DocumentType]:
    return [doc_type for doc_type in types if model_exists(doc_type)]


def schema_for(doc_type: DocumentType) -> dict[str, Any]:
    """The JSON Schema (2020-12) of the type's JSON input."""
    body: dict[str, Any] = doc_type.model.model_json_schema(mode="validation")
    header = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"urn:einvoice-gateway:schema:{doc_type.key}",
        "title": doc_type.title,
        "description": (
            f"Canonical JSON of a {doc_type.title} (root {doc_type.root}, CustomizationID "
            f"{doc_type.customization_id}). Generated from {doc_type.model_path}; "
            "do not edit."
        ),
    }
    body.pop("title", None)
    body.pop("description", None)
    return {**header, **body}


def schema_text(doc_type: DocumentType) -> str:
    return json.dumps(schema_for(doc_type), indent=2, ensure_ascii=False) + "\n"


def generate(directory: Path = DEFAULT_SCHEMA_DIR,
             types: Iterable[DocumentType] | None = None) -> list[Path]:
    """Write the schema of every type with a model; return the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for doc_type in types_with_models() if types is None else types:
        path = directory / file_name(doc_type)
        path.write_text(schema_text(doc_type), encoding="utf-8")
        written.append(path)
    return written


def check(directory: Path = DEFAULT_SCHEMA_DIR,
          types: Iterable[DocumentType] | None = None) -> list[str]:
    """Problems that make the schemas in `directory` stale (empty when up to date)."""
    problems = []
    expected = types_with_models() if types is None else list(types)
    for doc_type in expected:
        path = directory / file_name(doc_type)
        if not path.exists():
            problems.append(f"{path.name}: missing")
        elif path.read_text(encoding="utf-8") != schema_text(doc_type):
            problems.append(f"{path.name}: differs from the {doc_type.model_path} model")
    known = {file_name(t) for t in expected}
    if directory.exists():
        problems.extend(
            f"{path.name}: no registered type with a model generates it"
            for path in sorted(directory.glob("*.schema.json")) if path.name not in known
        )
    return problems
