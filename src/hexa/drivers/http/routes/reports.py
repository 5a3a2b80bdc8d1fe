"""A packet's report: `/api/v1/jobs/{id}/report`, the findings of a finished packet job."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from hexa.domain.errors import Conflict
from hexa.domain.jobs import JobStatus
from hexa.drivers.http.auth import JobsReader
from hexa.drivers.http.dependencies import Services
from hexa.drivers.http.guarded import GuardedRoute
from hexa.drivers.http.openapi import problems
from hexa.services.packets import REPORT_FIELDS, PacketService

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"], route_class=GuardedRoute)
BUSY = 31
Row = dict[str, Any]


@router.get(
    "/{job_id}/report",
    responses=problems(409) | {200: {"content": {"application/json": {}, "text/csv": {}}}},
)
async def get_report(
    _: JobsReader,
    job_id: str,
    request: Request,
    hexa: Services,
    format: Annotated[
        Literal["csv", "json"] | None,
        Query(description="overrides `Accept`: for a plain link, which cannot set headers"),
    ] = None,
) -> StreamingResponse:
    """The findings of a finished job: CSV when `Accept` asks for `text/csv` (or
    `format=csv`), else JSON. Streamed, so a report of any size costs the app a chunk at
    a time."""
    job = await hexa.jobs.job(job_id)
    if job.status is not JobStatus.DONE:
        raise Conflict(f"job {job_id} is {job.status}: its report exists once it is done")
    findings = hexa.service(PacketService).report(job)
    try:  # read ahead, so a missing report is a problem response, not a cut body
        first: Row | None = await anext(findings)
    except StopAsyncIteration:
        first = None
    wants_csv = format == "csv" or (
        format is None and "text/csv" in request.headers.get("accept", "")
    )
    disposition = f'attachment; filename="report-{job_id}.{"csv" if wants_csv else "json"}"'
    body = _csv(first, findings) if wants_csv else _json(job_id, job.result, first, findings)
    media = "text/csv; charset=utf-8" if wants_csv else "application/json"
    return StreamingResponse(body, media_type=media, headers={"Content-Disposition": disposition})


async def _csv(first: Row | None, rest: AsyncIterator[Row]) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=REPORT_FIELDS, extrasaction="ignore")
    writer.writeheader()
    if first is not None:
        writer.writerow(first)
        async for finding in rest:
            writer.writerow(finding)
            if buffer.tell() > 64 * 1024:
                yield _drained(buffer)
    yield _drained(buffer)


def _drained(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


async def _json(
    job_id: str, summary: Row, first: Row | None, rest: AsyncIterator[Row]
) -> AsyncIterator[str]:
    head = {"job_id": job_id, "summary": {k: v for k, v in summary.items() if k != "findings"}}
    yield json.dumps(head)[:-1] + ', "findings": ['
    if first is not None:
        yield json.dumps(first)
        async for finding in rest:
            yield "," + json.dumps(finding)
    yield "]}"
