"""A packet's report: `/api/v1/jobs/{id}/report`, the findings of a finished packet job."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from hexa.domain.errors import Conflict
from hexa.domain.jobs import JobStatus
from hexa.drivers.http.auth import JobsReader
from hexa.drivers.http.dependencies import PagingParams, Services, encode_cursor
from hexa.drivers.http.guarded import GuardedRoute
from hexa.drivers.http.openapi import problems
from hexa.drivers.http.problems import Problem
from hexa.services.packets import REPORT_FIELDS, FindingFilter, PacketService, findings_page

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


class FindingOut(BaseModel):
    position: int = Field(description="its place in the report, 0 for the first")
    line: int | None = Field(description="the packet's line; null for a missing reading")
    inspection: str | None
    subject: str | None
    key: str
    value: Any
    rule: str
    rule_name: str
    severity: str
    message: str

    @classmethod
    def of(cls, position: int, finding: Row) -> FindingOut:
        return cls(position=position, **{name: finding.get(name) for name in REPORT_FIELDS})


class FindingsPageOut(BaseModel):
    items: list[FindingOut]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null at the end"
    )


@router.get("/{job_id}/findings", responses=problems(409))
async def get_findings(
    _: JobsReader,
    job_id: str,
    hexa: Services,
    paging: PagingParams,
    rule: Annotated[str | None, Query(max_length=64, description="a rule's id")] = None,
    severity: Annotated[Literal["error", "warning"] | None, Query()] = None,
    inspection: Annotated[
        str | None, Query(max_length=200, description="an inspection's id, as the packet names it")
    ] = None,
) -> FindingsPageOut:
    """A finished job's findings, in report order, filtered, a page at a time; the report
    is read as a stream, never whole (a later page reads up to where it ends)."""
    job = await hexa.jobs.job(job_id)
    if job.status is not JobStatus.DONE:
        raise Conflict(f"job {job_id} is {job.status}: its findings exist once it is done")
    keep = FindingFilter(rule=rule or None, severity=severity, inspection=inspection or None)
    async with aclosing(hexa.service(PacketService).report(job)) as findings:
        found, last = await findings_page(
            findings, keep=keep, after=_position(paging.after), limit=paging.limit
        )
    return FindingsPageOut(
        items=[FindingOut.of(position, finding) for position, finding in found],
        next_cursor=None if last is None else encode_cursor(str(last)),
    )


def _position(after: str | None) -> int | None:
    if after is None:
        return None
    if not (after.isascii() and after.isdigit()) or len(after) > 12:
        raise Problem(400, "the cursor is not one this API gave out", "invalid-cursor")
    return int(after)


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
