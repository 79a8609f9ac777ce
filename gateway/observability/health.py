"""Readiness checks behind GET /readyz: each says ok or why not, and none takes long.

* database   answers ``SELECT 1`` within `CHECK_TIMEOUT_SECONDS`
* migrations the database is at the head revision of the migration scripts
* workers    every outbox worker and webhook dispatcher task this process started still runs
* artefacts  when artefacts are configured (settings), the official validator has loaded them
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text

from gateway.db.database import Database
from gateway.db.engine import redacted
from gateway.db.migrations import current_async
from gateway.settings import Settings
from gateway.validation.pipeline import Validator

CHECK_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "detail": self.detail}


async def check_database(db: Database) -> Check:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), db.read() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:
        return Check("database", False, f"database {redacted(db.engine.url)} does not answer: "
                                        f"{type(exc).__name__}")
    return Check("database", True, db.dialect)


async def check_migrations(db: Database, head: str) -> Check:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            current = await current_async(db.engine)
    except Exception as exc:
        return Check("migrations", False, f"revision unreadable: {type(exc).__name__}")
    if current != head:
        return Check("migrations", False, f"database at revision {current or 'none'}, the "
                                          f"code needs {head} (run `gateway db upgrade`)")
    return Check("migrations", True, head)


def check_workers(tasks: Sequence[asyncio.Task[None]]) -> Check:
    stopped = [task.get_name() for task in tasks if task.done()]
    if stopped:
        return Check("workers", False, f"stopped: {', '.join(stopped)}")
    return Check("workers", True, f"{len(tasks)} running")


def check_artefacts(settings: Settings, validator: Validator) -> Check:
    configured = settings.resolved_artefacts_dir()
    version = validator.artefacts_version
    if version is not None:
        return Check("artefacts", True, version)
    if configured is None:
        return Check("artefacts", True, "not configured: official layers are skipped")
    return Check("artefacts", False, f"configured at {configured} but not loaded")
