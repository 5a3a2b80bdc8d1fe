"""Running work in the background, and reporting how far it has got."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from hexa.domain.jobs import Job, JobProgress

JobHandler = Callable[[Job], Awaitable[None]]


class JobQueue(Protocol):
    async def enqueue(self, job: Job) -> None:
        """Hands the job over to be run once by a worker. Idempotent: enqueueing an id that
        is already queued, running or finished does nothing, so a retry never runs a job
        twice. Returns once the job is accepted, not when it has run."""
        ...

    async def depth(self) -> int:
        """How many accepted jobs have not started yet."""
        ...


class ProgressStore(Protocol):
    async def save(self, progress: JobProgress) -> None:
        """Records the latest progress of a job, replacing what was there."""
        ...

    async def get(self, job_id: str) -> JobProgress:
        """The latest progress of a job. Raises `NotFound` for an unknown id."""
        ...
