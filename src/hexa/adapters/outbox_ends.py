"""A job's end for outbox stores without a conditional write of their own: the entry read,
then updated under its version (memory; Mongo, whose writes are staged until commit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hexa.domain.errors import NotFound
from hexa.domain.jobs import OutboxEntry
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
