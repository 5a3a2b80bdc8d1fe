"""Running a background job to its end, once, whatever its kind.

A queue may deliver a job twice, a worker may die mid-job, Redis may lose progress: the
runner settles each job once, in its outbox entry (the record that outlives Redis), its
audit entry, its progress and the job tally. The work itself is the handler's, found by
the job's kind in the table the composition root gives (`hexa.bootstrap.areas`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hexa.domain.errors import DomainError, NotFound, StaleVersion, Unavailable, ValidationError
from hexa.domain.jobs import Job, JobKind, JobOutcome, JobProgress, JobStatus, OutboxEntry
from hexa.ports.clock import Clock
from hexa.ports.jobs import JobTally, ProgressStore
from hexa.ports.uow import UnitOfWorkFactory
from hexa.services.audit import record as audit
from hexa.services.job_traces import ended as traced_end
from hexa.services.job_traces import processing
from hexa.services.stat_tally import StatTally, minute_of

log = logging.getLogger(__name__)
WORKER = "worker"
# Attempts ended, by minute, key `<kind>|<outcome>`: kept JOB_MINUTES_KEPT (housekeeping).
JOBS_BY_MINUTE = "jobs/minute"
# Does a job's work and answers its result; raises `DomainError` for a job that can
# never succeed, anything else (`Unavailable`...) for one worth another attempt.
JobWork = Callable[[Job, JobProgress], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class InUnit:
    """A short job's work, done in the unit of work that records the job's end: its
    change, its outbox end and its audit entry commit together, in one transaction,
    instead of one each. `work` reads and writes through the unit it is given, and
    leaves the commit to the runner."""

    work: Callable[[Job, Any], Awaitable[dict[str, Any]]]
    # Told the job and its result once the unit that did the work has committed: what
    # should happen only when that change lasts (counting it, for a chart).
    committed: Callable[[Job, dict[str, Any]], None] = lambda job, result: None


JobHandler = JobWork | InUnit


class JobRunner:
    """Runs jobs to their end, whatever their kind: each kind's handler does the work,
    the runner keeps the record (outbox entry, audit, progress, tally) once only."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        progress: ProgressStore,
        tally: JobTally,
        handlers: Mapping[JobKind, JobHandler],
        *,
        stats: StatTally | None = None,
    ) -> None:
        """`stats`: where each attempt's end is counted by minute, kind and outcome (the
        operators' chart; `tally` keeps the totals `/metrics` reports)."""
        self._uow = uow
        self._clock = clock
        self._progress = progress
        self._tally = tally
        self._handlers = dict(handlers)
        self._stats = stats
        # Jobs of this process whose end was told but could not be recorded: their next
        # run records that end (the general path), not a new one.
        self._unrecorded: set[str] = set()

    async def run(
        self, job: Job, *, last_attempt: bool = True, retry: bool = False, attempt: int = 1
    ) -> None:
        """Runs one job to its end. A job that already ended is left alone (a queue may
        deliver twice). A transient failure (a store down, an unexpected error) is raised
        for the driver to retry, unless this is the last attempt: then, as for a
        permanent failure, the job ends `failed` with its error, in progress and audit.
        `retry`: the driver ran this job before (its end may have been told already);
        `attempt`: which run this is, kept with the job's end.

        The end is written to the job's outbox entry, with its audit entry, before it is
        saved as progress: the outbox is the record that outlives Redis. The run is one
        span of the trace that accepted the job (`job_traces.processing`)."""
        with processing(job, attempt=attempt):
            await self._run(job, last_attempt=last_attempt, retry=retry, attempt=attempt)

    async def _run(self, job: Job, *, last_attempt: bool, retry: bool, attempt: int) -> None:
        handler = self._handlers.get(job.kind)
        usual = not retry and job.id not in self._unrecorded
        if (
            usual
            and isinstance(handler, InUnit)
            and await self._run_in_unit(job, handler, last_attempt=last_attempt)
        ):
            return
        current = await self._unended(job)
        if current is None:
            return
        started = current.started(now=self._clock.now(), attempt=attempt)
        progress = await self._progress.save(started)
        log.info("job %s (%s) started", job.id, job.kind)
        try:
            result = await self._handle(job, progress)
        except Unavailable as error:
            if not last_attempt:
                await self._count(progress, JobOutcome.RETRIED)
                raise
            await self._end(progress.failed(error=error.detail, now=self._clock.now()))
        except DomainError as error:
            await self._end(progress.failed(error=error.detail, now=self._clock.now()))
        except Exception as error:
            if not last_attempt:
                await self._count(progress, JobOutcome.RETRIED)
                raise
            log.exception("job %s failed on its last attempt", job.id)
            reason = f"{type(error).__name__}: {error}"
            await self._end(progress.failed(error=reason, now=self._clock.now()))
        else:
            await self._end(progress.done(result=result, now=self._clock.now()))

    async def give_up(self, job: Job, reason: str) -> None:
        """Ends a job that could not finish (out of time, or of attempts) `failed` with
        the reason, in progress and audit; a job that has ended is left as it ended."""
        progress = await self._unended(job)
        if progress is None:
            return
        log.error("job %s failed: %s", job.id, reason)
        await self._end(progress.failed(error=reason, now=self._clock.now()))

    @property
    def kinds(self) -> frozenset[JobKind]:
        """The kinds of job this runner can run."""
        return frozenset(self._handlers)

    async def _run_in_unit(self, job: Job, handler: InUnit, *, last_attempt: bool) -> bool:
        """The usual run of an `InUnit` job: one unit of work for its work, its end and its
        audit; says whether it ran the job to its end. The end is written only where
        none is (`JobOutbox.record_done`), so the outbox entry is not read first, and
        a redelivered job's work is rolled back with the unit. Anything unusual (no
        outbox entry, an end already known, the work failing, a concurrent run ending it
        first) is left, rolled back, to the general path, which settles each; an outage
        with attempts left is raised for a retry.

        A job this short is not announced `running`: its watchers see it queued, then
        done, a Redis call less a job (two calls and a read of the entry were a fifth of
        the time of a job that judges one inspection)."""
        started_at = self._clock.now()
        log.info("job %s (%s) started", job.id, job.kind)
        try:
            async with self._uow() as uow:
                result = await handler.work(job, uow)
                entry = await uow.outbox.record_done(
                    job.id, result, started_at=started_at, finished_at=self._clock.now()
                )
                if entry is None or entry.outcome is None:
                    return False
                verdict = result.get("verdict")
                await audit(uow, self._clock, WORKER, "job.done", job.id, verdict=verdict)
                await uow.commit()
            handler.committed(job, result)
        except Unavailable:
            if last_attempt:
                return False  # the general path tries once more, then records the failure
            await self._count(JobProgress.queued(job, total=0, now=started_at), JobOutcome.RETRIED)
            raise
        except Exception as error:  # settled by the general path, which runs it again
            log.warning("job %s goes the general way: %r", job.id, error)
            return False
        await self._told(entry.outcome)
        return True

    async def _handle(self, job: Job, progress: JobProgress) -> dict[str, Any]:
        handler = self._handlers.get(job.kind)
        if handler is None:  # queued by a release that had it, or by a bug
            raise ValidationError(f"no handler for jobs of kind {job.kind!r}")
        if isinstance(handler, InUnit):
            async with self._uow() as uow:
                result = await handler.work(job, uow)
                await uow.commit()
            handler.committed(job, result)
            return result
        return await handler(job, progress)

    async def _unended(self, job: Job) -> JobProgress | None:
        """The job's progress, or None if it has already ended: then its end is made
        known where it is missing (progress that missed it, a record an outage lost)."""
        entry = await self._entry(job.id)
        if entry is not None and entry.outcome is not None:
            log.info("job %s already ended %s; not run again", job.id, entry.outcome.status)
            self._unrecorded.discard(job.id)
            await self._announce(entry.outcome)
            return None
        progress = await self._latest(job, entry)
        if progress.status.is_terminal:
            log.info("job %s already ended %s; not run again", job.id, progress.status)
            await self._remember(progress, redelivered=True)
            self._unrecorded.discard(job.id)
            return None
        return progress

    async def _entry(self, job_id: str) -> OutboxEntry | None:
        async with self._uow(read_only=True) as uow:
            try:
                return await uow.outbox.get(job_id)
            except NotFound:  # a job handed to the queue without the outbox
                return None

    async def _latest(self, job: Job, entry: OutboxEntry | None) -> JobProgress:
        try:
            return await self._progress.get(job.id)
        except NotFound:  # progress expired or was lost: start again from the outbox
            pass
        if entry is not None:
            return entry.progress()
        return JobProgress.queued(job, total=0, now=self._clock.now())

    async def _end(self, ended: JobProgress) -> None:
        """Records the end, then tells it. When the record cannot be written, the end is
        still told (its watchers are waiting) and `Unavailable` raised: the driver calls
        again, and that call, finding the end in the progress store, records it. (A
        short job's usual path, which reads no progress, is not taken for a retry.)"""
        try:
            recorded = await self._remember(ended, redelivered=False)
        except Unavailable:
            self._unrecorded.add(ended.id)
            await self._told(ended)
            raise
        if recorded is not None:  # another run ended it first: its end is the job's
            await self._announce(recorded)
            return
        await self._told(ended)

    async def _told(self, ended: JobProgress) -> None:
        log.info("job %s ended %s", ended.id, ended.status)
        traced_end(ended.status.value, ended.error)
        await self._progress.save(ended)
        outcome = JobOutcome.DONE if ended.status is JobStatus.DONE else JobOutcome.FAILED
        await self._count(ended, outcome)

    async def _remember(self, ended: JobProgress, *, redelivered: bool) -> JobProgress | None:
        """Writes the job's end to its outbox entry and audits it, in one unit of work and
        once only; answers the end recorded before, if another run recorded one. Raises
        `Unavailable` when the store cannot be reached."""
        if ended.status is JobStatus.DONE:
            action, detail = "job.done", {"verdict": ended.result.get("verdict")}
        else:
            action, detail = "job.failed", {"error": ended.error}
        for _ in range(3):  # a relay may be marking the entry dispatched at the same time
            try:
                async with self._uow() as uow:
                    try:
                        entry: OutboxEntry | None = await uow.outbox.get(ended.id)
                    except NotFound:
                        entry = None
                    if entry is not None and entry.outcome is not None:
                        return entry.outcome
                    if entry is None and redelivered:
                        return None  # nothing records whether it was audited: it was, once
                    if entry is not None:
                        await uow.outbox.update(entry.ended(ended), expected_version=entry.version)
                    await audit(uow, self._clock, WORKER, action, ended.id, **detail)
                    await uow.commit()
                return None
            except StaleVersion:
                continue
            except Unavailable as error:
                log.error("could not record the end of job %s: %s", ended.id, error.detail)
                raise
        log.error("could not record the end of job %s: its entry kept changing", ended.id)
        return None

    async def _announce(self, ended: JobProgress) -> None:
        """Saves a recorded end as progress, for a progress store that missed it."""
        try:
            current = await self._progress.get(ended.id)
        except NotFound:
            current = None
        if current is None or not current.status.is_terminal:
            await self._progress.save(ended)

    async def _count(self, progress: JobProgress, outcome: JobOutcome) -> None:
        if self._stats is not None:
            minute = minute_of(self._clock.now())
            self._stats.count(JOBS_BY_MINUTE, minute, f"{progress.kind}|{outcome}")
        seconds = None
        if progress.started_at is not None and progress.finished_at is not None:
            seconds = (progress.finished_at - progress.started_at).total_seconds()
        try:
            await self._tally.record(progress.kind, outcome, seconds=seconds)
        except Unavailable as error:  # a metric is not worth failing or rerunning a job
            log.warning("could not count job %s as %s: %s", progress.id, outcome, error.detail)
