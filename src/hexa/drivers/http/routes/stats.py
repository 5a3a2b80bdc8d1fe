"""The numbers behind the charts: `/api/v1/stats/*` (scope `inspections:read`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from hexa.domain.errors import ValidationError
from hexa.drivers.http.dependencies import IsoTime, Services, utc
from hexa.drivers.http.guarded import GuardedRoute
from hexa.drivers.http.routes.inspections import InspectionsReader
from hexa.services.inspection_stats import (
    EVENTS,
    Bucket,
    EventBucket,
    InspectionStats,
    RuleFindings,
)

router = APIRouter(prefix="/api/v1/stats", tags=["stats"], route_class=GuardedRoute)
# The range a chart shows when the caller names none.
_DEFAULT_SPAN = {Bucket.HOUR: timedelta(hours=24), Bucket.DAY: timedelta(days=30)}
_FINDINGS_SPAN = timedelta(days=7)
Moment = Annotated[IsoTime | None, Query(description="an ISO 8601 time; UTC if no offset")]


class EventCountsOut(BaseModel):
    start: datetime = Field(description="the bucket's start (UTC)")
    created: int = Field(description="inspections made")
    submitted: int = Field(description="inspections handed in")
    passed: int = Field(description="verdicts: passed")
    failed: int = Field(description="verdicts: failed")

    @classmethod
    def of(cls, bucket: EventBucket) -> EventCountsOut:
        return cls(start=bucket.start, **bucket.counts)


class InspectionStatsOut(BaseModel):
    bucket: Bucket
    since: datetime
    until: datetime
    buckets: list[EventCountsOut] = Field(description="every bucket of the range, oldest first")
    totals: dict[str, int] = Field(description="the buckets' counts added up, by event")


class RuleFindingsOut(BaseModel):
    rule: str = Field(description="the rule's id")
    rule_name: str | None = Field(description="its name; null once the rule is deleted")
    severity: str
    count: int

    @classmethod
    def of(cls, found: RuleFindings) -> RuleFindingsOut:
        return cls(
            rule=found.rule, rule_name=found.rule_name, severity=found.severity, count=found.count
        )


class FindingStatsOut(BaseModel):
    since: datetime = Field(description="the start of the first day counted (UTC)")
    until: datetime
    rules: list[RuleFindingsOut] = Field(description="by rule and severity, most findings first")


@router.get("/inspections")
async def inspection_stats(
    _: InspectionsReader,
    hexa: Services,
    since: Moment = None,
    until: Moment = None,
    bucket: Annotated[Bucket, Query(description="`hour` (31 days at most) or `day`")] = Bucket.HOUR,
) -> InspectionStatsOut:
    """Per bucket, how many inspections were made, handed in, passed and failed (counted
    when each happened: a deleted inspection's count stays). Defaults: the last 24 hours
    by hour, the last 30 days by day."""
    since, until = _range(since, until, _DEFAULT_SPAN[bucket], hexa.clock.now())
    buckets = await hexa.service(InspectionStats).inspections(
        since=since, until=until, bucket=bucket
    )
    totals = {event: sum(b.counts[event] for b in buckets) for event in EVENTS}
    return InspectionStatsOut(
        bucket=bucket,
        since=since,
        until=until,
        buckets=[EventCountsOut.of(b) for b in buckets],
        totals=totals,
    )


@router.get("/findings")
async def finding_stats(
    _: InspectionsReader, hexa: Services, since: Moment = None, until: Moment = None
) -> FindingStatsOut:
    """Findings of every judgement (single inspections and packets) by rule and
    severity, the rules that fail most first; counted by day (UTC), so `since` counts
    from the start of its day. Default: the last 7 days."""
    since, until = _range(since, until, _FINDINGS_SPAN, hexa.clock.now())
    found = await hexa.service(InspectionStats).findings(since=since, until=until)
    first_day = since.replace(hour=0, minute=0, second=0, microsecond=0)
    return FindingStatsOut(
        since=first_day, until=until, rules=[RuleFindingsOut.of(f) for f in found]
    )


def _range(
    since: datetime | None, until: datetime | None, span: timedelta, now: datetime
) -> tuple[datetime, datetime]:
    """The range asked for, in UTC; `until` now and `since` a `span` before it unless
    given."""
    end = now if until is None else utc(until)
    if since is not None:
        return utc(since), end
    try:
        return end - span, end
    except OverflowError:  # a span before the year 1
        raise ValidationError("the range reaches before the year 1") from None
