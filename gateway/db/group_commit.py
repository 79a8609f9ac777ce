"""Group commit: concurrent units of work share one write transaction.

Each transaction has a fixed cost that dwarfs a small unit of work: BEGIN and COMMIT (and
its fsync), a session, and the audit chain append (the advisory lock and the head read on
PostgreSQL, see gateway.audit). Under load, units submitted while a transaction is running
wait for it to end and then run together, in order, in the next one; alone, a unit runs at
once in its own transaction, as before.

A unit's result is handed back only after the commit, so what a caller acknowledges is
durable (nothing is lost on kill -9). If a unit raises before the commit, the transaction is
rolled back (nothing of the group was written) and each unit of the group runs again in a
transaction of its own, so one failing unit never fails the others and gets its own error.
If the COMMIT itself fails, its outcome is unknown: every unit gets that error, none is run
again (the caller decides, e.g. a client retrying with its Idempotency-Key).

Units must therefore be re-runnable after a rollback: all their effects in the session.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from gateway.db.database import Database

T = TypeVar("T")
Work = Callable[[AsyncSession], Coroutine[Any, Any, Any]]
MAX_GROUP = 64


@dataclass(slots=True)
class _Unit:
    work: Work
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    """The caller's context: the work sees the caller's context variables (e.g. the
    request's Idempotency-Key claim), not the group runner's."""
    future: asyncio.Future[Any] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def resolve(self, result: Any) -> None:
        if not self.future.done():
            self.future.set_result(result)

    def fail(self, error: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(error)

    async def run_in(self, session: AsyncSession) -> Any:
        return await asyncio.create_task(self.work(session), context=self.context)


class GroupCommit:
    def __init__(self, db: Database, *, max_group: int = MAX_GROUP) -> None:
        self.db = db
        self.max_group = max_group
        self._queue: list[_Unit] = []
        self._runner: asyncio.Task[None] | None = None
        self.largest_group = 0
        """The most units that shared one transaction so far (observability, tests)."""

    async def run(self, work: Callable[[AsyncSession], Coroutine[Any, Any, T]]) -> T:
        """Run `work(session)` in a write transaction, possibly shared; its result after the
        commit. A cancelled caller does not cancel the work (it may commit anyway)."""
        unit = _Unit(work)
        self._queue.append(unit)
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._drain())
        return cast(T, await asyncio.shield(unit.future))

    async def _drain(self) -> None:
        while self._queue:
            group = self._queue[: self.max_group]
            del self._queue[: self.max_group]
            try:
                await self._run_group(group)
            except BaseException as exc:  # never leave a caller waiting
                for unit in group:
                    unit.fail(exc if isinstance(exc, Exception) else asyncio.CancelledError())
                raise

    async def _run_group(self, group: list[_Unit]) -> None:
        self.largest_group = max(self.largest_group, len(group))
        if len(group) == 1:
            await self._run_alone(group[0])
            return
        results: list[Any] | None = None
        try:
            async with self.db.transaction() as session:
                results = [await unit.run_in(session) for unit in group]
        except Exception as exc:
            if results is None:  # rolled back before the commit: run each on its own
                for unit in group:
                    await self._run_alone(unit)
            else:  # the commit failed: its outcome is unknown, nothing is run again
                for unit in group:
                    unit.fail(exc)
            return
        for unit, result in zip(group, results, strict=True):
            unit.resolve(result)

    async def _run_alone(self, unit: _Unit) -> None:
        try:
            async with self.db.transaction() as session:
                result = await unit.run_in(session)
        except Exception as exc:
            unit.fail(exc)
            return
        unit.resolve(result)
