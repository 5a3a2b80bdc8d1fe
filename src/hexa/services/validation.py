"""Judging one submitted inspection by the enabled rules: the `validate_inspection` job."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from hexa.domain.inspections import InspectionStatus
from hexa.domain.jobs import Job, JobProgress
from hexa.domain.validation import Report, Verdict, evaluate
from hexa.ports.clock import Clock
from hexa.ports.inspections import InspectionsUnitOfWorkFactory


def summary(report: Report) -> dict[str, Any]:
    return {
        "verdict": report.verdict.value,
        "findings": [asdict(f) | {"severity": f.severity.value} for f in report.findings],
    }


class InspectionJudge:
    def __init__(self, uow: InspectionsUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def run(self, job: Job, progress: JobProgress) -> dict[str, Any]:
        """The job handler: judges the inspection its payload names."""
        return await self.validate_inspection(job.payload["inspection_id"])

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
