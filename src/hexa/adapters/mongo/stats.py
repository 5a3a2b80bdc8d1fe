"""Stat counts as one document per total, added to with `$inc` upserts in one bulk write
when the session commits (so two processes adding to one total never clash)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime

from pymongo import ASCENDING, DeleteMany, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from hexa.adapters.mongo.repositories import Document, translated_errors
from hexa.ports.stats import StatCount, StatKey


class MongoStatCounts:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection
        self._adds: Counter[StatKey] = Counter()
        self._forgotten: list[tuple[str, datetime]] = []

    async def add(self, counts: Mapping[StatKey, int]) -> None:
        self._adds.update(counts)

    async def read(self, series: str, *, since: datetime, until: datetime) -> list[StatCount]:
        query = {"series": series, "period": {"$gte": since, "$lt": until}}
        cursor = self._collection.find(query).sort([("period", ASCENDING), ("key", ASCENDING)])
        async with translated_errors("stat count"):
            found = [StatCount(_utc(d["period"]), d["key"], d["count"]) async for d in cursor]
        return found  # staged adds are not read back: counts are written apart, and late

    async def forget(self, series: str, *, before: datetime) -> int:
        self._forgotten.append((series, before))
        query = {"series": series, "period": {"$lt": before}}
        async with translated_errors("stat count"):
            return await self._collection.count_documents(query)

    async def apply(self) -> None:
        """Called by the session's commit: what is forgotten, then the additions."""
        writes: list[DeleteMany | UpdateOne] = [
            DeleteMany({"series": series, "period": {"$lt": before}})
            for series, before in self._forgotten
        ]
        for (series, period, key), count in self._adds.items():
            writes.append(
                UpdateOne(
                    {"_id": _id(series, period, key)},
                    {"$inc": {"count": count}, "$setOnInsert": _fields(series, period, key)},
                    upsert=True,
                )
            )
        if writes:
            async with translated_errors("stat count"):
                await self._collection.bulk_write(writes, ordered=True)
        self.discard()

    def discard(self) -> None:
        self._adds.clear()
        self._forgotten.clear()


def _id(series: str, period: datetime, key: str) -> str:
    return f"{series}|{period.astimezone(UTC).isoformat()}|{key}"


def _fields(series: str, period: datetime, key: str) -> Document:
    return {"series": series, "period": period, "key": key}


def _utc(moment: datetime) -> datetime:
    # PyMongo answers naive UTC datetimes unless the client is told otherwise.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def prepare(db: AsyncDatabase[Document]) -> None:
    """The index the reads rely on; safe to repeat."""
    await db.stat_counts.create_index(
        [("series", ASCENDING), ("period", ASCENDING), ("key", ASCENDING)],
        name="ix_stat_counts_series_period_key",
    )


def _stats(db: AsyncDatabase[Document]) -> MongoStatCounts:
    return MongoStatCounts(db.stat_counts)


# What a Mongo session finds here, by port (`hexa.adapters.mongo.database`).
REPOSITORIES = {"stats": _stats}
