"""Getting accepted jobs onto the queue: at once when it can be reached, later otherwise.

A job is accepted by writing it to the outbox in the same unit of work as the change
behind it. `dispatch` then records it as queued and hands it to the queue; if the queue or
the progress store is down, the entry simply stays pending and `relay` (a worker cron
task) retries it. A queue can also lose what it was given (a Redis restarted without its
data, an arq job that waited past its expiry, an app restarted in in-process mode), so the
relay hands a job that has not ended over again now and then. Enqueueing is idempotent by
job id, and a job whose end is recorded is never run again, so neither retry runs a job
twice to a different result.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from hexa.domain.errors import NotFound, StaleVersion, Unavailable
from hexa.domain.jobs import JobProgress, OutboxEntry
from hexa.ports.clock import Clock
from hexa.ports.jobs import JobQueue, ProgressStore
from hexa.ports.uow import UnitOfWorkFactory

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
        # The request that accepted a job dispatches it itself; the relay leaves it that
        # long, so the two do not race for the same fresh entry.
        self._relay_after = relay_after
        # How long a dispatched job may go without an end before it is handed over again.
        self._redispatch_after = redispatch_after

    async def dispatch(self, entry: OutboxEntry) -> bool:
        """Queues the entry's job; says whether it could. Never raises for an outage."""
        try:
            await self._record_queued(entry)
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
        sent = 0
        for entry in pending:
            if entry.created_at > cutoff:
                break
            if not await self.dispatch(entry):
                return sent  # the queue is down: try again at the next round
            sent += 1
        async with self._uow(read_only=True) as uow:
            unfinished = await uow.outbox.unfinished(
                dispatched_before=now - self._redispatch_after, limit=limit
            )
        for entry in unfinished:
            # Usually still queued or running, and the queue ignores it; marking it
            # dispatched again puts it at the back of this line.
            if not await self.dispatch(entry):
                break
            sent += 1
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

    async def _record_queued(self, entry: OutboxEntry) -> None:
        try:
            await self._progress.get(entry.id)
        except NotFound:
            await self._progress.save(entry.queued())
