"""Getting accepted jobs onto the queue: at once when it can be reached, later otherwise.

A job is accepted by writing it to the outbox in the same unit of work as the change
behind it, already marked dispatched (`accepted`): the accepting request hands it to the
queue right after its commit (`hand_over`), which then costs no second transaction. If
the queue is down, `hand_over` puts the entry back to pending and `relay` (a worker task)
retries it within seconds; if the process dies between the commit and the hand-over, the
relay hands the job over again once it has gone `redispatch_after` without an end. A queue can also lose what it was given (a Redis restarted without its
data, an arq job that waited past its expiry, an app restarted in in-process mode), so the
relay hands a job that has not ended over again now and then. Enqueueing is idempotent by
job id, and a job whose end is recorded is never run again, so neither retry runs a job
twice to a different result.
"""

from __future__ import annotations

import itertools
import logging
from datetime import timedelta

from hexa.domain.errors import NotFound, StaleVersion, Unavailable
from hexa.domain.jobs import Job, JobProgress, OutboxEntry
from hexa.ports.clock import Clock
from hexa.ports.jobs import JobQueue, ProgressStore
from hexa.ports.uow import UnitOfWorkFactory
from hexa.services.job_traces import published, publishing

log = logging.getLogger(__name__)


class JobDispatcher:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        queue: JobQueue,
        progress: ProgressStore,
        *,
        relay_after: timedelta = timedelta(seconds=10),
        redispatch_after: timedelta = timedelta(minutes=5),
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._queue = queue
        self._progress = progress
        # How long an entry waits pending before the relay hands it over: one whose
        # hand-over just failed is not retried against the same outage at once.
        self._relay_after = relay_after
        # How long a dispatched job may go without an end before it is handed over again.
        self._redispatch_after = redispatch_after

    def accepted(
        self,
        job: Job,
        *,
        total: int,
        started_by: str | None = None,
        retry_of: str | None = None,
    ) -> OutboxEntry:
        """The outbox entry of a job accepted now, for the caller to add in its unit of
        work and to `hand_over` once that is committed. `started_by`: the audit actor
        that caused it; `retry_of`: the failed job it runs again."""
        now = self._clock.now()
        return OutboxEntry(
            job,
            total=total,
            created_at=now,
            dispatched_at=now,
            started_by=started_by,
            retry_of=retry_of,
        )

    async def hand_over(self, entry: OutboxEntry) -> bool:
        """Queues the job of an entry `accepted` and committed; says whether it could.
        When the queue cannot be reached, the entry goes back to pending for the relay.
        Never raises for an outage."""
        try:
            with publishing([entry]):  # an outage leaves it marked failed
                await self._queue.enqueue(entry.job)
            return True
        except Unavailable as error:
            log.warning("job %s stays in the outbox: %s", entry.id, error.detail)
        try:
            async with self._uow() as uow:
                await uow.outbox.update(entry.undispatched(), expected_version=entry.version)
                await uow.commit()
        except (StaleVersion, NotFound):
            pass  # changed since (ended, or handed over by a relay): nothing to redo
        except Unavailable as error:  # the relay finds it later, as not ended in time
            log.warning("job %s not put back to pending: %s", entry.id, error.detail)
        return False

    async def dispatch(self, entry: OutboxEntry) -> bool:
        """Queues the job of a pending entry and marks it dispatched; says whether it
        could. Never raises for an outage."""
        try:
            await self._queue.enqueue(entry.job)
        except Unavailable as error:
            log.warning("job %s stays in the outbox: %s", entry.id, error.detail)
            return False
        try:
            async with self._uow() as uow:
                await uow.outbox.update(
                    entry.dispatched(now=self._clock.now()), expected_version=entry.version
                )
                await uow.commit()
        except (StaleVersion, NotFound):
            pass  # another dispatcher got there first: the job is queued either way
        except Unavailable as error:
            log.warning("job %s is queued, its outbox entry not yet marked: %s", entry.id, error)
        return True

    async def relay(self, *, limit: int = 100) -> int:
        """Dispatches entries left pending for longer than the grace period, then hands
        over again jobs dispatched long ago that have not ended; answers how many reached
        the queue."""
        async with self._uow(read_only=True) as uow:
            pending = await uow.outbox.pending(limit=limit)
        now = self._clock.now()
        cutoff = now - self._relay_after
        due = list(itertools.takewhile(lambda entry: entry.created_at <= cutoff, pending))
        sent = await self._dispatch_all(due)
        if sent < len(due):
            return sent  # the queue is down: try again at the next round
        async with self._uow(read_only=True) as uow:
            unfinished = await uow.outbox.unfinished(
                dispatched_before=now - self._redispatch_after, limit=limit
            )
        # Usually still queued or running, and the queue ignores them; marking them
        # dispatched again puts them at the back of this line.
        return sent + await self._dispatch_all(unfinished)

    async def _dispatch_all(self, entries: list[OutboxEntry]) -> int:
        """Dispatches `entries` in order until the queue cannot be reached; answers how
        many reached it. One span for them all, when there are any."""
        if not entries:
            return 0
        sent = 0
        with publishing(entries) as span:
            for entry in entries:
                if not await self.dispatch(entry):
                    break
                sent += 1
            published(span, sent, len(entries))
        return sent

    async def job(self, job_id: str) -> JobProgress:
        """The job's progress. When the progress store has lost the job, or cannot be
        reached, the outbox entry answers if it knows enough: how the job ended, or that
        it was never handed to the queue. A job handed over and not ended may be running;
        then only the progress store can tell, and its `Unavailable` is raised."""
        try:
            return await self._progress.get(job_id)
        except (NotFound, Unavailable) as missing:
            async with self._uow(read_only=True) as uow:
                try:
                    entry = await uow.outbox.get(job_id)
                except NotFound:
                    raise missing from None
            if isinstance(missing, Unavailable) and entry.outcome is None and entry.dispatched_at:
                raise
            return entry.progress()
