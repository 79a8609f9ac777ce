"""`gateway remittance import FILE` stores and matches like the admin API (SQLite file)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from gateway.cli.main import cli
from gateway.db.database import Database
from gateway.db.migrations import upgrade_async
from gateway.remittance import store
from tests.integration.api.test_remittances import NOT_RECEIVABLE, OPEN_ITEMS, PAID_IN_FULL, camt054


async def _seed(url: str) -> None:
    db = Database.from_url(url)
    try:
        await upgrade_async(db.engine)
        async with db.transaction() as session:
            await store.load_open_items(session, OPEN_ITEMS, now=datetime.now(UTC), actor="test")
    finally:
        await db.dispose()


async def _states(url: str) -> dict[str, str]:
    db = Database.from_url(url)
    try:
        async with db.read() as session:
            rows = await store.list_open_items(session, state=None, after=None, limit=100)
            return {row.number: row.state for row in rows}
    finally:
        await db.dispose()


def test_import_matches_once_and_reports_malformed_files(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite"
    asyncio.run(_seed(url))
    source = tmp_path / "notification.xml"
    source.write_bytes(camt054(PAID_IN_FULL, NOT_RECEIVABLE))
    runner = CliRunner()
    first = runner.invoke(cli, ["remittance", "import", str(source), "--database-url", url])
    assert first.exit_code == 0, first.output
    assert "imported" in first.output
    assert "1 auto_applied, 1 unmatched" in first.output
    assert asyncio.run(_states(url))["INV-2025-0004711"] == "paid"
    again = runner.invoke(cli, ["remittance", "import", str(source), "--database-url", url])
    assert again.exit_code == 0, again.output
    assert "already imported as" in again.output

    broken = tmp_path / "broken.xml"
    broken.write_bytes(camt054(PAID_IN_FULL, amount_text="1.190,00"))
    result = runner.invoke(cli, ["remittance", "import", str(broken), "--database-url", url])
    assert result.exit_code == 2
    assert "TxDtls" in result.output
    assert "Traceback" not in result.output
