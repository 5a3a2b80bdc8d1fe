"""Counting what happens for the charts, at the cost of a dict update where it happens.

Services count an event once the change behind it is committed; the counts are written
together once a second (`HeldCounts`), in a unit of work of their own, and before this
process reads them back. Periods are UTC hours and days, named by their start.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from hexa.domain.errors import Conflict, StaleVersion, Unavailable
from hexa.ports.stats import StatKey
from hexa.ports.uow import UnitOfWorkFactory
from hexa.services.held_counts import HeldCounts

_ATTEMPTS = 3  # two writers starting one total at once: the loser adds to it next time


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def day_of(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def periods(since: datetime, until: datetime, step: timedelta) -> list[datetime]:
    """The periods of length `step` (a minute, an hour or a day, aligned as `minute_of`,
    `hour_of` and `day_of` align them) that overlap [since, until)."""
    align = {timedelta(minutes=1): minute_of, timedelta(hours=1): hour_of}.get(step, day_of)
    start = align(since)
    found = []
    while start < until:
        found.append(start)
        if start > datetime.max.replace(tzinfo=start.tzinfo) - step:
            break  # the last period there is
        start += step
    return found


class StatTally:
    def __init__(self, uow: UnitOfWorkFactory, *, hold_seconds: float = 1.0) -> None:
        self._uow = uow
        self._held: HeldCounts[StatKey] = HeldCounts(
            self._write, what="stat counts", hold_seconds=hold_seconds
        )

    def count(self, series: str, period: datetime, key: str, amount: int = 1) -> None:
        self._held.add((series, period, key), amount)

    async def flush(self) -> None:
        """Writes this process's counts now: before reading them back."""
        await self._held.flush()

    async def close(self) -> None:
        await self._held.close()

    async def _write(self, counts: Counter[StatKey]) -> None:
        totals = {key: int(amount) for key, amount in counts.items()}
        for attempt in range(_ATTEMPTS):
            try:
                async with self._uow() as uow:
                    await uow.stats.add(totals)
                    await uow.commit()
                return
            except (Conflict, StaleVersion) as clash:
                if attempt == _ATTEMPTS - 1:
                    raise Unavailable(f"stat counts kept clashing: {clash.detail}") from clash
