"""An inspection's attachments as JSON, and the ticket their bytes go up with."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from hexa.domain.attachments import ALLOWED_TYPES, MAX_FILENAME, Attachment
from hexa.drivers.http.schemas import Whole
from hexa.ports.blobs import UploadTicket

_TYPES: list[JsonValue] = [*sorted(ALLOWED_TYPES)]


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=MAX_FILENAME, description="shown, never a path")
    content_type: str = Field(
        min_length=1,
        max_length=200,
        description="one of the media types the service takes (it also reads them in any "
        "case and with parameters, `text/plain; charset=utf-8`)",
        json_schema_extra={"enum": _TYPES},
    )
    size: Whole = Field(ge=1, description="bytes; the upload must be exactly this long")
    upload_method: Literal["PUT", "POST"] = Field(
        "PUT",
        description="POST asks for a form upload (a browser's), where the store offers one",
    )


class UploadOut(BaseModel):
    """Send the bytes yourself: `method` to `url` with `headers`; for POST, a multipart
    form of `fields` then the file as the last part, named `file`."""

    method: str
    url: str
    headers: dict[str, str]
    fields: dict[str, str]
    expires_at: datetime

    @classmethod
    def of(cls, ticket: UploadTicket, url: str) -> UploadOut:
        return cls(
            method=ticket.method,
            url=url,
            headers=dict(ticket.headers),
            fields=dict(ticket.fields),
            expires_at=ticket.expires_at,
        )


class AttachmentOut(BaseModel):
    id: str
    inspection_id: str
    filename: str
    content_type: str
    size: int
    status: str
    created_at: datetime
    stored_at: datetime | None
    download_url: str | None = Field(
        None, description="stored ones: a link that expires (S3_PRESIGN_TTL); never store it"
    )
    upload: UploadOut | None = None

    @classmethod
    def of(
        cls,
        attachment: Attachment,
        *,
        download_url: str | None = None,
        upload: UploadOut | None = None,
    ) -> AttachmentOut:
        return cls(
            id=attachment.id,
            inspection_id=attachment.inspection_id,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=attachment.size,
            status=attachment.status.value,
            created_at=attachment.created_at,
            stored_at=attachment.stored_at,
            download_url=download_url,
            upload=upload,
        )
