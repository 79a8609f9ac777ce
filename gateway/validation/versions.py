"""Version detection for an artefacts directory, read from the files themselves.

Nothing is hard-coded: the Peppol billing release comes from the comment heading
`PEPPOL-EN16931-UBL.sch` ("Last update: 2026 May release 3.0.21."), the EN 16931 version from
the "Schematron version 1.3.16" comment of the CEN files, each POACC transaction version from the
`svrl:schematron-output/@title` its compiled XSLT writes ("Rules for Peppol Order transaction 3.7")
and the POACC release from the MANIFEST.md folder line ("…post-award transactions, 2026 May
release"), else the list of transaction versions. A component whose source is absent is left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"),
        start=1,
    )
}

_HEAD_BYTES = 256 * 1024
_PEPPOL_RELEASE = re.compile(r"(\d{4})\s+([A-Za-z]+)\s+release\s+(\d+(?:\.\d+)+)")
_RELEASE_VERSION = re.compile(r"\d{4}\s+[A-Za-z]+\s+release\s+(\d+(?:\.\d+)+)")
_SCHEMATRON_VERSION = re.compile(r"Schematron version\s+(\d+(?:\.\d+)+)")
_SVRL_TITLE = re.compile(r"<svrl:schematron-output\b[^>]*\btitle=\"([^\"]*)\"")
_SCH_TITLE = re.compile(r"<(?:sch:)?title>\s*([^<]*?)\s*</(?:sch:)?title>")
_TRAILING_VERSION = re.compile(r"(\d+(?:\.\d+)+)\s*$")
_MANIFEST_RELEASE = re.compile(r"(\d{4})\s+([A-Za-z]+)\s+release")


@dataclass(frozen=True, slots=True)
class ArtefactsVersion:
    """What an artefacts directory holds: named components and one title per rule set."""

    components: dict[str, str] = field(default_factory=dict)
    rule_sets: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The string recorded with each validation result, e.g.
        "Peppol BIS Billing 3.0.21, Self-Billing 3.0.2, EN16931 1.3.16, POACC 2026.5"."""
        if not self.components:
            return "unknown"
        return ", ".join(f"{name} {version}" for name, version in self.components.items())


def _head(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return handle.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _release(year: str, month: str) -> str | None:
    number = _MONTHS.get(month.lower())
    return f"{year}.{number}" if number else None


def _peppol_release(sch: Path) -> str | None:
    """The version from a Peppol billing .sch heading ("Last update: 2026 May release 3.0.21.")."""
    match = _PEPPOL_RELEASE.search(_head(sch)) if sch.is_file() else None
    return match.group(3) if match else None


def _first_match(pattern: re.Pattern[str], paths: Iterable[Path]) -> str | None:
    for path in paths:
        if path.is_file() and (match := pattern.search(_head(path))):
            return match.group(1)
    return None


def rule_set_title(xslt: Path) -> str:
    """The SVRL title of a compiled schematron (else its .sch title), plus the release or
    schematron version of its heading comment when the title carries none:
    "Rules for Peppol BIS 3.0 Billing (3.0.21)", "Rules for Peppol Order transaction 3.7"."""
    sch = xslt.parent.parent / "sch" / (xslt.stem + ".sch")
    title = _first_match(_SVRL_TITLE, [xslt]) or _first_match(_SCH_TITLE, [sch]) or ""
    title = " ".join(title.split())
    if _TRAILING_VERSION.search(title):
        return title
    version = _first_match(_RELEASE_VERSION, [xslt, sch]) or _first_match(
        _SCHEMATRON_VERSION, [xslt, sch]
    )
    return f"{title} ({version})".strip() if version else title


def _poacc_release(root: Path) -> str | None:
    manifest = root / "MANIFEST.md"
    if not manifest.is_file():
        return None
    for line in _head(manifest).splitlines():
        if line.strip().startswith("peppol-poacc-3/"):
            match = _MANIFEST_RELEASE.search(line)
            if match:
                return _release(match.group(1), match.group(2))
    return None


def _poacc_transactions(rule_sets: dict[str, str]) -> str | None:
    versions = []
    for rule_set, title in sorted(rule_sets.items()):
        match = _TRAILING_VERSION.search(title)
        if rule_set.startswith("PEPPOLBIS-") and match:
            versions.append(f"{rule_set.removeprefix('PEPPOLBIS-')} {match.group(1)}")
    return "/".join(versions) or None


def detect_version(root: Path, xslt_files: dict[str, Path]) -> ArtefactsVersion:
    """Read the versions of everything under `root` (see the module docstring for sources)."""
    rule_sets = {rule_set: rule_set_title(path) for rule_set, path in sorted(xslt_files.items())}
    components: dict[str, str] = {}
    billing = _peppol_release(root / "peppol-bis-billing-3/sch/PEPPOL-EN16931-UBL.sch")
    self_billing = _peppol_release(root / "peppol-bis-billing-3/sch/PEPPOL-EN16931-UBL-SB.sch")
    if billing:
        components["Peppol BIS Billing"] = billing
    if self_billing:
        components["Self-Billing"] = self_billing
    en16931 = _first_match(_SCHEMATRON_VERSION, [
        root / "en16931/xslt/EN16931-UBL-validation.xslt",
        root / "en16931/sch/EN16931-UBL-validation.sch",
        root / "peppol-bis-billing-3/sch/CEN-EN16931-UBL.sch",
        root / "peppol-bis-billing-3/xslt/CEN-EN16931-UBL.xslt",
    ])
    if en16931:
        components["EN16931"] = en16931
    if any(name.startswith("PEPPOLBIS-") for name in rule_sets):
        poacc = _poacc_release(root) or _poacc_transactions(rule_sets)
        if poacc:
            components["POACC"] = poacc
    return ArtefactsVersion(components=components, rule_sets=rule_sets)
