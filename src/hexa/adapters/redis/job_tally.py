"""The job tally in one Redis hash: the worker counts, every app replica reports.

Fields: `n|<kind>|<outcome>` counts attempts; `b|<kind>|<bound>` counts the jobs whose
duration fell in that bucket (not cumulative; bound `+Inf` last); `s|<kind>` sums their
seconds. Buckets are keyed by their bound, not their position, so a release that changes
the bounds ignores old fields instead of misreading them.
"""

from __future__ import annotations

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

_BOUNDS = (*(f"{bound:g}" for bound in DURATION_BUCKETS), "+Inf")
_OUTCOMES = {outcome.value: outcome for outcome in JobOutcome}


class RedisJobTally:
    def __init__(self, client: Redis, *, key: str = "hexa:jobs:tally") -> None:
        self._client = client
        self._key = key

    async def record(
        self, kind: JobKind, outcome: JobOutcome, *, seconds: float | None = None
    ) -> None:
        async with translated_errors(), self._client.pipeline(transaction=True) as pipe:
            pipe.hincrby(self._key, f"n|{kind}|{outcome}", 1)
            if seconds is not None:
                pipe.hincrby(self._key, f"b|{kind}|{_BOUNDS[duration_bucket(seconds)]}", 1)
                pipe.hincrbyfloat(self._key, f"s|{kind}", seconds)
            await pipe.execute()

    async def totals(self) -> JobTotals:
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
