"""Every job, and how the job machinery is doing, for operators: `/api/admin/jobs`,
`/api/admin/overview` (scope `admin`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from hexa.domain.jobs import JobKind, JobStatus
from hexa.drivers.http.auth import Admin
from hexa.drivers.http.dependencies import (
    IsoTime,
    PagingParams,
    RequestId,
    Services,
    bound,
    encode_cursor,
)
from hexa.drivers.http.guarded import GuardedRoute
from hexa.drivers.http.openapi import problems
from hexa.drivers.http.schemas import ListedJobOut, PageOut

AcceptedSince = Annotated[
    IsoTime | None, Query(description="only jobs accepted at or after this time")
]
router = APIRouter(prefix="/api/admin", tags=["admin"], route_class=GuardedRoute)


class MinuteOut(BaseModel):
    start: datetime
    done: int
    failed: int
    retried: int = Field(description="attempts that failed and were queued again")


class OverviewOut(BaseModel):
    queue_depth: int | None = Field(description="jobs waiting to start; null: the queue is down")
    worker_last_beat: datetime | None = Field(
        description="a worker's latest heartbeat; null: none alive"
    )
    jobs_per_minute: list[MinuteOut] = Field(
        description="attempts ended in each of the last 60 minutes, oldest first"
    )


@router.get("/overview")
async def overview(_: Admin, hexa: Services) -> OverviewOut:
    """The job machinery at a glance; each dependency's health is `/healthz`'s."""
    activity = await hexa.job_board.activity()
    return OverviewOut(
        queue_depth=activity.queue_depth,
        worker_last_beat=activity.last_beat,
        jobs_per_minute=[MinuteOut(start=start, **counts) for start, counts in activity.per_minute],
    )


@router.get("/jobs")
async def list_jobs(
    _: Admin,
    hexa: Services,
    paging: PagingParams,
    status: Annotated[JobStatus | None, Query(description="only jobs that stand so")] = None,
    kind: Annotated[
        str | None, Query(max_length=50, description="only jobs of this kind (`validate_packet`)")
    ] = None,
    since: AcceptedSince = None,
) -> PageOut[ListedJobOut]:
    """Every job the outbox keeps (ended ones for `JOB_RETENTION_DAYS`), newest first.
    Filtering on `queued` or `running`, which only the progress store tells apart, a
    page may hold fewer than `limit`: its cursor goes on."""
    page = await hexa.job_board.page(
        limit=paging.limit,
        before=paging.after,
        status=status,
        kind=JobKind(kind) if kind else None,
        since=None if since is None else bound(since),
    )
    return PageOut(
        items=[ListedJobOut.of_record(r) for r in page.items],
        next_cursor=encode_cursor(page.next_after),
    )


@router.post(
    "/jobs/{job_id}/retry", status_code=status.HTTP_202_ACCEPTED, responses=problems(404, 409)
)
async def retry_job(
    admin: Admin, job_id: str, hexa: Services, response: Response, request_id: RequestId
) -> ListedJobOut:
    """Runs a `failed` job again, as a new job (answered; `retry_of` names the failed
    one, which keeps its record). 409 for a job that has not failed, or was retried."""
    record = await hexa.job_board.retry(job_id, actor=admin.actor, request_id=request_id)
    response.headers["Location"] = f"/api/v1/jobs/{record.id}"
    return ListedJobOut.of_record(record)
