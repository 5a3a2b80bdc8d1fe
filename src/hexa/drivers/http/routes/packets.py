"""Packet uploads: `POST /api/v1/packets` (multipart, field `file`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from hexa.config import Settings
from hexa.domain.access import Principal
from hexa.domain.errors import TooLarge
from hexa.domain.inspections import INSPECTIONS_WRITE
from hexa.domain.packets import PacketFormat
from hexa.drivers.http.auth import require
from hexa.drivers.http.dependencies import RequestId, Services
from hexa.drivers.http.guarded import GuardedRoute
from hexa.drivers.http.limits import MULTIPART_OVERHEAD_BYTES
from hexa.drivers.http.multipart import streamed_file
from hexa.drivers.http.schemas import JobAccepted
from hexa.services.packets import PacketService

router = APIRouter(prefix="/api/v1/packets", tags=["packets"], route_class=GuardedRoute)
InspectionsWriter = Annotated[Principal, Depends(require(INSPECTIONS_WRITE))]
PATH = "/api/v1/packets"
BUSY = 60


def body_limits(settings: Settings) -> dict[str, int]:
    """A packet is an upload: up to MAX_UPLOAD_BYTES, and its multipart framing."""
    return {PATH: settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {
                                # A file part (a client sends it with a filename), of
                                # UTF-8 text: `contentMediaType` alone reads as a form value.
                                "type": "string",
                                "format": "binary",
                                "contentMediaType": "text/csv",
                                "description": "UTF-8 text: CSV, or JSON lines",
                            }
                        },
                        "required": ["file"],
                    },
                    "encoding": {"file": {"contentType": "text/csv"}},
                }
            }
        }
    },
)
async def upload_packet(
    caller: InspectionsWriter,
    request: Request,
    hexa: Services,
    response: Response,
    request_id: RequestId,
) -> JobAccepted:
    """A CSV with the header `inspection,subject,key,value,unit`, one row per reading; or
    JSON lines (a file named `*.jsonl` or `*.ndjson`, or sent as `application/x-ndjson`),
    one object per reading with those fields, values keeping their JSON type. The upload
    is checked and stored as it streams in; its validation runs in the background as the
    job answered. A malformed file is a 422 naming its first bad line."""
    upload = await streamed_file(request, "file")
    job = await hexa.service(PacketService).accept(
        _limited(upload.chunks, hexa.settings.max_upload_bytes),
        packet_format=PacketFormat.of(upload.filename, upload.content_type),
        filename=upload.filename,
        actor=caller.actor,
        request_id=request_id,
    )
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return JobAccepted(job_id=job.id, status=job.status.value)


async def _limited(chunks: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the packet exceeds MAX_UPLOAD_BYTES ({limit} bytes)")
        yield chunk
