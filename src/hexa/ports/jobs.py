"""Running work in the background and reporting how far it has got (the files jobs
read and write: `hexa.ports.blobs`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Protocol

from hexa.domain.jobs import Job, JobKind, JobOutcome, JobProgress, JobTotals

JobHandler = Callable[[Job], Awaitable[None]]


class JobQueue(Protocol):
    async def enqueue(self, job: Job) -> None:
        """Hands the job over to be run once by a worker. Idempotent: enqueueing an id that
        is already queued, running or finished does nothing, so a retry never runs a job
        twice. Returns once the job is accepted, not when it has run. Raises `Unavailable`
        when the queue cannot be reached (the outbox keeps the job meanwhile)."""
        ...

    async def depth(self) -> int:
        """How many accepted jobs have not started yet."""
        ...


class ProgressFeed(Protocol):
    async def next(self, within: float) -> JobProgress | None:
        """The next progress saved for the watched job, or None if none came within
        `within` seconds. Saves may be skipped under load, never reordered."""
        ...


class ProgressStore(Protocol):
    async def save(self, progress: JobProgress) -> JobProgress:
        """Records the latest progress of a job, replacing what was there, and tells its
        watchers. Answers it as saved, with the next `sequence` number of that job."""
        ...

    async def get(self, job_id: str) -> JobProgress:
        """The latest progress of a job. Raises `NotFound` for an unknown id."""
        ...

    async def forget(self, job_id: str) -> None:
        """Removes the job's progress (its record was purged); nothing if there is none."""
        ...

    def watch(self, job_id: str) -> AbstractAsyncContextManager[ProgressFeed]:
        """Listens for saves of one job from the moment it is entered; read `get` after
        entering to lose nothing in between."""
        ...


class Heartbeat(Protocol):
    """Tells whether a worker is alive: it beats on a schedule, each beat lasting `ttl`."""

    async def beat(self, now: datetime, *, ttl: timedelta) -> None: ...

    async def last(self) -> datetime | None:
        """When the last beat still alive was given; None once they have all lapsed."""
        ...


class JobTally(Protocol):
    """Counts of job attempts and their durations, for metrics. Shared by every process
    that runs or reports jobs, so any replica's `/metrics` shows the same totals."""

    async def record(
        self, kind: JobKind, outcome: JobOutcome, *, seconds: float | None = None
    ) -> None:
        """Counts one attempt; `seconds`, how long a job that ended ran, feeds the duration
        histogram. A shared tally may keep the counts of a busy process for a moment and
        write them together; it then writes them before its own `totals` and when it is
        closed, and never raises here. One that writes at once raises `Unavailable` when
        it cannot be reached."""
        ...

    async def totals(self) -> JobTotals:
        """Everything counted so far. Raises `Unavailable` when it cannot be read."""
        ...
