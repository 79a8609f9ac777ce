"""Shared fixtures: where the official artefacts live (never copied into this repository)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _standards_dir() -> Path | None:
    explicit = os.environ.get("GATEWAY_TEST_STANDARDS")
    candidates = [Path(explicit)] if explicit else []
    candidates.append(REPO_ROOT.parent / "shared" / "standards")
    for candidate in candidates:
        if (candidate / "MANIFEST.md").exists():
            return candidate
    return None


STANDARDS_DIR = _standards_dir()


@pytest.fixture(scope="session")
def standards_dir() -> Path:
    if STANDARDS_DIR is None:
        if os.environ.get("CI"):
            pytest.fail("official standards not found next to the checkout (../shared/standards)")
        pytest.skip("official standards not available (set GATEWAY_TEST_STANDARDS)")
    return STANDARDS_DIR


def _transport_vectors_dir() -> Path | None:
    explicit = os.environ.get("GATEWAY_TEST_TRANSPORT_VECTORS")
    candidates = [Path(explicit)] if explicit else []
    candidates.append(REPO_ROOT.parent / "shared" / "transport-vectors")
    for candidate in candidates:
        if (candidate / "README.md").exists() and (candidate / "as4").is_dir():
            return candidate
    return None


TRANSPORT_VECTORS_DIR = _transport_vectors_dir()


@pytest.fixture(scope="session")
def transport_vectors_dir() -> Path:
    """Real AS4/SMP/AS2 vectors (../shared/transport-vectors); never copied into the repo."""
    if TRANSPORT_VECTORS_DIR is None:
        if os.environ.get("CI"):
            pytest.fail("transport vectors not found next to the checkout (../shared/...)")
        pytest.skip("transport vectors not available (set GATEWAY_TEST_TRANSPORT_VECTORS)")
    return TRANSPORT_VECTORS_DIR
