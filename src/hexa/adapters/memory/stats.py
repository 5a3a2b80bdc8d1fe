"""Stat counts over the memory store: each total a row, staged like any write."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from hexa.adapters.memory.repositories import MemoryRepository
from hexa.adapters.memory.tables import MemoryTables
from hexa.ports.stats import StatCount, StatKey


@dataclass(frozen=True, slots=True)
class _Total:
    id: str
    series: str
    period: datetime
    key: str
    count: int
    version: int = 1


def _id(series: str, period: datetime, key: str) -> str:
    return f"{series}|{period.isoformat()}|{key}"


class _Totals(MemoryRepository[_Total]):
    def current(self, total_id: str) -> _Total | None:
        return self._current(total_id)

    def of(self, series: str) -> list[_Total]:
        return self._visible(lambda t: t.series == series)

    def purge(self, series: str, before: datetime | None = None) -> int:
        return self._purge(lambda t: t.series == series and (before is None or t.period < before))


class MemoryStatCounts:
    def __init__(self, totals: _Totals) -> None:
        self._totals = totals

    async def add(self, counts: Mapping[StatKey, int]) -> None:
        for (series, period, key), count in counts.items():
            total_id = _id(series, period, key)
            current = self._totals.current(total_id)
            if current is None:
                await self._totals.add(_Total(total_id, series, period, key, count))
                continue
            grown = dataclasses.replace(
                current, count=current.count + count, version=current.version + 1
            )
            await self._totals.update(grown, expected_version=current.version)

    async def read(self, series: str, *, since: datetime, until: datetime) -> list[StatCount]:
        found = [t for t in self._totals.of(series) if since <= t.period < until]
        return sorted(StatCount(t.period, t.key, t.count) for t in found)

    async def forget(self, series: str, *, before: datetime) -> int:
        return self._totals.purge(series, before)


def _stats(tables: MemoryTables) -> MemoryStatCounts:
    return MemoryStatCounts(_Totals(*tables.open("stat_counts", "stat count")))


# What a memory session finds here, by port (`hexa.adapters.memory.database`).
REPOSITORIES = {"stats": _stats}
