"""Packet uploads: `POST /api/v1/packets` (multipart, field `file`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request, Response, status
from starlette.datastructures import UploadFile

from hexa.domain.errors import TooLarge, ValidationError
from hexa.domain.packets import PacketFormat
from hexa.drivers.http.auth import InspectionsWriter
from hexa.drivers.http.dependencies import Services
from hexa.drivers.http.schemas import JobAccepted

router = APIRouter(prefix="/api/v1/packets", tags=["packets"])
PATH = "/api/v1/packets"
READ_CHUNK = 256 * 1024


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                }
            }
        }
    },
)
async def upload_packet(
    caller: InspectionsWriter, request: Request, hexa: Services, response: Response
) -> JobAccepted:
    """A CSV with the header `inspection,subject,key,value,unit`, one row per reading; or
    JSON lines (a file named `*.jsonl` or `*.ndjson`, or sent as `application/x-ndjson`),
    one object per reading with those fields, values keeping their JSON type. The upload
    is checked and stored as it streams in; its validation runs in the background as the
    job answered. A malformed file is a 422 naming its first bad line."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ValidationError("send the packet as multipart/form-data, in the field `file`")
    # Starlette spools each file part to a temporary file past 1 MiB: never all in memory.
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ValidationError("the multipart body has no file in the field `file`")
        limit = hexa.settings.max_upload_bytes
        filename = upload.filename or ""
        job = await hexa.packets.accept(
            _chunks(upload, limit),
            packet_format=PacketFormat.of(filename, upload.content_type or ""),
            filename=filename,
            actor=caller.actor,
        )
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return JobAccepted(job_id=job.id, status=job.status.value)


async def _chunks(upload: UploadFile, limit: int) -> AsyncIterator[bytes]:
    size = 0
    while chunk := await upload.read(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the packet exceeds MAX_UPLOAD_BYTES ({limit} bytes)")
        yield chunk
