"""A blob answered as a download: a file to save, never rendered, sniffed or cached."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing

from fastapi.responses import StreamingResponse

from hexa.ports.blobs import BlobStore, attachment_disposition

DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
}


async def download(
    blobs: BlobStore, name: str, *, filename: str, content_type: str
) -> StreamingResponse:
    """The blob `name`, streamed, as `filename` of `content_type` whatever its bytes.
    Raises `NotFound` before answering when it is gone."""
    size = (await blobs.stat(name)).size
    chunks = blobs.read(name)
    try:  # read ahead, so a blob gone meanwhile is a problem answer, not a cut body
        first = await anext(chunks)
    except StopAsyncIteration:
        first = b""
    headers = DOWNLOAD_HEADERS | {
        "Content-Disposition": attachment_disposition(filename),
        "Content-Length": str(size),
    }
    return StreamingResponse(_then(first, chunks), media_type=content_type, headers=headers)


async def _then(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    # Closed as soon as the answer ends, a client gone included: an S3 body holds a
    # pooled connection until then.
    async with aclosing(rest):  # type: ignore[type-var]
        async for chunk in rest:
            yield chunk
