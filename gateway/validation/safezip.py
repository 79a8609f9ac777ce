"""Hardened extraction of an artefacts archive.

The whole archive is checked before a byte is written: no absolute or drive paths, no `..`
segments, no backslashes, no symlinks, no encrypted entries, no duplicate names, a bounded
number of entries and bounded (declared and actual) sizes and compression ratios. Only the
entries that `wanted` accepts are written, and only below `dest`.
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gateway.errors import ArtefactsError

_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class ZipLimits:
    max_entries: int = 20_000
    max_file_bytes: int = 64 * 1024 * 1024
    max_total_bytes: int = 512 * 1024 * 1024
    max_ratio: int = 200  # uncompressed / compressed, for entries over 1 MiB


def _unsafe_reason(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if not name or "\x00" in name:
        return "empty or NUL in name"
    if "\\" in name:
        return "backslash in path"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    if any(part == ".." for part in PurePosixPath(name).parts):
        return "path traversal ('..')"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "symbolic link"
    if info.flag_bits & 0x1:
        return "encrypted entry"
    return None


def _check_sizes(info: zipfile.ZipInfo, limits: ZipLimits) -> str | None:
    if info.file_size > limits.max_file_bytes:
        return f"entry is {info.file_size} bytes (limit {limits.max_file_bytes})"
    large = info.file_size > 1024 * 1024
    if large and info.file_size > limits.max_ratio * max(info.compress_size, 1):
        return "compression ratio too high (zip bomb?)"
    return None


def check_archive(archive: zipfile.ZipFile, limits: ZipLimits) -> list[zipfile.ZipInfo]:
    """Every entry of the archive, or ArtefactsError naming the first unsafe one."""
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise ArtefactsError(f"archive has {len(infos)} entries (limit {limits.max_entries})")
    seen: set[str] = set()
    total = 0
    for info in infos:
        reason = _unsafe_reason(info) or _check_sizes(info, limits)
        if reason is None and info.filename in seen:
            reason = "duplicate entry"
        if reason is not None:
            raise ArtefactsError(f"unsafe archive entry {info.filename!r}: {reason}")
        seen.add(info.filename)
        total += info.file_size
    if total > limits.max_total_bytes:
        raise ArtefactsError(f"archive expands to {total} bytes (limit {limits.max_total_bytes})")
    return infos


def _copy_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> int:
    # The declared size can lie: count what is actually inflated.
    written = 0
    with archive.open(info) as source, target.open("wb") as sink:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > info.file_size:
                raise ArtefactsError(f"archive entry {info.filename!r} is larger than declared")
            sink.write(chunk)
    return written


def extract_archive(
    path: Path,
    dest: Path,
    wanted: Callable[[str], str | None],
    limits: ZipLimits | None = None,
) -> list[str]:
    """Extract the entries for which `wanted(name)` returns a relative target path.

    Returns the target paths written. Raises ArtefactsError for unsafe or unreadable archives.
    """
    limits = limits or ZipLimits()
    try:
        with zipfile.ZipFile(path) as archive:
            infos = check_archive(archive, limits)
            return _extract_checked(archive, infos, dest, wanted)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError) as exc:
        raise ArtefactsError(f"cannot read archive {path}: {exc}") from None


def _extract_checked(
    archive: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    dest: Path,
    wanted: Callable[[str], str | None],
) -> list[str]:
    root = dest.resolve()
    written: list[str] = []
    for info in infos:
        relative = None if info.is_dir() else wanted(info.filename)
        if relative is None:
            continue
        target = (root / relative).resolve()
        if not target.is_relative_to(root):
            raise ArtefactsError(f"unsafe archive entry {info.filename!r}: outside the target")
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_bounded(archive, info, target)
        written.append(relative)
    return written
