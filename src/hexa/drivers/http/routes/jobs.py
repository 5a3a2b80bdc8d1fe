"""Background jobs: `/api/v1/jobs/{id}`, a job's progress and outcome."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response

from hexa.drivers.http.auth import JobsReader
from hexa.drivers.http.dependencies import Services
from hexa.drivers.http.guarded import GuardedRoute
from hexa.drivers.http.links import absolute
from hexa.drivers.http.schemas import JobOut

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"], route_class=GuardedRoute)
BUSY = 30
Row = dict[str, Any]


@router.get("/{job_id}")
async def get_job(
    _: JobsReader, job_id: str, request: Request, hexa: Services, response: Response
) -> JobOut:
    """Where the job stands; a finished job that wrote a report (a packet's) also gives
    `report_url`, a download link minted for this answer (presigned, with S3)."""
    job = await hexa.jobs.job(job_id)
    report = hexa.report_of(job)
    if report is None or hexa.blobs is None:
        return JobOut.of(job)
    url = await hexa.blobs.download_url(
        report,
        filename=f"report-{job_id}.jsonl",
        content_type="application/x-ndjson",
        expires=timedelta(seconds=hexa.settings.s3_presign_ttl),
    )
    response.headers["Cache-Control"] = "no-store"  # the link is a credential
    return JobOut.of(job, report_url=absolute(request, url))
