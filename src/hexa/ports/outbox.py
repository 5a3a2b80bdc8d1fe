"""The job outbox: jobs accepted in a unit of work, kept until the queue has them.

Like every repository, it lives inside a unit of work: its writes last once that unit
commits, and versions guard concurrent updates where the write happens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from hexa.domain.jobs import JobKind, JobStatus, OutboxEntry


class JobOutbox(Protocol):
    """Jobs accepted in a unit of work, kept until the queue has them, and after: the
    durable record of what was accepted and of how it ended."""

    async def add(self, entry: OutboxEntry) -> None:
        """Stages a new entry. Raises `Conflict` if its job id exists."""
        ...

    async def get(self, job_id: str) -> OutboxEntry:
        """Raises `NotFound` for an unknown job id."""
        ...

    async def update(self, entry: OutboxEntry, *, expected_version: int) -> None:
        """Stages the new state. Raises `NotFound`, or `StaleVersion` if someone else
        changed it first (two relays racing: only one marks it dispatched)."""
        ...

    async def record_done(
        self,
        job_id: str,
        result: dict[str, Any],
        *,
        started_at: datetime,
        finished_at: datetime,
    ) -> OutboxEntry | None:
        """Stages the end of a job that is done, as `OutboxEntry.done` writes it, unless
        its entry has an end already or is gone: answers the entry with its end, or None
        (then nothing is staged). Where the store can, one conditional write, no read."""
        ...

    async def newest(
        self,
        *,
        limit: int,
        before: str | None = None,
        status: JobStatus | None = None,
        kind: JobKind | None = None,
        since: datetime | None = None,
    ) -> list[OutboxEntry]:
        """Up to `limit` entries, newest first (ids sort by creation time), starting before
        the id `before`; only those of `kind`, created at or after `since`, and of
        `status` as the entry knows it: `done` and `failed` are recorded ends, `queued`
        and `running` both mean no end recorded yet (only the progress store tells them
        apart)."""
        ...

    async def pending(self, *, limit: int) -> list[OutboxEntry]:
        """Entries not yet dispatched whose job has not ended, oldest first. (A job can
        end undispatched: its hand-over failed in the accepting request after reaching
        the queue.)"""
        ...

    async def ended_before(self, before: datetime, *, limit: int) -> list[OutboxEntry]:
        """Entries whose job ended before that time, the earliest end first."""
        ...

    async def delete(self, job_id: str, *, expected_version: int | None = None) -> None:
        """Stages the removal of an entry. Raises `NotFound`, or `StaleVersion` if it is
        no longer at `expected_version`."""
        ...

    async def unfinished(self, *, dispatched_before: datetime, limit: int) -> list[OutboxEntry]:
        """Entries dispatched before that time whose job has no recorded end, the one
        dispatched longest ago first: the jobs a queue may have lost."""
        ...
