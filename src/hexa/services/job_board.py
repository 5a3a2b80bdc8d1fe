"""The operators' view of the jobs: every job the outbox keeps, newest first, where each
stands, and a failed one run again."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from hexa.domain.errors import Conflict, NotFound, Unavailable
from hexa.domain.identity import new_id
from hexa.domain.jobs import JobKind, JobOutcome, JobProgress, JobRecord, JobStatus, OutboxEntry
from hexa.ports.clock import Clock
from hexa.ports.jobs import Heartbeat, JobQueue, ProgressStore
from hexa.ports.uow import UnitOfWorkFactory
from hexa.services.audit import record as audit
from hexa.services.dispatch import JobDispatcher
from hexa.services.job_traces import add_traced
from hexa.services.jobs import JOBS_BY_MINUTE
from hexa.services.pages import MAX_LIMIT, Page
from hexa.services.stat_tally import StatTally, minute_of, periods

# How many entries one page may read to find its jobs when it filters on what only the
# progress store knows (queued or running): a page may then hold fewer than `limit`, and
# its cursor goes on from where the reading stopped.
SCAN_PAGES = 5


@dataclass(frozen=True, slots=True)
class JobActivity:
    """How the job machinery is doing: what waits in the queue (None when the queue
    cannot be asked), when a worker last beat (None: none within the heartbeat's time to
    live), and attempts ended per minute by outcome, oldest minute first."""

    queue_depth: int | None
    last_beat: datetime | None
    per_minute: list[tuple[datetime, dict[str, int]]]


class JobBoard:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        dispatcher: JobDispatcher,
        progress: ProgressStore,
        *,
        queue: JobQueue,
        heartbeat: Heartbeat,
        stats: StatTally,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._dispatcher = dispatcher
        self._progress = progress
        self._queue = queue
        self._heartbeat = heartbeat
        self._stats = stats

    async def activity(self, *, minutes: int = 60) -> JobActivity:
        """The last `minutes` minutes (the current one included)."""
        minute = timedelta(minutes=1)
        until = minute_of(self._clock.now()) + minute  # the current minute included
        starts = periods(until - minutes * minute, until, minute)
        try:
            depth: int | None = await self._queue.depth()
        except Unavailable:
            depth = None
        try:
            last_beat = await self._heartbeat.last()
        except Unavailable:
            last_beat = None
        await self._stats.flush()
        async with self._uow(read_only=True) as uow:
            totals = await uow.stats.read(JOBS_BY_MINUTE, since=starts[0], until=until)
        counts = {start: dict.fromkeys(JobOutcome, 0) for start in starts}
        for total in totals:
            _, _, outcome = total.key.rpartition("|")
            if total.period in counts and outcome in counts[total.period]:
                counts[total.period][JobOutcome(outcome)] += total.count
        per_minute = [(start, {o.value: n for o, n in counts[start].items()}) for start in starts]
        return JobActivity(depth, last_beat, per_minute)

    async def page(
        self,
        *,
        limit: int,
        before: str | None = None,
        status: JobStatus | None = None,
        kind: JobKind | None = None,
        since: datetime | None = None,
    ) -> Page[JobRecord]:
        """Newest first; `next_after` is the id to continue before, with the same filters."""
        limit = max(1, min(limit, MAX_LIMIT))
        found: list[JobRecord] = []
        cursor = before
        for _ in range(SCAN_PAGES):
            async with self._uow(read_only=True) as uow:
                entries = await uow.outbox.newest(
                    limit=limit + 1, before=cursor, status=status, kind=kind, since=since
                )
            records = await self._records(entries)
            for entry, record in zip(entries, records, strict=True):
                cursor = entry.id
                if status is None or record.progress.status is status:
                    found.append(record)
                    if len(found) > limit:
                        return Page(found[:limit], found[limit - 1].id)
            if len(entries) <= limit:
                return Page(found, None)  # the store has no more
        return Page(found, cursor)  # read enough for one page: the rest on the next

    async def retry(self, job_id: str, *, actor: str, request_id: str | None) -> JobRecord:
        """Runs a failed job again as a new job (the failed one keeps its record), through
        the outbox like any job, audited. Raises `NotFound`, `InvalidTransition` unless
        the job failed, `Conflict` if it was retried already."""
        async with self._uow() as uow:
            failed = await uow.outbox.get(job_id)
            job = failed.retried_as(new_id(), request_id=request_id)
            entry = self._dispatcher.accepted(
                job, total=failed.total, started_by=actor, retry_of=failed.id
            )
            try:
                entry = await add_traced(uow.outbox, entry)
                await audit(
                    uow, self._clock, actor, "job.retried", failed.id, job=job.id, kind=job.kind
                )
                await uow.commit()
            except Conflict:
                raise Conflict(f"job {job_id} has been retried already") from None
        await self._dispatcher.hand_over(entry)
        return JobRecord(entry, entry.queued())

    async def _records(self, entries: list[OutboxEntry]) -> list[JobRecord]:
        """Each entry with where its job stands: its recorded end, else what the progress
        store says (queued, when it has lost the job or cannot be reached)."""

        async def standing(entry: OutboxEntry) -> JobProgress:
            if entry.outcome is not None:
                return entry.outcome
            try:
                return await self._progress.get(entry.id)
            except (NotFound, Unavailable):
                return entry.queued()

        progress = await asyncio.gather(*(standing(entry) for entry in entries))
        return [JobRecord(e, p) for e, p in zip(entries, progress, strict=True)]
