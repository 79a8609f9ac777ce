"""Rule guards (`rule(..., applies=...)`): one test per run skips a whole family of rules."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.findings import Severity
from gateway.validation.rules import registry
from gateway.validation.rules.registry import RuleContext, Violation, run_rules


@pytest.fixture
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    registry.all_rules()  # load the rule modules before isolating the registry
    monkeypatch.setattr(registry, "_RULES", dict(registry._RULES))
    monkeypatch.setattr(registry, "_SELECTIONS", {})


def _always(ctx: RuleContext[Any]) -> Any:
    return (Violation(("id",)),)


@pytest.mark.usefixtures("isolated_registry")
def test_guard_is_tested_once_per_run_and_skips_its_rules_when_false() -> None:
    calls: list[str] = []

    def guard(ctx: RuleContext[Any]) -> bool:
        calls.append("guard")
        return bool(ctx.model["german"])

    for rule_id in ("TEST-G1", "TEST-G2", "TEST-G3"):
        registry.rule(rule_id, "m", rule_set="TEST", applies=guard)(_always)
    registry.rule("TEST-FREE", "m", rule_set="TEST")(_always)

    skipped = run_rules({"german": False}, "invoice", ["TEST"])
    assert [f.rule_id for f in skipped] == ["TEST-FREE"]
    assert calls == ["guard"]

    calls.clear()
    ran = run_rules({"german": True}, "invoice", ["TEST"])
    assert [f.rule_id for f in ran] == ["TEST-G1", "TEST-G2", "TEST-G3", "TEST-FREE"]
    assert calls == ["guard"]


@pytest.mark.usefixtures("isolated_registry")
def test_a_guard_that_raises_lets_its_rules_run_and_report() -> None:
    def broken(ctx: RuleContext[Any]) -> bool:
        raise KeyError("no such field")

    def crashing(ctx: RuleContext[Any]) -> Any:
        raise KeyError("no such field")

    registry.rule("TEST-RUNS", "m", rule_set="TEST", applies=broken)(_always)
    registry.rule("TEST-CRASH", "m", rule_set="TEST", applies=broken)(crashing)
    by_id = {f.rule_id: f for f in run_rules({}, "invoice", ["TEST"])}
    assert by_id["TEST-RUNS"].severity is Severity.FATAL
    assert by_id["TEST-CRASH"].severity is Severity.WARNING
    assert "KeyError" in by_id["TEST-CRASH"].message


def test_national_and_vat_category_families_are_guarded() -> None:
    guarded = {r.rule_id for r in registry.all_rules() if r.applies is not None}
    for rule_id in ("DE-R-001", "DK-R-002", "SE-R-001", "GR-R-001-1", "GR-R-009", "NO-R-001",
                    "IT-R-001", "IS-R-001", "NL-R-001", "BR-AE-01", "BR-G-10"):
        assert rule_id in guarded
    for rule_id in ("BR-01", "BR-CO-10", "PEPPOL-EN16931-R008", "BR-CL-03"):
        assert rule_id not in guarded
