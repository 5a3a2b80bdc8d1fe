"""The job tally in one Redis hash: the worker counts, every app replica reports.

Fields: `n|<kind>|<outcome>` counts attempts; `b|<kind>|<bound>` counts the jobs whose
duration fell in that bucket (not cumulative; bound `+Inf` last); `s|<kind>` sums their
seconds. Buckets are keyed by their bound, not their position, so a release that changes
the bounds ignores old fields instead of misreading them.

A worker ends hundreds of jobs a second: it keeps its counts for up to `hold_seconds`
and writes them in one call (a tenth of a short job's time went on one call a job).
What it kept is written when it closes, and before it reads the totals itself; a worker
killed outright loses at most that last second of counts, never a job.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict

from redis.asyncio import Redis

from hexa.adapters.redis.client import translated_errors
from hexa.domain.errors import Unavailable
from hexa.domain.jobs import (
    DURATION_BUCKETS,
    Durations,
    JobKind,
    JobOutcome,
    JobTotals,
    duration_bucket,
)

_BOUNDS = (*(f"{bound:g}" for bound in DURATION_BUCKETS), "+Inf")
_OUTCOMES = {outcome.value: outcome for outcome in JobOutcome}
log = logging.getLogger(__name__)


class RedisJobTally:
    def __init__(
        self, client: Redis, *, key: str = "hexa:jobs:tally", hold_seconds: float = 1.0
    ) -> None:
        self._client = client
        self._key = key
        self._hold = hold_seconds
        self._counts: Counter[str] = Counter()
        self._sums: defaultdict[str, float] = defaultdict(float)
        self._writing: asyncio.Task[None] | None = None
        self._sleeping = False  # the writing task may be cancelled: nothing is in flight
        self._closed = False

    async def record(
        self, kind: JobKind, outcome: JobOutcome, *, seconds: float | None = None
    ) -> None:
        self._counts[f"n|{kind}|{outcome}"] += 1
        if seconds is not None:
            self._counts[f"b|{kind}|{_BOUNDS[duration_bucket(seconds)]}"] += 1
            self._sums[f"s|{kind}"] += seconds
        if self._writing is None and not self._closed:
            self._writing = asyncio.get_running_loop().create_task(
                self._write_later(), name="hexa-job-tally"
            )

    async def flush(self) -> None:
        """Writes the counts kept so far; on failure keeps them for the next write and
        raises `Unavailable`. (A write Redis applied but whose answer was lost is then
        counted twice: a second of counts, against losing them to every outage.)"""
        counts, sums = self._counts, self._sums
        if not counts and not sums:
            return
        self._counts, self._sums = Counter(), defaultdict(float)
        try:
            async with translated_errors(), self._client.pipeline(transaction=True) as pipe:
                for field, count in counts.items():
                    pipe.hincrby(self._key, field, count)
                for field, total in sums.items():
                    pipe.hincrbyfloat(self._key, field, total)
                await pipe.execute()
        except BaseException:
            self._counts.update(counts)
            for field, total in sums.items():
                self._sums[field] += total
            raise

    async def close(self) -> None:
        """Writes what is kept; a failure is logged, as a lost metric is not worth more.
        Counts recorded after are not written."""
        self._closed = True
        writing = self._writing
        if writing is not None:
            if self._sleeping:  # never cancelled mid-write: Redis may have applied it
                writing.cancel()
            await asyncio.wait([writing])
        try:
            await self.flush()
        except Unavailable as error:
            log.warning("job counts not written at close: %s", error.detail)

    async def _write_later(self) -> None:
        try:
            while True:  # until all is written: counts kept through a short outage too
                self._sleeping = True
                try:
                    await asyncio.sleep(self._hold)
                finally:
                    self._sleeping = False
                try:
                    await self.flush()
                except Unavailable as error:
                    log.warning("job counts not written yet: %s", error.detail)
                if self._closed or not (self._counts or self._sums):
                    return  # (closing: `close` writes what is left, once)
        finally:
            self._writing = None

    async def totals(self) -> JobTotals:
        await self.flush()  # this process's own counts, not a second late
        async with translated_errors():
            fields: dict[str, str] = await self._client.hgetall(self._key)  # type: ignore[misc]
        outcomes: dict[tuple[JobKind, JobOutcome], int] = {}
        counts: dict[JobKind, list[int]] = {}
        sums: dict[JobKind, float] = {}
        for name, value in fields.items():
            part, kind_name, detail = (*name.split("|", 2), "", "")[:3]
            kind = JobKind(kind_name)
            if part == "n" and detail in _OUTCOMES:
                outcomes[kind, _OUTCOMES[detail]] = int(value)
            elif part == "b" and detail in _BOUNDS:
                counts.setdefault(kind, [0] * len(_BOUNDS))[_BOUNDS.index(detail)] = int(value)
            elif part == "s":
                sums[kind] = float(value)
        durations = {
            kind: Durations(tuple(counts.get(kind, [0] * len(_BOUNDS))), sums.get(kind, 0.0))
            for kind in counts.keys() | sums.keys()
        }
        return JobTotals(outcomes, durations)
