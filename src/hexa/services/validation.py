"""Running validation jobs: one inspection, or a packet of many."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from hexa.domain.errors import DomainError, NotFound, Unavailable
from hexa.domain.inspections import InspectionStatus
from hexa.domain.jobs import Job, JobKind, JobOutcome, JobProgress
from hexa.domain.validation import Report, Verdict, evaluate
from hexa.ports.clock import Clock
from hexa.ports.jobs import JobTally, ProgressStore
from hexa.ports.uow import UnitOfWorkFactory
from hexa.services.audit import record as audit
from hexa.services.packets import PacketJudge

log = logging.getLogger(__name__)
WORKER = "worker"


def summary(report: Report) -> dict[str, Any]:
    return {
        "verdict": report.verdict.value,
        "findings": [asdict(f) | {"severity": f.severity.value} for f in report.findings],
    }


class ValidationService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        progress: ProgressStore,
        packets: PacketJudge,
        tally: JobTally,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._progress = progress
        self._packets = packets
        self._tally = tally

    async def run(self, job: Job, *, last_attempt: bool = True) -> None:
        """Runs one job to its end. A job that already ended is left alone (a queue may
        deliver twice). A transient failure (a store down, an unexpected error) is raised
        for the driver to retry, unless this is the last attempt: then, as for a
        permanent failure, the job ends `failed` with its error, in progress and audit."""
        progress = await self._current(job)
        if progress.status.is_terminal:
            log.info("job %s already ended %s; not run again", job.id, progress.status)
            return
        progress = await self._progress.save(progress.started(now=self._clock.now()))
        try:
            result = await self._handle(job, progress)
        except Unavailable as error:
            if not last_attempt:
                await self._count(progress, JobOutcome.RETRIED)
                raise
            await self._fail(progress, error.detail)
        except DomainError as error:
            await self._fail(progress, error.detail)
        except Exception as error:
            if not last_attempt:
                await self._count(progress, JobOutcome.RETRIED)
                raise
            log.exception("job %s failed on its last attempt", job.id)
            await self._fail(progress, f"{type(error).__name__}: {error}")
        else:
            done = progress.done(result=result, now=self._clock.now())
            await self._progress.save(done)
            await self._count(done, JobOutcome.DONE)
            await self._audit("job.done", job.id, verdict=result.get("verdict"))

    async def _handle(self, job: Job, progress: JobProgress) -> dict[str, Any]:
        if job.kind is JobKind.VALIDATE_INSPECTION:
            return await self.validate_inspection(job.payload["inspection_id"])
        if job.kind is JobKind.VALIDATE_PACKET:
            return await self._packets.run(job, progress)
        raise ValueError(f"no handler for job kind {job.kind}")  # pragma: no cover

    async def _current(self, job: Job) -> JobProgress:
        try:
            return await self._progress.get(job.id)
        except NotFound:  # progress expired or was lost: start again from the outbox
            pass
        try:
            async with self._uow() as uow:
                return (await uow.outbox.get(job.id)).queued()
        except NotFound:  # nor an outbox entry: the job itself is what counts
            return JobProgress.queued(job, total=0, now=self._clock.now())

    async def _fail(self, progress: JobProgress, error: str) -> None:
        failed = progress.failed(error=error, now=self._clock.now())
        await self._progress.save(failed)
        await self._count(failed, JobOutcome.FAILED)
        await self._audit("job.failed", progress.id, error=error)

    async def _count(self, progress: JobProgress, outcome: JobOutcome) -> None:
        seconds = None
        if progress.started_at is not None and progress.finished_at is not None:
            seconds = (progress.finished_at - progress.started_at).total_seconds()
        try:
            await self._tally.record(progress.kind, outcome, seconds=seconds)
        except Unavailable as error:  # a metric is not worth failing or rerunning a job
            log.warning("could not count job %s as %s: %s", progress.id, outcome, error.detail)

    async def _audit(self, action: str, job_id: str, **detail: Any) -> None:
        try:
            async with self._uow() as uow:
                await audit(uow, self._clock, WORKER, action, job_id, **detail)
                await uow.commit()
        except Unavailable as error:  # the job's outcome stands; only its audit line is lost
            log.error("could not audit %s of job %s: %s", action, job_id, error.detail)

    async def validate_inspection(self, inspection_id: str) -> dict[str, Any]:
        """Judges a submitted inspection by the enabled rules and records the verdict."""
        async with self._uow() as uow:
            inspection = await uow.inspections.get(inspection_id)
            report = evaluate(await uow.rules.enabled(), inspection)
            if inspection.status in (InspectionStatus.PASSED, InspectionStatus.FAILED):
                # Concluded by an earlier attempt whose outcome was never reported.
                return {"inspection_id": inspection_id} | summary(report)
            passed = report.verdict is Verdict.PASSED
            concluded = inspection.conclude(passed=passed, now=self._clock.now())
            await uow.inspections.update(concluded, expected_version=inspection.version)
            await uow.commit()
        return {"inspection_id": inspection_id} | summary(report)
