"""Judging one submitted inspection by the enabled rules: the `validate_inspection` job."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from hexa.domain.inspections import InspectionStatus
from hexa.domain.jobs import Job
from hexa.domain.validation import Report, Verdict, evaluate
from hexa.ports.clock import Clock
from hexa.ports.inspections import InspectionsUnitOfWork


def summary(report: Report) -> dict[str, Any]:
    return {
        "verdict": report.verdict.value,
        "findings": [asdict(f) | {"severity": f.severity.value} for f in report.findings],
    }


class InspectionJudge:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def judge(self, job: Job, uow: InspectionsUnitOfWork) -> dict[str, Any]:
        """The job's work (`InUnit`): judges the submitted inspection its payload names by
        the enabled rules and concludes it, in the runner's unit of work."""
        inspection_id = job.payload["inspection_id"]
        inspection = await uow.inspections.get(inspection_id)
        report = evaluate(await uow.rules.enabled(), inspection)
        if inspection.status not in (InspectionStatus.PASSED, InspectionStatus.FAILED):
            # (Else concluded by an earlier attempt whose outcome was never recorded.)
            passed = report.verdict is Verdict.PASSED
            concluded = inspection.conclude(passed=passed, now=self._clock.now())
            await uow.inspections.update(concluded, expected_version=inspection.version)
        return {"inspection_id": inspection_id} | summary(report)
