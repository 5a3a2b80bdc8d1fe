"""`/api/v1/blobs/{token}`: uploads and downloads by link, for blob stores that cannot
sign links of their own (a directory, SQL). The token is the credential, as in a
presigned S3 URL: it names one blob, one method, an exact size or a download name, and
an expiry, signed by the app. With BLOB_BACKEND=s3 there are no such links (404)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import StreamingResponse

from hexa.config import Settings
from hexa.domain.errors import NotFound, TooLarge, UnsupportedType, ValidationError
from hexa.domain.text import media_type
from hexa.drivers.http.dependencies import Services
from hexa.drivers.http.downloads import download
from hexa.drivers.http.guarded import GuardedRoute
from hexa.drivers.http.openapi import problems
from hexa.ports.blobs import APP_LINKS, BlobGrants, BlobStore

router = APIRouter(prefix=APP_LINKS.rstrip("/"), tags=["blobs"], route_class=GuardedRoute)
BUSY = 80


def body_limits(settings: Settings) -> dict[str, int]:
    """What a link uploads: an attachment, up to ATTACHMENT_MAX_BYTES."""
    return {APP_LINKS: settings.attachment_max_bytes}


def _signed(hexa: Services) -> tuple[BlobGrants, BlobStore]:
    if hexa.blob_links is None or hexa.blobs is None:
        raise NotFound("this deployment's blob store signs its own links")
    return hexa.blob_links, hexa.blobs


@router.put(
    "/{token}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(403, 413, 415),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "the bytes, of the type and size the link was made for",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_blob(token: str, request: Request, hexa: Services) -> Response:
    """Stores the body under the link's blob, if it is exactly the size and type the
    link was made for; all or nothing."""
    links, blobs = _signed(hexa)
    grant = links.opened(token, "put")
    media = media_type(request.headers.get("content-type", ""))
    if media != grant.content_type:
        raise UnsupportedType(f"this link takes {grant.content_type}, not {media or 'no type'}")
    expected = grant.size or 0
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) != expected:
        raise _wrong_size(int(declared), expected)
    await blobs.put(grant.name, _exactly(request.stream(), expected))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{token}",
    responses=problems(403) | {200: {"content": {"application/octet-stream": {}}}},
    response_class=StreamingResponse,
)
async def download_blob(token: str, hexa: Services) -> StreamingResponse:
    """The blob, as a download named by the link, of the type the link pins."""
    links, blobs = _signed(hexa)
    grant = links.opened(token, "get")
    return await download(
        blobs, grant.name, filename=grant.filename or "download", content_type=grant.content_type
    )


async def _exactly(chunks: AsyncIterator[bytes], size: int) -> AsyncIterator[bytes]:
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > size:
            raise _wrong_size(received, size)
        yield chunk
    if received != size:
        raise _wrong_size(received, size)


def _wrong_size(received: int, expected: int) -> Exception:
    if received > expected:
        return TooLarge(f"this link takes exactly {expected} bytes; more were sent")
    return ValidationError(f"this link takes exactly {expected} bytes, not {received}")
