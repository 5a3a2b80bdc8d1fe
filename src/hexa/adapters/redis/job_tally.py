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

from collections import Counter

from redis.asyncio import Redis

from hexa.adapters.redis.client import translated_errors
from hexa.domain.jobs import (
    DURATION_BUCKETS,
    Durations,
    JobKind,
    JobOutcome,
    JobTotals,
    duration_bucket,
)
from hexa.services.held_counts import HeldCounts

_BOUNDS = (*(f"{bound:g}" for bound in DURATION_BUCKETS), "+Inf")
_OUTCOMES = {outcome.value: outcome for outcome in JobOutcome}


class RedisJobTally:
    def __init__(
        self, client: Redis, *, key: str = "hexa:jobs:tally", hold_seconds: float = 1.0
    ) -> None:
        self._client = client
        self._key = key
        self._held: HeldCounts[str] = HeldCounts(
            self._write, what="job counts", hold_seconds=hold_seconds
        )

    async def record(
        self, kind: JobKind, outcome: JobOutcome, *, seconds: float | None = None
    ) -> None:
        self._held.add(f"n|{kind}|{outcome}")
        if seconds is not None:
            self._held.add(f"b|{kind}|{_BOUNDS[duration_bucket(seconds)]}")
            self._held.add(f"s|{kind}", seconds)

    async def flush(self) -> None:
        """Writes the counts kept so far; on failure keeps them and raises `Unavailable`."""
        await self._held.flush()

    async def close(self) -> None:
        """Writes what is kept (a failure is logged); counts recorded after are not."""
        await self._held.close()

    async def _write(self, counts: Counter[str]) -> None:
        async with translated_errors(), self._client.pipeline(transaction=True) as pipe:
            for field, count in counts.items():
                if field.startswith("s|"):
                    pipe.hincrbyfloat(self._key, field, count)
                else:
                    pipe.hincrby(self._key, field, int(count))
            await pipe.execute()

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
