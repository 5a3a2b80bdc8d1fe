"""Repositories as SQL statements over one connection and its open transaction.

Optimistic concurrency lives in the write itself: `UPDATE ... WHERE id = :id AND version =
:expected`. No row changed means the object is gone or someone else wrote first; a second
look tells which.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection

from hexa.adapters.records import (
    outbox_from,
    outbox_record,
)
from hexa.adapters.sql.tables import job_outbox
from hexa.adapters.staging import Versioned
from hexa.domain.errors import Conflict, NotFound, StaleVersion, Unavailable
from hexa.domain.jobs import JobKind, JobStatus, OutboxEntry

T = TypeVar("T", bound=Versioned)
Connect = Callable[[], Awaitable[AsyncConnection]]


@asynccontextmanager
async def translated_errors(kind: str) -> AsyncIterator[None]:
    """SQLAlchemy errors become domain errors here, at the boundary."""
    try:
        yield
    except IntegrityError as error:
        raise Conflict(f"this {kind} clashes with a stored one ({error.orig})") from None
    except (DBAPIError, PoolTimeout, OSError) as error:
        # A pool that ran out of connections raises its own TimeoutError, not a DBAPIError:
        # a busy database must answer 503. Other SQLAlchemy errors are bugs, left to be 500s.
        raise Unavailable(f"the database failed: {type(error).__name__}") from error


class SqlRepository(Generic[T]):
    kind: str
    table: sa.Table

    def __init__(self, connect: Connect) -> None:
        self._connect = connect

    _record: Callable[[T], dict[str, Any]]
    _entity: Callable[[Any], T]
    # Built once per table, not per call, with the values as bound parameters: each call
    # skips building a statement and its cache key (a third of a create's time when it
    # built them), and finds the compiled SQL at once.
    _by_id: sa.Select[Any]
    _insert: sa.Insert
    _update: sa.Update

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        table = cls.__dict__.get("table")
        if table is not None:
            cls._by_id = sa.select(table).where(table.c.id == sa.bindparam("entity_id"))
            cls._insert = sa.insert(table)
            cls._update = (
                sa.update(table)
                .where(table.c.id == sa.bindparam("w_id"))
                .where(table.c.version == sa.bindparam("w_version"))
                .values({c.name: sa.bindparam(f"v_{c.name}") for c in table.c if c.name != "id"})
            )

    async def _rows(self, statement: sa.Select[Any]) -> list[T]:
        async with translated_errors(self.kind):
            result = await (await self._connect()).execute(statement)
            return [self._entity(row._mapping) for row in result]

    async def find(self, entity_id: str) -> T | None:
        async with translated_errors(self.kind):
            connection = await self._connect()
            row = (await connection.execute(self._by_id, {"entity_id": entity_id})).first()
        return None if row is None else self._entity(row._mapping)

    async def get(self, entity_id: str) -> T:
        found = await self.find(entity_id)
        if found is None:
            raise NotFound(f"{self.kind} {entity_id} not found")
        return found

    async def add(self, entity: T) -> None:
        async with translated_errors(self.kind):
            connection = await self._connect()
            await connection.execute(self._insert, self._record(entity))

    async def update(self, entity: T, *, expected_version: int) -> None:
        values = {f"v_{name}": value for name, value in self._record(entity).items()}
        values |= {"w_id": values.pop("v_id"), "w_version": expected_version}
        await self._write(self._update, entity.id, expected_version, values)

    async def delete(self, entity_id: str, *, expected_version: int | None = None) -> None:
        statement = sa.delete(self.table).where(self.table.c.id == entity_id)
        if expected_version is not None:
            statement = statement.where(self.table.c.version == expected_version)
        await self._write(statement, entity_id, expected_version)

    async def _write(
        self,
        statement: sa.Update | sa.Delete,
        entity_id: str,
        expected: int | None,
        values: dict[str, Any] | None = None,
    ) -> None:
        async with translated_errors(self.kind):
            connection = await self._connect()
            if (await connection.execute(statement, values)).rowcount == 1:
                return
            stored = await connection.scalar(
                sa.select(self.table.c.version).where(self.table.c.id == entity_id)
            )
        if stored is None:
            raise NotFound(f"{self.kind} {entity_id} not found")
        raise StaleVersion(f"{self.kind} {entity_id} is at version {stored}, not {expected}")

    def _page_query(self, limit: int, after: str | None) -> sa.Select[Any]:
        query = sa.select(self.table).order_by(self.table.c.id).limit(limit)
        return query if after is None else query.where(self.table.c.id > after)


class SqlOutbox(SqlRepository[OutboxEntry]):
    kind = "job"
    table = job_outbox

    _record = staticmethod(outbox_record)
    _entity = staticmethod(outbox_from)
    # One statement: the end written only where none is, the entry read back from it.
    _done = (
        sa.update(job_outbox)
        .where(job_outbox.c.id == sa.bindparam("w_id"), job_outbox.c.outcome.is_(None))
        .values(
            outcome="done",
            processed=job_outbox.c.total,
            started_at=sa.bindparam("v_started_at"),
            finished_at=sa.bindparam("v_finished_at"),
            result=sa.bindparam("v_result"),
            error=None,
            attempts=1,
            version=job_outbox.c.version + 1,
        )
        .returning(job_outbox)
    )

    async def record_done(
        self,
        job_id: str,
        result: dict[str, Any],
        *,
        started_at: datetime,
        finished_at: datetime,
    ) -> OutboxEntry | None:
        values = {
            "w_id": job_id,
            "v_started_at": started_at,
            "v_finished_at": finished_at,
            "v_result": result,
        }
        async with translated_errors(self.kind):
            connection = await self._connect()
            row = (await connection.execute(self._done, values)).first()
        return None if row is None else self._entity(row._mapping)

    async def newest(
        self,
        *,
        limit: int,
        before: str | None = None,
        status: JobStatus | None = None,
        kind: JobKind | None = None,
        since: datetime | None = None,
    ) -> list[OutboxEntry]:
        c = self.table.c
        query = sa.select(self.table).order_by(c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(c.id < before)
        if status is not None:
            query = query.where(
                c.outcome.is_(None) if not status.is_terminal else c.outcome == status.value
            )
        if kind is not None:
            query = query.where(c.kind == kind)
        if since is not None:
            query = query.where(c.created_at >= since)
        return await self._rows(query)

    async def pending(self, *, limit: int) -> list[OutboxEntry]:
        query = (
            sa.select(self.table)
            .where(self.table.c.dispatched_at.is_(None), self.table.c.outcome.is_(None))
            .order_by(self.table.c.created_at, self.table.c.id)
            .limit(limit)
        )
        return await self._rows(query)

    async def ended_before(self, before: datetime, *, limit: int) -> list[OutboxEntry]:
        query = (
            sa.select(self.table)
            .where(self.table.c.finished_at < before)
            .order_by(self.table.c.finished_at, self.table.c.id)
            .limit(limit)
        )
        return await self._rows(query)

    async def unfinished(self, *, dispatched_before: datetime, limit: int) -> list[OutboxEntry]:
        query = (
            sa.select(self.table)
            .where(self.table.c.outcome.is_(None), self.table.c.dispatched_at < dispatched_before)
            .order_by(self.table.c.dispatched_at, self.table.c.id)
            .limit(limit)
        )
        return await self._rows(query)


# What a SQL session finds here, by port (`hexa.adapters.sql.database`).
REPOSITORIES = {"outbox": SqlOutbox}
