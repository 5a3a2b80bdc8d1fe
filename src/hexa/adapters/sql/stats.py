"""Stat counts in one table, added to with an upsert: `INSERT ... ON CONFLICT DO UPDATE`
(PostgreSQL and SQLite alike), so two processes adding to one total never clash."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hexa.adapters.sql.repositories import Connect, translated_errors
from hexa.adapters.sql.tables import stat_counts
from hexa.ports.stats import StatCount, StatKey


def _upsert(dialect: str) -> Any:
    """`INSERT ... ON CONFLICT DO UPDATE` adding to the stored count, in the dialect's
    own words (SQLAlchemy has it per dialect, not in Core)."""
    insert = (
        postgresql.insert(stat_counts) if dialect == "postgresql" else sqlite.insert(stat_counts)
    )
    return insert.on_conflict_do_update(
        index_elements=["series", "period", "key"],
        set_={"count": stat_counts.c.count + insert.excluded["count"]},
    )


class SqlStatCounts:
    def __init__(self, connect: Connect) -> None:
        self._connect = connect

    async def add(self, counts: Mapping[StatKey, int]) -> None:
        if not counts:
            return
        async with translated_errors("stat count"):
            connection = await self._connect()
            await connection.execute(_upsert(connection.dialect.name), _rows(counts))

    async def read(self, series: str, *, since: datetime, until: datetime) -> list[StatCount]:
        c = stat_counts.c
        query = (
            sa.select(c.period, c.key, c.count)
            .where(c.series == series, c.period >= since, c.period < until)
            .order_by(c.period, c.key)
        )
        async with translated_errors("stat count"):
            result = await (await self._connect()).execute(query)
            # By position: `Row.count` is the tuple method, not the column.
            return [StatCount(period, key, count) for period, key, count in result]

    async def forget(self, series: str, *, before: datetime) -> int:
        c = stat_counts.c
        statement = sa.delete(stat_counts).where(c.series == series, c.period < before)
        async with translated_errors("stat count"):
            return (await (await self._connect()).execute(statement)).rowcount or 0


def _rows(counts: Mapping[StatKey, int]) -> list[dict[str, Any]]:
    # In key order: two processes adding to the same totals lock their rows in the same
    # order, so PostgreSQL never finds them waiting on each other.
    return [
        {"series": series, "period": period, "key": key, "count": count}
        for (series, period, key), count in sorted(counts.items())
    ]


# What a SQL session finds here, by port (`hexa.adapters.sql.database`).
REPOSITORIES = {"stats": SqlStatCounts}
