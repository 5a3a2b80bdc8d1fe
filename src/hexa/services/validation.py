"""Running validation jobs, and answering for their progress."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from hexa.domain.errors import DomainError
from hexa.domain.jobs import Job, JobKind, JobProgress
from hexa.domain.validation import Report, Verdict, evaluate
from hexa.ports.clock import Clock
from hexa.ports.jobs import ProgressStore
from hexa.ports.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


def summary(report: Report) -> dict[str, Any]:
    return {
        "verdict": report.verdict.value,
        "findings": [asdict(f) | {"severity": f.severity.value} for f in report.findings],
    }


class ValidationService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, progress: ProgressStore) -> None:
        self._uow = uow
        self._clock = clock
        self._progress = progress

    async def job(self, job_id: str) -> JobProgress:
        return await self._progress.get(job_id)

    async def run(self, job: Job) -> None:
        """Runs one job to its end; its outcome, failure included, lands in the progress."""
        progress = (await self._progress.get(job.id)).started(now=self._clock.now())
        await self._progress.save(progress)
        try:
            if job.kind is JobKind.VALIDATE_INSPECTION:
                result = await self.validate_inspection(job.payload["inspection_id"])
            else:  # pragma: no cover - every kind is handled above
                raise ValueError(f"no handler for job kind {job.kind}")
        except DomainError as error:
            await self._progress.save(progress.failed(error=error.detail, now=self._clock.now()))
            return
        except Exception as error:
            log.exception("job %s failed", job.id)
            failed = progress.failed(
                error=f"{type(error).__name__}: {error}", now=self._clock.now()
            )
            await self._progress.save(failed)
            raise
        await self._progress.save(progress.done(result=result, now=self._clock.now()))

    async def validate_inspection(self, inspection_id: str) -> dict[str, Any]:
        """Judges a submitted inspection by the enabled rules and records the verdict."""
        async with self._uow() as uow:
            inspection = await uow.inspections.get(inspection_id)
            report = evaluate(await uow.rules.enabled(), inspection)
            passed = report.verdict is Verdict.PASSED
            concluded = inspection.conclude(passed=passed, now=self._clock.now())
            await uow.inspections.update(concluded, expected_version=inspection.version)
            await uow.commit()
        return {"inspection_id": inspection_id} | summary(report)
