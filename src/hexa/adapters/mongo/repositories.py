"""Repositories over MongoDB collections.

A standalone MongoDB has no multi-document transactions, so a unit of work stages its
writes (see `hexa.adapters.staging`) and replays them at commit, each one a conditional
write: `replace_one({_id, version: expected})` is the optimistic-concurrency guard.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from itertools import groupby
from typing import Any, Generic

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

from hexa.adapters.outbox_ends import DoneByUpdate, listed
from hexa.adapters.records import (
    outbox_from,
    outbox_record,
)
from hexa.adapters.staging import Op, StagedWrites, T, Write, check_write
from hexa.domain.errors import Conflict, NotFound, StaleVersion, Unavailable
from hexa.domain.jobs import JobKind, JobStatus, OutboxEntry

Document = dict[str, Any]
_DELETE_BATCH = 500


@asynccontextmanager
async def translated_errors(kind: str) -> AsyncIterator[None]:
    """PyMongo errors become domain errors here, at the boundary."""
    try:
        yield
    except DuplicateKeyError as error:
        raise Conflict(f"this {kind} clashes with a stored one ({error.details})") from None
    except PyMongoError as error:
        raise Unavailable(f"MongoDB failed: {type(error).__name__}") from error


class MongoRepository(Generic[T]):
    kind: str
    _record: Callable[[T], Document]
    _entity: Callable[[Any], T]

    def __init__(self, collection: AsyncCollection[Document], staged: StagedWrites[T]) -> None:
        self._collection = collection
        self._staged = staged

    def _document(self, entity: T) -> Document:
        record = self._record(entity)
        record["_id"] = record.pop("id")
        return record

    def _from_document(self, document: Document) -> T:
        return self._entity(document | {"id": document["_id"]})

    async def _stored(self, entity_id: str) -> T | None:
        async with translated_errors(self.kind):
            document = await self._collection.find_one({"_id": entity_id})
        return None if document is None else self._from_document(document)

    async def _current(self, entity_id: str) -> T | None:
        if self._staged.knows(entity_id):
            return self._staged.latest(entity_id)
        return await self._stored(entity_id)

    async def get(self, entity_id: str) -> T:
        entity = await self._current(entity_id)
        if entity is None:
            raise NotFound(f"{self.kind} {entity_id} not found")
        return entity

    async def add(self, entity: T) -> None:
        self._staged.stage(Write(Op.ADD, entity.id, entity, None), await self._current(entity.id))

    async def update(self, entity: T, *, expected_version: int) -> None:
        write = Write(Op.UPDATE, entity.id, entity, expected_version)
        self._staged.stage(write, await self._current(entity.id))

    async def delete(self, entity_id: str, *, expected_version: int | None = None) -> None:
        write: Write[T] = Write(Op.DELETE, entity_id, None, expected_version)
        self._staged.stage(write, await self._current(entity_id))

    async def _find(self, query: Document, limit: int | None = None) -> list[T]:
        # Staged writes may hide stored documents: fetch enough to fill the page anyway.
        cursor = self._collection.find(query).sort("_id", 1)
        if limit is not None:
            cursor = cursor.limit(limit + len(self._staged.writes))
        async with translated_errors(self.kind):
            stored = [self._from_document(d) async for d in cursor]
        return stored

    async def _page(
        self, limit: int, after: str | None, query: Document, keep: Callable[[T], bool]
    ) -> list[T]:
        if after is not None:
            query = query | {"_id": {"$gt": after}}
        merged = self._staged.overlay(await self._find(query, limit))
        return [e for e in merged if (after is None or e.id > after) and keep(e)][:limit]

    async def _purge(self, query: Document, doomed: Callable[[T], bool]) -> int:
        """Stages the deletion of every entity `query` finds, or this unit staged, that is
        `doomed`, each guarded by the version seen here, as `delete` would."""
        found = [e for e in self._staged.overlay(await self._find(query)) if doomed(e)]
        for entity in found:
            self._staged.stage(Write(Op.DELETE, entity.id, None, entity.version), entity)
        return len(found)

    async def apply(self) -> None:
        """Replays the staged writes in order, each guarded by the version it expects.
        Consecutive deletions go together, a batch to one `delete_many`."""
        runs = groupby(self._staged.writes, key=lambda w: w.op is Op.DELETE)
        for deleting, run in runs:
            writes = list(run)
            if not deleting:
                for write in writes:
                    await self._replay(write)
                continue
            for start in range(0, len(writes), _DELETE_BATCH):
                await self._delete(writes[start : start + _DELETE_BATCH])
        self._staged.clear()

    async def _replay(self, write: Write[T]) -> None:
        assert write.entity is not None
        async with translated_errors(self.kind):
            if write.op is Op.ADD:
                await self._collection.insert_one(self._document(write.entity))
                return
            document = self._document(write.entity)
            matched = (await self._collection.replace_one(_guard(write), document)).matched_count
        if not matched:
            check_write(self.kind, write, await self._stored(write.id))
            raise StaleVersion(f"{self.kind} {write.id} changed while being written")

    async def _delete(self, writes: list[Write[T]]) -> None:
        guards = [_guard(w) for w in writes]
        async with translated_errors(self.kind):
            deleted = (await self._collection.delete_many({"$or": guards})).deleted_count
        if deleted == len(writes):
            return
        # Those deleted just now are gone too: only one still stored tells what went wrong.
        left = {e.id: e for e in await self._find({"_id": {"$in": [w.id for w in writes]}})}
        for write in writes:
            if write.id in left:
                check_write(self.kind, write, left[write.id])
                raise StaleVersion(f"{self.kind} {write.id} changed while being written")
        if len(writes) == 1:
            raise NotFound(f"{self.kind} {writes[0].id} not found")
        gone = len(writes) - deleted
        raise NotFound(f"{gone} of {len(writes)} {self.kind}s to delete were already gone")

    def discard(self) -> None:
        self._staged.clear()


def _guard(write: Write[Any]) -> Document:
    guard: Document = {"_id": write.id}
    if write.expected_version is not None:
        guard["version"] = write.expected_version
    return guard


class MongoOutbox(DoneByUpdate, MongoRepository[OutboxEntry]):
    kind = "job"
    _record = staticmethod(outbox_record)
    _entity = staticmethod(outbox_from)

    async def newest(
        self,
        *,
        limit: int,
        before: str | None = None,
        status: JobStatus | None = None,
        kind: JobKind | None = None,
        since: datetime | None = None,
    ) -> list[OutboxEntry]:
        query: Document = {}
        if before is not None:
            query["_id"] = {"$lt": before}
        if status is not None:
            # {"outcome": None} also matches documents from before jobs recorded their end.
            query["outcome"] = status.value if status.is_terminal else None
        if kind is not None:
            query["kind"] = kind
        if since is not None:
            query["created_at"] = {"$gte": since}
        cursor = (
            self._collection.find(query).sort("_id", -1).limit(limit + len(self._staged.writes))
        )
        async with translated_errors(self.kind):
            stored = [self._from_document(d) async for d in cursor]
        found = [
            e
            for e in self._staged.overlay(stored)
            if listed(e, before=before, status=status, kind=kind, since=since)
        ]
        return sorted(found, key=lambda e: e.id, reverse=True)[:limit]

    async def pending(self, *, limit: int) -> list[OutboxEntry]:
        return await self._sorted(
            {"dispatched_at": None, "outcome": None},
            "created_at",
            limit,
            keep=lambda e: e.dispatched_at is None and e.outcome is None,
            order=lambda e: e.created_at,
        )

    async def ended_before(self, before: datetime, *, limit: int) -> list[OutboxEntry]:
        def finished(entry: OutboxEntry) -> datetime | None:
            return None if entry.outcome is None else entry.outcome.finished_at

        return await self._sorted(
            {"finished_at": {"$lt": before}},
            "finished_at",
            limit,
            keep=lambda e: (at := finished(e)) is not None and at < before,
            order=lambda e: finished(e) or e.created_at,
        )

    async def unfinished(self, *, dispatched_before: datetime, limit: int) -> list[OutboxEntry]:
        # {"outcome": None} also matches documents from before jobs recorded their end.
        return await self._sorted(
            {"outcome": None, "dispatched_at": {"$lt": dispatched_before}},
            "dispatched_at",
            limit,
            keep=lambda e: (
                e.outcome is None
                and e.dispatched_at is not None
                and e.dispatched_at < dispatched_before
            ),
            order=lambda e: e.dispatched_at or e.created_at,
        )

    async def _sorted(
        self,
        query: Document,
        field: str,
        limit: int,
        *,
        keep: Callable[[OutboxEntry], bool],
        order: Callable[[OutboxEntry], datetime],
    ) -> list[OutboxEntry]:
        """The first `limit` entries by `field` that match, staged writes applied (they
        may hide stored documents: fetch enough to fill the list anyway)."""
        cursor = (
            self._collection.find(query)
            .sort([(field, 1), ("_id", 1)])
            .limit(limit + len(self._staged.writes))
        )
        async with translated_errors(self.kind):
            stored = [self._from_document(d) async for d in cursor]
        found = [e for e in self._staged.overlay(stored) if keep(e)]
        return sorted(found, key=lambda e: (order(e), e.id))[:limit]


def _outbox(db: AsyncDatabase[Document]) -> MongoOutbox:
    return MongoOutbox(db.job_outbox, StagedWrites("job"))


# What a Mongo session finds here, by port (`hexa.adapters.mongo.database`).
REPOSITORIES = {"outbox": _outbox}
