"""Judging one submitted inspection by the enabled rules: the `validate_inspection` job."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from hexa.domain.errors import Unavailable
from hexa.domain.inspections import InspectionStatus
from hexa.domain.jobs import Job
from hexa.domain.rules import Rule
from hexa.domain.validation import Report, Verdict, evaluate
from hexa.ports.clock import Clock
from hexa.ports.inspections import InspectionsUnitOfWork
from hexa.ports.security import ChangeCounter
from hexa.services.inspection_stats import InspectionCounts, tallied


def summary(report: Report) -> dict[str, Any]:
    return {
        "verdict": report.verdict.value,
        "findings": [asdict(f) | {"severity": f.severity.value} for f in report.findings],
    }


class EnabledRules:
    """The enabled rules, kept from one job to the next until the rules' change counter
    moves (`RuleService` moves it after every change) or `max_age` has passed: a job
    reads one shared counter instead of every rule. The age bounds how long a change
    whose announcement failed goes unseen; while the counter cannot be read, the rules
    are read from the store each time."""

    def __init__(
        self, changes: ChangeCounter, clock: Clock, *, max_age: timedelta = timedelta(minutes=1)
    ) -> None:
        self._changes = changes
        self._clock = clock
        self._max_age = max_age
        self._kept: tuple[int, datetime, list[Rule]] | None = None

    async def of(self, uow: InspectionsUnitOfWork) -> list[Rule]:
        now = self._clock.now()
        try:
            generation = await self._changes.current()  # before the read: never newer
        except Unavailable:
            self._kept = None
            return await uow.rules.enabled()
        if self._kept is not None:
            kept_generation, kept_at, rules = self._kept
            if kept_generation == generation and now - kept_at < self._max_age:
                return rules
        rules = await uow.rules.enabled()
        self._kept = (generation, now, rules)
        return rules


# Verdicts awaiting their unit's commit, at most: one whose unit rolled back and whose job
# never ran here again would otherwise stay for good.
KEPT_VERDICTS = 10_000


class InspectionJudge:
    def __init__(
        self,
        clock: Clock,
        rule_changes: ChangeCounter,
        *,
        counts: InspectionCounts | None = None,
    ) -> None:
        """`counts`: where each verdict and its findings are counted, once committed."""
        self._clock = clock
        self._rules = EnabledRules(rule_changes, clock)
        self._counts = counts
        # The verdicts reached by work not yet committed, by job: counted at its commit
        # (`committed`), so a verdict reached by an earlier attempt is not counted twice.
        self._concluded: dict[str, tuple[str, datetime]] = {}

    async def judge(self, job: Job, uow: InspectionsUnitOfWork) -> dict[str, Any]:
        """The job's work (`InUnit`): judges the submitted inspection its payload names by
        the enabled rules and concludes it, in the runner's unit of work."""
        inspection_id = job.payload["inspection_id"]
        inspection = await uow.inspections.get(inspection_id)
        report = evaluate(await self._rules.of(uow), inspection)
        if inspection.status not in (InspectionStatus.PASSED, InspectionStatus.FAILED):
            # (Else concluded by an earlier attempt whose outcome was never recorded.)
            passed = report.verdict is Verdict.PASSED
            concluded = inspection.conclude(passed=passed, now=self._clock.now())
            await uow.inspections.update(concluded, expected_version=inspection.version)
            if self._counts is not None:
                self._concluded[job.id] = (report.verdict.value, concluded.updated_at)
                while len(self._concluded) > KEPT_VERDICTS:  # work rolled back, not rerun here
                    del self._concluded[next(iter(self._concluded))]
        return {"inspection_id": inspection_id} | summary(report)

    def committed(self, job: Job, result: dict[str, Any]) -> None:
        """Counts the verdict this job's committed work reached, and its findings."""
        concluded = self._concluded.pop(job.id, None)
        if concluded is None or self._counts is None:
            return
        verdict, at = concluded
        self._counts.happened(verdict, at)
        self._counts.found(tallied(result.get("findings", ())), at)
