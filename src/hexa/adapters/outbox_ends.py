"""What outbox stores without SQL share: a job's end for stores without a conditional
write of their own (the entry read, then updated under its version: memory; Mongo, whose
writes are staged until commit), and the test of an entry against the list's filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hexa.domain.errors import NotFound
from hexa.domain.jobs import JobKind, JobStatus, OutboxEntry
from hexa.ports.outbox import JobOutbox


class DoneByUpdate:
    """`JobOutbox.record_done` from the repository's own `get` and `update`."""

    async def record_done(
        self: JobOutbox,
        job_id: str,
        result: dict[str, Any],
        *,
        started_at: datetime,
        finished_at: datetime,
    ) -> OutboxEntry | None:
        try:
            entry = await self.get(job_id)
        except NotFound:
            return None
        if entry.outcome is not None:
            return None
        ended = entry.done(result=result, started_at=started_at, finished_at=finished_at)
        await self.update(ended, expected_version=entry.version)
        return ended


def listed(
    entry: OutboxEntry,
    *,
    before: str | None,
    status: JobStatus | None,
    kind: JobKind | None,
    since: datetime | None,
) -> bool:
    """Whether `JobOutbox.newest` lists the entry under these filters."""
    if before is not None and entry.id >= before:
        return False
    if kind is not None and entry.job.kind != kind:
        return False
    if since is not None and entry.created_at < since:
        return False
    if status is None:
        return True
    ended = None if entry.outcome is None else entry.outcome.status
    return ended is None if not status.is_terminal else ended is status
