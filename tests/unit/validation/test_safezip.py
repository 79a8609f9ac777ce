"""Hardened zip extraction: every unsafe entry rejects the whole archive before any write."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from gateway.errors import ArtefactsError
from gateway.validation.safezip import ZipLimits, extract_archive


def _everything(name: str) -> str:
    return name


def _zip(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return path


def test_extracts_wanted_entries_only(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", [("keep/a.xml", b"<a/>"), ("drop/b.xml", b"<b/>")])
    out = tmp_path / "out"
    written = extract_archive(archive, out, lambda n: n if n.startswith("keep/") else None)
    assert written == ["keep/a.xml"]
    assert (out / "keep/a.xml").read_bytes() == b"<a/>"
    assert not (out / "drop").exists()


def test_symlink_entry_is_rejected(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("rules/link.xslt")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = _zip(tmp_path / "a.zip", [(link, b"/etc/passwd")])
    with pytest.raises(ArtefactsError, match="symbolic link"):
        extract_archive(archive, tmp_path / "out", _everything)
    assert not (tmp_path / "out").exists()


def test_duplicate_entries_are_rejected(tmp_path: Path) -> None:
    archive = tmp_path / "dup.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("x.xslt", b"1")
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("x.xslt", b"2")
    with pytest.raises(ArtefactsError, match="duplicate"):
        extract_archive(archive, tmp_path / "out", _everything)


def test_compression_bomb_is_rejected(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "bomb.zip", [("big.xml", b"\0" * (8 * 1024 * 1024))])
    with pytest.raises(ArtefactsError, match="compression ratio"):
        extract_archive(archive, tmp_path / "out", _everything)


def test_size_limits_apply(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", [("a.xml", b"x" * 2000), ("b.xml", b"y" * 2000)])
    with pytest.raises(ArtefactsError, match="limit 1000"):
        extract_archive(archive, tmp_path / "out", _everything, ZipLimits(max_file_bytes=1000))
    with pytest.raises(ArtefactsError, match="expands to 4000 bytes"):
        extract_archive(archive, tmp_path / "out", _everything, ZipLimits(max_total_bytes=3000))
    with pytest.raises(ArtefactsError, match="2 entries"):
        extract_archive(archive, tmp_path / "out", _everything, ZipLimits(max_entries=1))


def test_wanted_cannot_escape_the_target(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", [("a.xml", b"<a/>")])
    with pytest.raises(ArtefactsError, match="outside the target"):
        extract_archive(archive, tmp_path / "out", lambda n: "../" + n)
    assert not (tmp_path / "a.xml").exists()


def test_corrupt_archive_is_a_clear_error(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", [("a.xml", b"<a/>" * 1000)])
    data = bytearray(archive.read_bytes())
    data[40:80] = b"\xff" * 40  # damage the compressed stream
    archive.write_bytes(bytes(data))
    with pytest.raises(ArtefactsError, match="cannot read archive"):
        extract_archive(archive, tmp_path / "out", _everything)
