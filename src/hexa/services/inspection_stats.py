"""The example domain's numbers: inspections made, handed in and judged per hour or day,
and the findings of every judgement (one inspection's or a packet's) by rule and
severity, the rules that fail most first.

Counted where each happens (`InspectionCounts`, after its commit) into stat counts, so a
chart reads one total per period and key, however many inspections are stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from hexa.domain.errors import NotFound, ValidationError
from hexa.ports.inspections import InspectionsUnitOfWork, InspectionsUnitOfWorkFactory
from hexa.services.stat_tally import StatTally, day_of, hour_of, periods

HOURLY = "inspections/hour"
DAILY = "inspections/day"
FINDINGS = "findings/day"
EVENTS = ("created", "submitted", "passed", "failed")


class Bucket(StrEnum):
    HOUR = "hour"
    DAY = "day"

    @property
    def step(self) -> timedelta:
        return timedelta(hours=1) if self is Bucket.HOUR else timedelta(days=1)

    @property
    def widest(self) -> timedelta:
        """The widest range one answer covers: a chart's worth of bars."""
        return timedelta(days=31) if self is Bucket.HOUR else timedelta(days=366)


class InspectionCounts:
    """Counts each event once the change behind it is committed."""

    def __init__(self, tally: StatTally) -> None:
        self._tally = tally

    def happened(self, event: str, at: datetime) -> None:
        self._tally.count(HOURLY, hour_of(at), event)
        self._tally.count(DAILY, day_of(at), event)

    def found(self, findings: Mapping[tuple[str, str], int], at: datetime) -> None:
        """Findings by (rule id, severity), of one judgement or a packet's."""
        day = day_of(at)
        for (rule, severity), count in findings.items():
            self._tally.count(FINDINGS, day, f"{rule}|{severity}", count)


def tallied(findings: Iterable[Mapping[str, object]]) -> Counter[tuple[str, str]]:
    """A report's findings (`rule`, `severity`) counted by rule and severity."""
    return Counter((str(f["rule"]), str(f["severity"])) for f in findings)


@dataclass(frozen=True, slots=True)
class EventBucket:
    start: datetime
    counts: Mapping[str, int]  # every event of EVENTS, zero when none happened


@dataclass(frozen=True, slots=True)
class RuleFindings:
    rule: str
    rule_name: str | None  # None once the rule is deleted
    severity: str
    count: int


class InspectionStats:
    def __init__(self, uow: InspectionsUnitOfWorkFactory, tally: StatTally) -> None:
        self._uow = uow
        self._tally = tally

    async def inspections(
        self, *, since: datetime, until: datetime, bucket: Bucket
    ) -> list[EventBucket]:
        """Every bucket overlapping [since, until), oldest first, with its counts."""
        _check_range(since, until, bucket.widest)
        starts = periods(since, until, bucket.step)
        await self._tally.flush()  # this process's counts, not a second late
        series = HOURLY if bucket is Bucket.HOUR else DAILY
        async with self._uow(read_only=True) as uow:
            totals = await uow.stats.read(series, since=starts[0], until=until)
        counts = {start: dict.fromkeys(EVENTS, 0) for start in starts}
        for total in totals:
            if total.period in counts and total.key in counts[total.period]:
                counts[total.period][total.key] += total.count
        return [EventBucket(start, counts[start]) for start in starts]

    async def findings(self, *, since: datetime, until: datetime) -> list[RuleFindings]:
        """Findings of the days overlapping [since, until), by rule and severity, the
        most frequent first."""
        _check_range(since, until, Bucket.DAY.widest)
        await self._tally.flush()
        async with self._uow(read_only=True) as uow:
            totals = await uow.stats.read(FINDINGS, since=day_of(since), until=until)
            by_rule: Counter[tuple[str, str]] = Counter()
            for total in totals:
                rule, _, severity = total.key.rpartition("|")
                by_rule[rule, severity] += total.count
            names = {rule: await _name(uow, rule) for rule, _ in by_rule}
        return [
            RuleFindings(rule, names[rule], severity, count)
            for (rule, severity), count in sorted(by_rule.items(), key=lambda i: (-i[1], i[0]))
        ]


async def _name(uow: InspectionsUnitOfWork, rule_id: str) -> str | None:
    try:
        return (await uow.rules.get(rule_id)).name
    except NotFound:
        return None


def _check_range(since: datetime, until: datetime, widest: timedelta) -> None:
    if since >= until:
        raise ValidationError("`since` must come before `until`")
    if until - since > widest:
        raise ValidationError(f"a range of at most {widest.days} days for this bucket")
