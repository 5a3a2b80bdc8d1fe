"""Attachments: files (a photo, a scanned form) that belong to one inspection.

The bytes go straight from the client to the blob store with a ticket the server signs;
the record is `pending` until the server has seen the stored object (`complete`), then
`stored`. The blob's name is the server's (`inspections/{id}/attachments/{aid}`), never
the client's filename, which is kept only to be shown and offered on download, cleaned
of whatever could mislead a person or a file system.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hexa.domain.errors import InvalidTransition, TooLarge, UnsupportedType, ValidationError
from hexa.domain.text import check_text, media_type

# What an inspection may carry: pictures, documents and data a person opens safely.
# Never a type a browser runs (HTML, SVG, XML): downloads are attachments all the same.
ALLOWED_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/csv",
        "text/plain",
    }
)
MAX_FILENAME = 255


class AttachmentStatus(StrEnum):
    PENDING = "pending"
    STORED = "stored"


def clean_filename(raw: str) -> str:
    """The name to show and offer on download: its last path part, without control or
    format characters (NUL, newlines, right-to-left overrides that make `gpj.exe` read as
    `exe.jpg`), trimmed. `ValidationError` when nothing is left or it is too long."""
    check_text("the filename", raw)
    if len(raw) > MAX_FILENAME:
        raise ValidationError(f"the filename exceeds {MAX_FILENAME} characters")
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c for c in base if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    kept = unicodedata.normalize("NFC", kept).strip().strip(".").strip()
    if not kept:
        raise ValidationError("the filename is empty once cleaned of paths and control characters")
    return kept


def checked_type(content_type: str) -> str:
    """The media type alone, lower-cased, if it is one the service accepts."""
    media = media_type(content_type)
    if media not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise UnsupportedType(f"{media[:100] or 'no type'} is not accepted; send one of {allowed}")
    return media


@dataclass(frozen=True, slots=True)
class Attachment:
    id: str
    inspection_id: str
    filename: str
    content_type: str
    size: int
    status: AttachmentStatus
    created_by: str
    version: int
    created_at: datetime
    updated_at: datetime
    stored_at: datetime | None = None

    @classmethod
    def declared(
        cls,
        *,
        id: str,
        inspection_id: str,
        filename: str,
        content_type: str,
        size: int,
        max_bytes: int,
        created_by: str,
        now: datetime,
    ) -> Attachment:
        """A new pending attachment, as the client declared it."""
        if size < 1:
            raise ValidationError("the size must be at least 1 byte")
        if size > max_bytes:
            raise TooLarge(f"an attachment holds at most {max_bytes} bytes (ATTACHMENT_MAX_BYTES)")
        return cls(
            id=id,
            inspection_id=inspection_id,
            filename=clean_filename(filename),
            content_type=checked_type(content_type),
            size=size,
            status=AttachmentStatus.PENDING,
            created_by=created_by,
            version=1,
            created_at=now,
            updated_at=now,
        )

    @property
    def blob(self) -> str:
        """Where its bytes live in the blob store."""
        return blob_name(self.inspection_id, self.id)

    def stored(self, *, size: int, content_type: str | None, now: datetime) -> Attachment:
        """Stored, once the object found is the one declared. `InvalidTransition` (409)
        otherwise: it stays pending, and the client may upload again."""
        if self.status is AttachmentStatus.STORED:
            return self
        if size != self.size:
            raise InvalidTransition(
                f"the stored object has {size} bytes, not the {self.size} declared"
            )
        if content_type is not None and media_type(content_type) != self.content_type:
            raise InvalidTransition(
                f"the stored object is {content_type[:100]}, not {self.content_type}"
            )
        return dataclasses.replace(
            self,
            status=AttachmentStatus.STORED,
            stored_at=now,
            updated_at=now,
            version=self.version + 1,
        )


def blob_name(inspection_id: str, attachment_id: str) -> str:
    return f"inspections/{inspection_id}/attachments/{attachment_id}"
