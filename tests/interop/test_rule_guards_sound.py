"""A rule guard may only skip what cannot fire: over the official billing documents, a rule
whose guard is false yields nothing when it is run anyway.

The guards (national families, VAT categories) are a speed device of the runner; this checks,
on every official example, snippet, national example and EN 16931 test file, that each is a
necessary condition of its rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gateway.documents.convert import xml_to_model
from gateway.errors import GatewayError
from gateway.validation.rules.registry import RuleContext, all_rules, own_rule_sets

SOURCES = ("peppol-bis-billing-3/examples*/*.xml", "peppol-bis-billing-3/snippets/*.xml",
           "peppol-bis-billing-3/national-examples/*/*.xml", "en16931/examples/*.xml",
           "en16931/testfiles/*.xml")


def _documents(standards: Path) -> list[Path]:
    return sorted(p for pattern in SOURCES for p in standards.glob(pattern))


def test_guarded_rules_find_nothing_where_their_guard_is_false(standards_dir: Path) -> None:
    guarded = [r for r in all_rules() if r.applies is not None]
    assert guarded
    checked = skipped_checks = 0
    failures: list[str] = []
    for path in _documents(standards_dir):
        try:
            doc_type, model, _ = xml_to_model(path.read_bytes())
        except GatewayError:
            continue
        sets = set(own_rule_sets(doc_type.rule_sets))
        checked += 1
        for r in guarded:
            if r.rule_set not in sets:
                continue
            ctx: RuleContext[Any] = RuleContext(model=model, doc_type=doc_type.key)
            if r.applies is not None and r.applies(ctx):
                continue
            skipped_checks += 1
            if list(r.func(ctx)):
                failures.append(f"{path.name}: {r.rule_id}")
    if checked == 0:
        pytest.skip("no readable billing document in the standards folder")
    assert skipped_checks > 0
    assert failures == []
