"""Background jobs: `/api/v1/jobs/{id}`, a job's progress and outcome."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from hexa.drivers.http.auth import JobsReader
from hexa.drivers.http.dependencies import Services
from hexa.drivers.http.guarded import GuardedRoute
from hexa.drivers.http.schemas import JobOut

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"], route_class=GuardedRoute)
BUSY = 30
Row = dict[str, Any]


@router.get("/{job_id}")
async def get_job(_: JobsReader, job_id: str, hexa: Services) -> JobOut:
    return JobOut.of(await hexa.jobs.job(job_id))
