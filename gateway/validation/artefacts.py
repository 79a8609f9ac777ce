"""The official validation artefacts: a directory laid out like `shared/standards`.

The gateway never ships these files (the OpenPeppol artefacts carry no open licence). It reads
them from a directory the operator points at (`GATEWAY_ARTEFACTS_DIR`, `--artefacts DIR`) or from
a copy that `gateway artefacts install DIR|ZIP` made in the data dir, together with a
`MANIFEST.json` (file -> sha256, version, source, installed_at) that `status()` checks.

Layout used (MANIFEST.md of the standards folder):
  ubl-2.1/xsdrt/{common,maindoc}/*.xsd, ubl-2.3/xsdrt/...   UBL runtime schemas
  <package>/xslt/<RULE-SET-ID>.xslt                         compiled Schematron, one per rule set
  <package>/sch/<RULE-SET-ID>.sch                           sources (only read for the version)
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from gateway.errors import ArtefactsError
from gateway.validation.safezip import ZipLimits, check_archive, extract_archive
from gateway.validation.versions import ArtefactsVersion, detect_version

MANIFEST_NAME = "MANIFEST.json"
SOURCE_CHECKSUMS = "SHA256SUMS"
MANIFEST_FORMAT = "gateway-artefacts/1"

# What an install copies: schemas, compiled and source schematron, code lists and the
# attribution texts. Examples, unit tests and annotated schemas stay behind.
INSTALL_PATTERNS: tuple[str, ...] = (
    "MANIFEST.md",
    "*/NOTICE*",
    "*/LICENSE*",
    "ubl-*/xsdrt/*/*.xsd",
    "*/xslt/*.xslt",
    "*/sch/*.sch",
    "*/codelists/*.xml",
    "peppol-codelists/*.xsd",
    "peppol-codelists/*/*.json",
    "peppol-codelists/*/*.xml",
)
_LAYOUT_ANCHORS = frozenset(
    {"ubl-2.1", "ubl-2.3", "peppol-bis-billing-3", "peppol-poacc-3", "en16931", "peppol-codelists"}
)
_XSLT_SUFFIXES = (".xslt", ".xsl")


def is_artefact(relative: str) -> bool:
    """True when a path relative to the artefacts root is one `install` copies."""
    parts = PurePosixPath(relative).parts
    for pattern in INSTALL_PATTERNS:
        pattern_parts = PurePosixPath(pattern).parts
        if len(parts) == len(pattern_parts) and all(
            fnmatchcase(part, want) for part, want in zip(parts, pattern_parts, strict=True)
        ):
            return True
    return False


def is_documentation(relative: str) -> bool:
    """MANIFEST.md, NOTICE and LICENSE texts: they travel with the artefacts but decide nothing.

    A source SHA256SUMS is not checked for them: shared/standards/MANIFEST.md documents the
    SHA256SUMS file and was edited after the sums were taken.
    """
    return PurePosixPath(relative).suffix.lower() in {".md", ".txt"}


def normalise_rule_set(rule_set: str) -> str:
    """'EN16931-UBL-validation.xslt' and 'EN16931-UBL-validation' name the same rule set."""
    name = rule_set.strip()
    for suffix in _XSLT_SUFFIXES:
        name = name.removesuffix(suffix)
    return name


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _walk_files(root: Path) -> Iterator[str]:
    """Relative posix paths of the regular files below root (symlinks are not followed)."""
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        base = Path(directory)
        for name in sorted(filenames):
            yield (base / name).relative_to(root).as_posix()


@dataclass(frozen=True, slots=True)
class Integrity:
    """Result of checking the files against MANIFEST.json (installed) or SHA256SUMS (source)."""

    basis: str | None  # MANIFEST.json, SHA256SUMS or None (nothing to check against)
    checked: int = 0
    modified: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()

    @property
    def state(self) -> str:
        if self.basis is None:
            return "unverified"
        return "modified" if (self.modified or self.missing or self.unexpected) else "ok"

    @property
    def intact(self) -> bool:
        return self.state != "modified"

    def describe(self) -> str:
        if self.basis is None:
            return "unverified (no MANIFEST.json or SHA256SUMS)"
        problems = [
            f"{label}: {', '.join(paths)}"
            for label, paths in (
                ("modified", self.modified), ("missing", self.missing),
                ("unexpected", self.unexpected),
            )
            if paths
        ]
        if not problems:
            return f"ok ({self.checked} files match {self.basis})"
        return f"NOT intact against {self.basis}: " + "; ".join(problems)


@dataclass(frozen=True, slots=True)
class ArtefactsStatus:
    root: Path
    version: ArtefactsVersion
    integrity: Integrity
    source: str | None = None
    installed_at: str | None = None
    rule_sets: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "version": self.version.label,
            "components": dict(self.version.components),
            "rule_sets": dict(self.rule_sets),
            "source": self.source,
            "installed_at": self.installed_at,
            "integrity": {
                "state": self.integrity.state,
                "basis": self.integrity.basis,
                "checked": self.integrity.checked,
                "modified": list(self.integrity.modified),
                "missing": list(self.integrity.missing),
                "unexpected": list(self.integrity.unexpected),
            },
        }


class Artefacts:
    """Read access to one artefacts directory: rule sets, schemas, version, integrity."""

    def __init__(self, root: Path) -> None:
        root = Path(root)
        if not root.is_dir():
            raise ArtefactsError(f"artefacts directory {root} does not exist")
        self.root = root.resolve()
        if not self.xslt_files and not (self.root / "ubl-2.1").is_dir():
            raise ArtefactsError(
                f"{root} holds no validation artefacts "
                "(expected a folder laid out like shared/standards: ubl-2.1/xsdrt, */xslt/*.xslt)"
            )

    def __repr__(self) -> str:
        return f"Artefacts({str(self.root)!r})"

    @cached_property
    def xslt_files(self) -> dict[str, Path]:
        """Rule-set id (file stem) -> compiled Schematron, for every `<package>/xslt/*.xslt`."""
        found: dict[str, Path] = {}
        for path in sorted(self.root.glob("*/xslt/*.xslt")):
            if path.stem in found:
                raise ArtefactsError(
                    f"rule set {path.stem} is ambiguous: {found[path.stem]} and {path}"
                )
            found[path.stem] = path
        return found

    @property
    def rule_set_ids(self) -> tuple[str, ...]:
        return tuple(self.xslt_files)

    def xslt(self, rule_set: str) -> Path:
        name = normalise_rule_set(rule_set)
        try:
            return self.xslt_files[name]
        except KeyError:
            known = ", ".join(self.rule_set_ids) or "none"
            raise ArtefactsError(
                f"rule set {rule_set!r} is not in the artefacts at {self.root} (known: {known})"
            ) from None

    def xsd(self, relative: str) -> Path:
        """A schema path under the root (registry `DocumentType.xsd`)."""
        if ".." in PurePosixPath(relative).parts or PurePosixPath(relative).is_absolute():
            raise ArtefactsError(f"schema path {relative!r} must stay inside the artefacts dir")
        path = self.root / relative
        if not path.is_file():
            raise ArtefactsError(f"schema {relative} is missing from the artefacts at {self.root}")
        return path

    @cached_property
    def version(self) -> ArtefactsVersion:
        return detect_version(self.root, self.xslt_files)

    @cached_property
    def manifest(self) -> dict[str, Any] | None:
        path = self.root / MANIFEST_NAME
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ArtefactsError(f"unreadable {path}: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
            raise ArtefactsError(f"{path} is not an artefacts manifest")
        return data

    def verify(self) -> Integrity:
        """Compare every artefact file with MANIFEST.json, else with SHA256SUMS."""
        if self.manifest is not None:
            expected = {str(k): str(v) for k, v in self.manifest["files"].items()}
            return self._compare(expected, MANIFEST_NAME)
        sums = self.root / SOURCE_CHECKSUMS
        if sums.is_file():
            listed = read_checksums(sums)
            checked = {
                k: v for k, v in listed.items() if is_artefact(k) and not is_documentation(k)
            }
            return self._compare(checked, sums.name, skip=is_documentation)
        return Integrity(basis=None)

    def require_intact(self) -> None:
        integrity = self.verify()
        if not integrity.intact:
            raise ArtefactsError(f"artefacts at {self.root} are {integrity.describe()}")

    def _compare(
        self, expected: dict[str, str], basis: str, skip: Callable[[str], bool] | None = None
    ) -> Integrity:
        modified, missing = [], []
        for relative, digest in sorted(expected.items()):
            path = self.root / relative
            if not path.is_file():
                missing.append(relative)
            elif sha256_file(path) != digest:
                modified.append(relative)
        present = {
            p for p in _walk_files(self.root) if is_artefact(p) and not (skip and skip(p))
        }
        unexpected = sorted(present - expected.keys())
        return Integrity(
            basis=basis, checked=len(expected), modified=tuple(modified),
            missing=tuple(missing), unexpected=tuple(unexpected),
        )

    def status(self) -> ArtefactsStatus:
        manifest = self.manifest or {}
        return ArtefactsStatus(
            root=self.root,
            version=self.version,
            integrity=self.verify(),
            source=manifest.get("source"),
            installed_at=manifest.get("installed_at"),
            rule_sets=dict(self.version.rule_sets),
        )


def read_checksums(path: Path) -> dict[str, str]:
    """`sha256sum` output ("<hex>  ./relative/path") as {relative: hex}."""
    result: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.strip().partition("  ")
        if digest and name:
            result[name.removeprefix("./").lstrip("*")] = digest.lower()
    return result


# --- install ---------------------------------------------------------------------------------


def _source_root(src: Path) -> Path:
    """The folder holding the layout: src itself or its single child that does."""
    if any((src / anchor).is_dir() for anchor in _LAYOUT_ANCHORS):
        return src
    children = [c for c in src.iterdir() if c.is_dir() and not c.name.startswith(".")]
    matching = [c for c in children if any((c / a).is_dir() for a in _LAYOUT_ANCHORS)]
    if len(matching) == 1:
        return matching[0]
    anchors = ", ".join(sorted(_LAYOUT_ANCHORS))
    raise ArtefactsError(f"{src} is not laid out like shared/standards (none of {anchors})")


def _zip_prefix(names: Iterable[str]) -> str:
    """The path prefix above the layout folders inside an archive ('' or 'standards/')."""
    prefixes = set()
    for name in names:
        if name.startswith("__MACOSX/"):
            continue
        parts = PurePosixPath(name).parts
        for index, part in enumerate(parts[:-1]):
            if part in _LAYOUT_ANCHORS:
                prefixes.add("/".join(parts[:index]))
                break
    if len(prefixes) != 1:
        raise ArtefactsError(
            "archive is not laid out like shared/standards"
            + (f" (several roots: {sorted(prefixes)})" if prefixes else "")
        )
    prefix = prefixes.pop()
    return f"{prefix}/" if prefix else ""


def _stage_from_dir(src: Path, staging: Path) -> None:
    root = _source_root(src)
    for relative in _walk_files(root):
        if not (is_artefact(relative) or relative == SOURCE_CHECKSUMS):
            continue
        source = root / relative
        if source.is_symlink():
            raise ArtefactsError(f"refusing to copy symbolic link {source}")
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def _stage_from_zip(src: Path, staging: Path, limits: ZipLimits | None) -> None:
    try:
        with zipfile.ZipFile(src) as archive:
            infos = check_archive(archive, limits or ZipLimits())  # unsafe names fail first
    except zipfile.BadZipFile as exc:
        raise ArtefactsError(f"cannot read archive {src}: {exc}") from None
    prefix = _zip_prefix(i.filename for i in infos if not i.is_dir())

    def wanted(name: str) -> str | None:
        if not name.startswith(prefix):
            return None
        relative = name[len(prefix):]
        return relative if is_artefact(relative) or relative == SOURCE_CHECKSUMS else None

    extract_archive(src, staging, wanted, limits)


def _check_source_checksums(staging: Path) -> str:
    sums = staging / SOURCE_CHECKSUMS
    if not sums.is_file():
        return "none (the source has no SHA256SUMS)"
    listed = read_checksums(sums)
    sums.unlink()
    checked = 0
    for relative in _walk_files(staging):
        digest = listed.get(relative)
        if digest is None or is_documentation(relative):
            continue
        if sha256_file(staging / relative) != digest:
            raise ArtefactsError(f"source file {relative} does not match the source SHA256SUMS")
        checked += 1
    return f"{checked} files verified against the source SHA256SUMS"


def _write_manifest(staging: Path, source: Path, source_checksums: str, now: datetime) -> None:
    if not any(staging.glob("*/xslt/*.xslt")) or not (staging / "ubl-2.1" / "xsdrt").is_dir():
        raise ArtefactsError(
            f"{source} lacks the compiled Schematron (*/xslt/*.xslt) or the UBL 2.1 xsdrt schemas"
        )
    version = Artefacts(staging).version
    manifest = {
        "format": MANIFEST_FORMAT,
        "version": version.label,
        "components": version.components,
        "rule_sets": version.rule_sets,
        "source": str(source),
        "source_checksums": source_checksums,
        "installed_at": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "files": {rel: sha256_file(staging / rel) for rel in _walk_files(staging)},
    }
    text = json.dumps(manifest, indent=2, sort_keys=False) + "\n"
    (staging / MANIFEST_NAME).write_text(text, encoding="utf-8")


def _replace_dir(staging: Path, dest: Path) -> None:
    if dest.exists():
        if not dest.is_dir():
            raise ArtefactsError(f"{dest} exists and is not a directory")
        if any(dest.iterdir()) and not (dest / MANIFEST_NAME).is_file():
            raise ArtefactsError(
                f"{dest} is not empty and holds no {MANIFEST_NAME}; not replacing it"
            )
        old = dest.with_name(f".{dest.name}.old-{secrets.token_hex(4)}")
        dest.rename(old)
        staging.rename(dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(dest)


def install(
    src: Path,
    dest: Path,
    *,
    limits: ZipLimits | None = None,
    now: datetime | None = None,
) -> Artefacts:
    """Copy the artefacts of a directory or .zip laid out like shared/standards into `dest`.

    Only schemas, compiled/source Schematron, code lists and attribution texts are copied
    (see INSTALL_PATTERNS); files are checked against the source SHA256SUMS when present, and a
    MANIFEST.json records every file's sha256, the detected version, the source and the time.
    """
    src = Path(src)
    dest = Path(dest)
    if not src.exists():
        raise ArtefactsError(f"artefacts source {src} does not exist")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.with_name(f".{dest.name}.staging-{secrets.token_hex(4)}")
    staging.mkdir()
    try:
        if src.is_dir():
            _stage_from_dir(src, staging)
        elif zipfile.is_zipfile(src):
            _stage_from_zip(src, staging, limits)
        else:
            raise ArtefactsError(f"{src} is neither a directory nor a .zip archive")
        checksums = _check_source_checksums(staging)
        _write_manifest(staging, src.resolve(), checksums, now or datetime.now(UTC))
        _replace_dir(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Artefacts(dest)
