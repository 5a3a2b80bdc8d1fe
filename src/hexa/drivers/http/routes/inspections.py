"""Inspections: `/api/v1/inspections`, and handing one in for validation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from hexa.domain.access import Principal
from hexa.domain.inspections import (
    INSPECTIONS_READ,
    INSPECTIONS_WRITE,
    InspectionFilter,
    InspectionStatus,
)
from hexa.domain.validation import Verdict
from hexa.drivers.http.auth import require
from hexa.drivers.http.dependencies import (
    IsoTime,
    OptionalVersion,
    PagingParams,
    RequestId,
    RequiredVersion,
    Services,
    bound,
    encode_cursor,
    etag,
)
from hexa.drivers.http.guarded import GuardedRoute
from hexa.drivers.http.inspection_schemas import InspectionIn, InspectionOut, InspectionPatch
from hexa.drivers.http.openapi import problems
from hexa.drivers.http.schemas import JobAccepted, PageOut
from hexa.services.inspections import InspectionService

MadeSince = Annotated[IsoTime | None, Query(description="made at or after this time")]
MadeUntil = Annotated[IsoTime | None, Query(description="made before this time")]
router = APIRouter(prefix="/api/v1/inspections", tags=["inspections"], route_class=GuardedRoute)
InspectionsReader = Annotated[Principal, Depends(require(INSPECTIONS_READ))]
InspectionsWriter = Annotated[Principal, Depends(require(INSPECTIONS_WRITE))]
BUSY = 10


@router.get("")
async def list_inspections(
    _: InspectionsReader,
    hexa: Services,
    paging: PagingParams,
    status: InspectionStatus | None = None,
    q: Annotated[
        str | None, Query(max_length=200, description="the subject contains this (any case)")
    ] = None,
    verdict: Annotated[
        Verdict | None, Query(description="judged so: the same as that `status`")
    ] = None,
    since: MadeSince = None,
    until: MadeUntil = None,
) -> PageOut[InspectionOut]:
    """Oldest first; every filter given must hold, and the cursor continues the same
    filtered list."""
    if verdict is not None:
        judged = InspectionStatus(verdict.value)
        if status not in (None, judged):
            return PageOut(items=[], next_cursor=None)  # no inspection is both
        status = judged
    where = InspectionFilter(
        status=status,
        subject_contains=q or None,
        since=None if since is None else bound(since),
        until=None if until is None else bound(until),
    )
    page = await hexa.service(InspectionService).page(
        limit=paging.limit, after=paging.after, where=where
    )
    return PageOut(
        items=[InspectionOut.of(i) for i in page.items], next_cursor=encode_cursor(page.next_after)
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def record_inspection(
    _: InspectionsWriter, body: InspectionIn, hexa: Services, response: Response
) -> InspectionOut:
    inspection = await hexa.service(InspectionService).record(
        subject=body.subject,
        readings=[r.reading() for r in body.readings],
        notes=body.notes,
        inspector=body.inspector,
    )
    response.headers["Location"] = f"{router.prefix}/{inspection.id}"
    response.headers["ETag"] = etag(inspection.version)
    return InspectionOut.of(inspection)


@router.get("/{inspection_id}")
async def get_inspection(
    _: InspectionsReader, inspection_id: str, hexa: Services, response: Response
) -> InspectionOut:
    inspection = await hexa.service(InspectionService).get(inspection_id)
    response.headers["ETag"] = etag(inspection.version)
    return InspectionOut.of(inspection)


@router.patch("/{inspection_id}", responses=problems(409))
async def revise_inspection(
    _: InspectionsWriter,
    inspection_id: str,
    body: InspectionPatch,
    hexa: Services,
    version: RequiredVersion,
    response: Response,
) -> InspectionOut:
    """Changes a draft. `If-Match: <version>` is required; a stale one answers 412."""
    readings = None if body.readings is None else [r.reading() for r in body.readings]
    inspection = await hexa.service(InspectionService).revise(
        inspection_id,
        if_version=version,
        subject=body.subject,
        readings=readings,
        notes=body.notes,
        inspector=body.inspector,
    )
    response.headers["ETag"] = etag(inspection.version)
    return InspectionOut.of(inspection)


@router.delete("/{inspection_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(409))
async def delete_inspection(
    _: InspectionsWriter, inspection_id: str, hexa: Services, version: OptionalVersion
) -> None:
    await hexa.service(InspectionService).delete(inspection_id, if_version=version)


@router.post(
    "/{inspection_id}/submit", status_code=status.HTTP_202_ACCEPTED, responses=problems(409)
)
async def submit_inspection(
    caller: InspectionsWriter,
    inspection_id: str,
    hexa: Services,
    response: Response,
    request_id: RequestId,
) -> JobAccepted:
    """Hands a draft in; its validation runs in the background as the job answered."""
    job = await hexa.service(InspectionService).submit(
        inspection_id, actor=caller.actor, request_id=request_id
    )
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return JobAccepted(job_id=job.id, status=job.status.value)
