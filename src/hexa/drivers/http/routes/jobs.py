"""Background jobs: `/api/v1/jobs/{id}`."""

from __future__ import annotations

from fastapi import APIRouter

from hexa.drivers.http.auth import JobsReader
from hexa.drivers.http.dependencies import Services
from hexa.drivers.http.schemas import JobOut

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


@router.get("/{job_id}")
async def get_job(_: JobsReader, job_id: str, hexa: Services) -> JobOut:
    return JobOut.of(await hexa.validation.job(job_id))
