"""An inspection's attachments: `/api/v1/inspections/{id}/attachments`. The bytes never
pass through here on the way up with S3: the client sends them with the ticket."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import RedirectResponse

from hexa.domain.access import Principal
from hexa.domain.attachments import AttachmentStatus
from hexa.domain.errors import InvalidTransition
from hexa.domain.inspections import INSPECTIONS_READ, INSPECTIONS_WRITE
from hexa.drivers.http.attachment_schemas import AttachmentIn, AttachmentOut, UploadOut
from hexa.drivers.http.auth import require
from hexa.drivers.http.dependencies import Services
from hexa.drivers.http.downloads import DOWNLOAD_HEADERS, download
from hexa.drivers.http.guarded import GuardedRoute
from hexa.drivers.http.links import absolute
from hexa.drivers.http.openapi import problems
from hexa.drivers.http.schemas import PageOut
from hexa.services.attachments import AttachmentService

router = APIRouter(prefix="/api/v1/inspections", tags=["attachments"], route_class=GuardedRoute)
Reader = Annotated[Principal, Depends(require(INSPECTIONS_READ))]
Writer = Annotated[Principal, Depends(require(INSPECTIONS_WRITE))]
BUSY = 40


def _path(inspection_id: str, attachment_id: str) -> str:
    return f"{router.prefix}/{inspection_id}/attachments/{attachment_id}"


@router.post(
    "/{inspection_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    responses=problems(409, 413, 415),
)
async def declare_attachment(
    caller: Writer,
    inspection_id: str,
    body: AttachmentIn,
    request: Request,
    hexa: Services,
    response: Response,
) -> AttachmentOut:
    """A pending attachment and its upload ticket. Send the bytes with the ticket, then
    `complete` it. Over ATTACHMENT_MAX_BYTES → 413; a type off the list → 415; more than
    ATTACHMENTS_PER_INSPECTION → 409."""
    attachment, ticket = await hexa.service(AttachmentService).declare(
        inspection_id,
        filename=body.filename,
        content_type=body.content_type,
        size=body.size,
        actor=caller.actor,
        form=body.upload_method == "POST",
    )
    response.headers["Location"] = _path(inspection_id, attachment.id)
    response.headers["Cache-Control"] = "no-store"  # the ticket is a credential
    return AttachmentOut.of(attachment, upload=UploadOut.of(ticket, absolute(request, ticket.url)))


@router.post("/{inspection_id}/attachments/{attachment_id}/complete", responses=problems(409))
async def complete_attachment(
    caller: Writer,
    inspection_id: str,
    attachment_id: str,
    request: Request,
    hexa: Services,
    response: Response,
) -> AttachmentOut:
    """Stored, once the store holds an object of the declared size (and type); 409 while
    it does not, the attachment staying pending."""
    attachments = hexa.service(AttachmentService)
    attachment = await attachments.complete(inspection_id, attachment_id, actor=caller.actor)
    response.headers["Cache-Control"] = "no-store"
    url = await attachments.download_url(attachment)
    return AttachmentOut.of(attachment, download_url=url and absolute(request, url))


@router.get("/{inspection_id}/attachments")
async def list_attachments(
    _: Reader, inspection_id: str, request: Request, hexa: Services, response: Response
) -> PageOut[AttachmentOut]:
    """Every attachment of the inspection (a few: ATTACHMENTS_PER_INSPECTION), each stored
    one with a download link minted for this answer."""
    listed = await hexa.service(AttachmentService).list(inspection_id)
    response.headers["Cache-Control"] = "no-store"
    return PageOut(
        items=[
            AttachmentOut.of(
                item.attachment,
                download_url=item.download_url and absolute(request, item.download_url),
            )
            for item in listed
        ],
        next_cursor=None,
    )


@router.get(
    "/{inspection_id}/attachments/{attachment_id}",
    response_model=AttachmentOut,
    responses=problems(409)
    | {
        200: {"content": {"application/octet-stream": {}}},
        302: {"description": "download=1 with S3: to the object's presigned download"},
    },
)
async def get_attachment(
    _: Reader,
    inspection_id: str,
    attachment_id: str,
    request: Request,
    hexa: Services,
    response: Response,
    download_: Annotated[
        bool, Query(alias="download", description="1: the file itself (a 302 to S3, or the bytes)")
    ] = False,
) -> AttachmentOut | Response:
    attachments = hexa.service(AttachmentService)
    attachment = await attachments.get(inspection_id, attachment_id)
    if not download_:
        url = await attachments.download_url(attachment)
        response.headers["Cache-Control"] = "no-store"
        return AttachmentOut.of(attachment, download_url=url and absolute(request, url))
    if attachment.status is not AttachmentStatus.STORED:
        raise InvalidTransition(f"attachment {attachment_id} is pending: nothing to download yet")
    if hexa.blob_links is not None:  # the app serves this store's links: the bytes now
        return await download(
            attachments.blobs,
            attachment.blob,
            filename=attachment.filename,
            content_type=attachment.content_type,
        )
    url = await attachments.download_url(attachment)
    assert url is not None  # stored
    return RedirectResponse(
        url,
        status_code=status.HTTP_302_FOUND,
        headers={
            "Cache-Control": DOWNLOAD_HEADERS["Cache-Control"],
            "Referrer-Policy": "no-referrer",
        },
    )


@router.delete(
    "/{inspection_id}/attachments/{attachment_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_attachment(
    caller: Writer, inspection_id: str, attachment_id: str, hexa: Services
) -> None:
    """Removes the attachment and its object."""
    await hexa.service(AttachmentService).delete(inspection_id, attachment_id, actor=caller.actor)
