"""Repositories over plain dicts, with writes staged until the unit of work commits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Generic

from hexa.adapters.memory.tables import MemoryTable, MemoryTables
from hexa.adapters.outbox_ends import DoneByUpdate, listed
from hexa.adapters.staging import Op, StagedWrites, T, Write
from hexa.domain.errors import NotFound
from hexa.domain.jobs import JobKind, JobStatus, OutboxEntry


class MemoryRepository(Generic[T]):
    def __init__(self, table: MemoryTable[T], staged: StagedWrites[T]) -> None:
        self._table = table
        self._staged = staged

    def _current(self, entity_id: str) -> T | None:
        if self._staged.knows(entity_id):
            return self._staged.latest(entity_id)
        return self._table.rows.get(entity_id)

    async def get(self, entity_id: str) -> T:
        entity = self._current(entity_id)
        if entity is None:
            raise NotFound(f"{self._table.kind} {entity_id} not found")
        return entity

    async def add(self, entity: T) -> None:
        self._staged.stage(Write(Op.ADD, entity.id, entity, None), self._current(entity.id))
        self._check_unique(entity)

    async def update(self, entity: T, *, expected_version: int) -> None:
        write = Write(Op.UPDATE, entity.id, entity, expected_version)
        self._staged.stage(write, self._current(entity.id))
        self._check_unique(entity)

    async def delete(self, entity_id: str, *, expected_version: int | None = None) -> None:
        write: Write[T] = Write(Op.DELETE, entity_id, None, expected_version)
        self._staged.stage(write, self._current(entity_id))

    def _purge(self, doomed: Callable[[T], bool]) -> int:
        """Stages the deletion of every visible entity that is `doomed`, each guarded by
        the version seen here, as `delete` would."""
        found = self._visible(doomed)
        for entity in found:
            self._staged.stage(Write(Op.DELETE, entity.id, None, entity.version), entity)
        return len(found)

    def _check_unique(self, entity: T) -> None:
        self._table.check_unique({entity.id: entity})

    def _visible(self, keep: Callable[[T], bool] = lambda _: True) -> list[T]:
        return [e for e in self._staged.overlay(self._table.rows.values()) if keep(e)]

    def _page(self, limit: int, after: str | None, keep: Callable[[T], bool]) -> list[T]:
        return self._visible(lambda e: (after is None or e.id > after) and keep(e))[:limit]


class MemoryOutbox(DoneByUpdate, MemoryRepository[OutboxEntry]):
    async def newest(
        self,
        *,
        limit: int,
        before: str | None = None,
        status: JobStatus | None = None,
        kind: JobKind | None = None,
        since: datetime | None = None,
    ) -> list[OutboxEntry]:
        found = self._visible(
            lambda e: listed(e, before=before, status=status, kind=kind, since=since)
        )
        return sorted(found, key=lambda e: e.id, reverse=True)[:limit]

    async def pending(self, *, limit: int) -> list[OutboxEntry]:
        waiting = self._visible(lambda e: e.dispatched_at is None and e.outcome is None)
        return sorted(waiting, key=lambda e: (e.created_at, e.id))[:limit]

    async def ended_before(self, before: datetime, *, limit: int) -> list[OutboxEntry]:
        def finished(entry: OutboxEntry) -> datetime | None:
            return None if entry.outcome is None else entry.outcome.finished_at

        old = [e for e in self._visible() if (at := finished(e)) is not None and at < before]
        return sorted(old, key=lambda e: (finished(e), e.id))[:limit]

    async def unfinished(self, *, dispatched_before: datetime, limit: int) -> list[OutboxEntry]:
        lost = self._visible(
            lambda e: (
                e.outcome is None
                and e.dispatched_at is not None
                and e.dispatched_at < dispatched_before
            )
        )
        return sorted(lost, key=lambda e: (e.dispatched_at, e.id))[:limit]


def _outbox(tables: MemoryTables) -> MemoryOutbox:
    return MemoryOutbox(*tables.open("outbox", "job", unique=("retry_of",)))


# What a memory session finds here, by port (`hexa.adapters.memory.database`).
REPOSITORIES = {"outbox": _outbox}
