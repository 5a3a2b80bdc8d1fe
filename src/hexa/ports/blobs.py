"""Files too big for a request or a row: uploaded packets, their reports, attachments.

A blob has a name made by the server (`inspections/{id}/attachments/{aid}`), never by a
client. Besides storing and reading, a store hands out links: a ticket a client uploads
with, and a download URL, both expiring. An object store signs them itself (presigned
S3 URLs); a store that cannot (a directory, SQL rows, memory) has the app sign routes of
its own that stream through it (`hexa.adapters.blob_links`).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol
from urllib.parse import quote

# Where the app serves the links it signs itself: `{APP_LINKS}{token}`. A token is a
# credential: nothing logs a path under it (`hexa.drivers.http.request_log`).
APP_LINKS = "/api/v1/blobs/"


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """What a store knows of a stored blob without reading it."""

    size: int
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class UploadTicket:
    """How a client sends one blob's bytes: `method` to `url` with these `headers`; for
    a POST, a multipart form of `fields` followed by the file (named `file`, last)."""

    method: Literal["PUT", "POST"]
    url: str
    expires_at: datetime
    headers: Mapping[str, str] = field(default_factory=dict)
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BlobGrant:
    """What a link the app signed allows: `put` exactly `size` bytes of `content_type`
    under `name`, or `get` it as `filename`."""

    operation: Literal["put", "get"]
    name: str
    content_type: str
    size: int | None = None
    filename: str | None = None


class BlobGrants(Protocol):
    """The links the app signs for a store that cannot sign its own, read back."""

    def opened(self, token: str, operation: Literal["put", "get"]) -> BlobGrant:
        """What `token` allows, if the app signed it for `operation` and it has not
        expired. Raises `Forbidden` otherwise."""
        ...


class BlobStore(Protocol):
    async def put(self, name: str, chunks: AsyncIterable[bytes]) -> int:
        """Stores the chunks under `name` as they arrive, without holding them all, and
        answers the size. All or nothing: if the chunks raise, nothing is stored and a
        blob already of that name is kept."""
        ...

    def read(self, name: str) -> AsyncIterator[bytes]:
        """The stored bytes, chunk by chunk. Raises `NotFound` for an unknown name."""
        ...

    async def stat(self, name: str) -> BlobInfo:
        """The stored blob's size (and content type, where the store keeps one). Raises
        `NotFound` for an unknown name."""
        ...

    async def delete(self, name: str) -> None:
        """Removes the blob; nothing happens if there is none."""
        ...

    async def sweep(self, *, older_than: timedelta) -> int:
        """Removes what writes that never completed left behind (a process killed in the
        middle of a `put`) once it is older than that; answers how many were removed."""
        ...

    async def upload_ticket(
        self,
        name: str,
        *,
        content_type: str,
        size: int,
        expires: timedelta,
        form: bool = False,
    ) -> UploadTicket:
        """A ticket to upload exactly `size` bytes of `content_type` under `name`, good for
        `expires`. `form=True` asks for a multipart POST (what a browser form sends), where
        the store offers one; otherwise a PUT. Nothing is stored until the client sends."""
        ...

    async def download_url(
        self, name: str, *, filename: str, content_type: str, expires: timedelta
    ) -> str:
        """A URL that answers the blob as a download (`Content-Disposition: attachment`
        with `filename`, and `content_type` whatever was stored), good for `expires`.
        It may be relative to the app (a route the app signs). Minted per call: a bearer
        token, so never stored and never logged."""
        ...


def attachment_disposition(filename: str) -> str:
    """`Content-Disposition` that downloads the blob as `filename` (RFC 6266): an ASCII
    fallback for old clients, and the name itself, percent-encoded, for the rest."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\%' else "_" for c in filename
    )
    encoded = quote(filename, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
