"""Counts of what happened, by series, period and key: the numbers behind the charts.

A series (`inspections`, `findings`) counts events by the period they happened in (the
start of its hour or day, UTC) and a key (`passed`; a rule and a severity). Counts only
grow: they tell what happened, so a deleted inspection's verdict stays counted. They are
written apart from the change they count (`hexa.services.held_counts`), a second late.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True, order=True)
class StatCount:
    period: datetime
    key: str
    count: int


# (series, period, key)
StatKey = tuple[str, datetime, str]


class StatCounts(Protocol):
    """Lives inside a unit of work: `add` lasts once that unit commits."""

    async def add(self, counts: Mapping[StatKey, int]) -> None:
        """Adds each count to its total (a new total starts at zero)."""
        ...

    async def read(self, series: str, *, since: datetime, until: datetime) -> list[StatCount]:
        """The totals of the series' periods from `since` (included) to `until` (not),
        by period then key; periods and keys with nothing counted are absent."""
        ...

    async def forget(self, series: str, *, before: datetime) -> int:
        """Removes the series' totals of periods before that time; answers how many."""
        ...
