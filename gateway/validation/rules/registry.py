"""Own business rules over the canonical model, each registered under its official id.

A rule is a small function that receives a `RuleContext` and yields `Violation`s; the runner
turns them into `Finding`s with the JSON pointer of the field the user wrote and, through
the mapping, its XPath. Rules are grouped in rule sets named after the official artefact
they mirror, so a document type runs the same sets as its official validation:

    CEN    EN 16931 core (BR-*, BR-CO-*, BR-<category>-*, BR-DEC-*, BR-CL-*)
    PEPPOL Peppol BIS Billing 3.0 (PEPPOL-EN16931-R*, -CL*, PEPPOL-COMMON-*)
    PEPPOL-SB  Peppol Self-Billing 3.0
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from gateway.findings import Finding, Layer, Severity, json_pointer

ModelT = TypeVar("ModelT")
Path = tuple[str | int, ...]

RULE_SET_CEN = "CEN"
RULE_SET_PEPPOL = "PEPPOL"
RULE_SET_PEPPOL_SB = "PEPPOL-SB"

# Official rule-set id (gateway.documents.registry) -> own rule sets that mirror it.
OFFICIAL_TO_OWN: dict[str, tuple[str, ...]] = {
    "CEN-EN16931-UBL": (RULE_SET_CEN,),
    "EN16931-UBL-validation": (RULE_SET_CEN,),
    "PEPPOL-EN16931-UBL": (RULE_SET_PEPPOL,),
    "PEPPOL-EN16931-UBL-SB": (RULE_SET_PEPPOL_SB,),
}


@dataclass(frozen=True, slots=True)
class Violation:
    """One breach of a rule at a location in the canonical JSON."""

    path: Path = ()
    message: str | None = None  # overrides the rule's message when given


@dataclass(slots=True)
class RuleContext(Generic[ModelT]):
    """What a rule sees: the model, its document type key and a per-run cache."""

    model: ModelT
    doc_type: str
    cache: dict[str, Any] = field(default_factory=dict)

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]


RuleFunc = Callable[[RuleContext[Any]], Iterable[Violation]]
# A precondition shared by a family of rules (e.g. "the seller is German"), evaluated once per
# run: when it is false every rule guarded by it is skipped without being called.
Guard = Callable[[RuleContext[Any]], bool]


@dataclass(frozen=True, slots=True)
class Rule:
    rule_id: str
    rule_set: str
    severity: Severity
    message: str
    func: RuleFunc
    doc_types: frozenset[str] | None  # None: every type that runs the rule set
    bt: str | None
    applies: Guard | None = None  # a necessary condition of the rule firing (speed only)


_RULES: dict[tuple[str, str], Rule] = {}


def rule(
    rule_id: str,
    message: str,
    *,
    rule_set: str = RULE_SET_CEN,
    severity: Severity = Severity.FATAL,
    doc_types: Iterable[str] | None = None,
    bt: str | None = None,
    applies: Guard | None = None,
) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule function under its official id (`@rule("BR-CO-10", "...")`).

    `applies`, when given, must be false only where the rule cannot fire (the rule still
    checks its own context): it lets the runner skip a whole family, such as the German
    DE-R-* rules, after one test per run.
    """

    def register(func: RuleFunc) -> RuleFunc:
        key = (rule_set, rule_id)
        if key in _RULES:
            raise ValueError(f"rule {rule_id} registered twice in {rule_set}")
        _RULES[key] = Rule(
            rule_id=rule_id,
            rule_set=rule_set,
            severity=severity,
            message=message,
            func=func,
            doc_types=frozenset(doc_types) if doc_types is not None else None,
            bt=bt,
            applies=applies,
        )
        return func

    return register


def all_rules() -> list[Rule]:
    _load_rule_modules()
    return list(_RULES.values())


def rules_for(rule_sets: Iterable[str], doc_type: str) -> list[Rule]:
    return list(_selected(frozenset(rule_sets), doc_type))


# (rule sets, doc type) -> (registry size when selected, rules): rules are only ever added,
# so a selection stays valid while the registry keeps its size.
_SELECTIONS: dict[tuple[frozenset[str], str], tuple[int, tuple[Rule, ...]]] = {}


def _selected(wanted: frozenset[str], doc_type: str) -> tuple[Rule, ...]:
    """The rules of `wanted` for `doc_type`, selected once per registry state (hot path)."""
    _load_rule_modules()
    key = (wanted, doc_type)
    cached = _SELECTIONS.get(key)
    if cached is not None and cached[0] == len(_RULES):
        return cached[1]
    rules = tuple(
        r
        for r in _RULES.values()
        if r.rule_set in wanted and (r.doc_types is None or doc_type in r.doc_types)
    )
    _SELECTIONS[key] = (len(_RULES), rules)
    return rules


def own_rule_sets(official_rule_sets: Iterable[str]) -> tuple[str, ...]:
    sets: list[str] = []
    for official in official_rule_sets:
        for own in OFFICIAL_TO_OWN.get(official, ()):
            if own not in sets:
                sets.append(own)
    return tuple(sets)


XPathResolver = Callable[[Path], str | None]


def run_rules(
    model: Any,
    doc_type: str,
    rule_sets: Iterable[str],
    *,
    xpath_of: XPathResolver | None = None,
) -> list[Finding]:
    """Run every applicable rule; a rule that crashes is reported, never raised.

    This loop runs a few hundred rules per document, most of which find nothing: it is kept
    flat (no call per rule besides the rule itself) and skips guarded families at once.
    """
    context: RuleContext[Any] = RuleContext(model=model, doc_type=doc_type)
    findings: list[Finding] = []
    guards: dict[Guard, bool] = {}
    for r in _selected(frozenset(rule_sets), doc_type):
        guard = r.applies
        if guard is not None:
            holds = guards.get(guard)
            if holds is None:
                holds = guards[guard] = _holds(guard, context)
            if not holds:
                continue
        try:
            found = r.func(context)
            if not found:  # the common case, an empty tuple or list: nothing to build
                continue
            violations = list(found)
        except Exception as exc:  # a rule bug must not hide the other findings
            findings.append(_crashed(r, exc))
            continue
        if violations:
            findings.extend(_findings(r, violations, xpath_of))
    return findings


def _holds(guard: Guard, context: RuleContext[Any]) -> bool:
    """A guard that cannot be evaluated lets its rules run (and report their own error)."""
    try:
        return bool(guard(context))
    except Exception:
        return True


def _crashed(r: Rule, exc: Exception) -> Finding:
    return Finding(
        rule_id=r.rule_id,
        severity=Severity.WARNING,
        layer=Layer.RULES,
        message=f"rule {r.rule_id} could not be evaluated: {type(exc).__name__}: {exc}",
    )


def _findings(r: Rule, violations: list[Violation], xpath_of: XPathResolver | None
              ) -> list[Finding]:
    return [
        Finding(
            rule_id=r.rule_id,
            severity=r.severity,
            layer=Layer.RULES,
            message=violation.message or r.message,
            xpath=xpath_of(violation.path) if xpath_of else None,
            json_pointer=json_pointer(violation.path),
            bt=r.bt,
        )
        for violation in violations
    ]


_loaded = False


def _load_rule_modules() -> None:
    """Import every module of gateway.validation.rules so their decorators register."""
    global _loaded
    if _loaded:
        return
    import importlib
    import pkgutil

    import gateway.validation.rules as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name != "registry":
            importlib.import_module(f"{package.__name__}.{info.name}")
    _loaded = True
