"""An inspection's attachments: declared, uploaded by the client straight to the blob
store with a ticket, completed once the server has seen the object, listed with links
that expire, deleted with their object. Each is reached only through its inspection."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from hexa.domain.attachments import Attachment, AttachmentStatus
from hexa.domain.errors import Conflict, InvalidTransition, NotFound, StaleVersion, Unavailable
from hexa.domain.identity import new_id
from hexa.ports.blobs import BlobStore, UploadTicket
from hexa.ports.clock import Clock
from hexa.ports.inspections import InspectionsUnitOfWorkFactory
from hexa.services.audit import record as audit

# A pending attachment older than this was never uploaded, or never completed: longer
# than any ticket lives (S3_PRESIGN_TTL is at most an hour).
ABANDONED_AFTER = timedelta(days=1)
PURGE_BATCH = 500

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Listed:
    attachment: Attachment
    download_url: str | None  # stored ones only; minted for this answer


class AttachmentService:
    def __init__(
        self,
        uow: InspectionsUnitOfWorkFactory,
        clock: Clock,
        blobs: BlobStore,
        *,
        max_bytes: int,
        per_inspection: int,
        link_ttl: timedelta,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._blobs = blobs
        self._max_bytes = max_bytes
        self._per_inspection = per_inspection
        self._link_ttl = link_ttl

    async def declare(
        self,
        inspection_id: str,
        *,
        filename: str,
        content_type: str,
        size: int,
        actor: str,
        form: bool = False,
    ) -> tuple[Attachment, UploadTicket]:
        """A pending attachment, and the ticket its bytes go up with (`form`: a browser's
        POST form where the store offers one). Refused before anything is stored: too big
        (`TooLarge`), a type off the list (`UnsupportedType`), one too many (`Conflict`)."""
        attachment = Attachment.declared(
            id=new_id(),
            inspection_id=inspection_id,
            filename=filename,
            content_type=content_type,
            size=size,
            max_bytes=self._max_bytes,
            created_by=actor,
            now=self._clock.now(),
        )
        async with self._uow() as uow:
            await uow.inspections.get(inspection_id)
            if len(await uow.attachments.of_inspection(inspection_id)) >= self._per_inspection:
                raise Conflict(
                    f"inspection {inspection_id} holds {self._per_inspection} attachments "
                    "already (ATTACHMENTS_PER_INSPECTION): delete one first"
                )
            await uow.attachments.add(attachment)
            await uow.commit()
        ticket = await self._blobs.upload_ticket(
            attachment.blob,
            content_type=attachment.content_type,
            size=attachment.size,
            expires=self._link_ttl,
            form=form,
        )
        return attachment, ticket

    async def complete(self, inspection_id: str, attachment_id: str, *, actor: str) -> Attachment:
        """Stored, once the blob store holds the declared object; `InvalidTransition`
        (409) while it does not, the attachment staying pending."""
        attachment = await self.get(inspection_id, attachment_id)
        if attachment.status is AttachmentStatus.STORED:
            return attachment
        try:
            found = await self._blobs.stat(attachment.blob)
        except NotFound:
            raise InvalidTransition(
                f"attachment {attachment_id} has not been uploaded yet: send its bytes with "
                "the upload ticket, then complete it"
            ) from None
        stored = attachment.stored(
            size=found.size, content_type=found.content_type, now=self._clock.now()
        )
        try:
            async with self._uow() as uow:
                await uow.inspections.get(inspection_id)  # not deleted meanwhile
                await uow.attachments.update(stored, expected_version=attachment.version)
                await audit(
                    uow, self._clock, actor, "attachment.attached", attachment_id,
                    inspection=inspection_id, filename=stored.filename, size=stored.size,
                )  # fmt: skip
                await uow.commit()
        except StaleVersion:  # completed by a call at the same time: the same answer
            again = await self.get(inspection_id, attachment_id)
            if again.status is not AttachmentStatus.STORED:
                raise
            return again
        return stored

    async def get(self, inspection_id: str, attachment_id: str) -> Attachment:
        """The attachment, if it belongs to that inspection: `NotFound` for another's."""
        async with self._uow(read_only=True) as uow:
            attachment = await uow.attachments.get(attachment_id)
        if attachment.inspection_id != inspection_id:
            raise NotFound(f"attachment {attachment_id} not found")
        return attachment

    async def list(self, inspection_id: str) -> list[Listed]:
        async with self._uow(read_only=True) as uow:
            await uow.inspections.get(inspection_id)
            attachments = await uow.attachments.of_inspection(inspection_id)
        return [Listed(a, await self.download_url(a)) for a in attachments]

    async def download_url(self, attachment: Attachment) -> str | None:
        """A link that downloads a stored attachment, minted now; None while pending."""
        if attachment.status is not AttachmentStatus.STORED:
            return None
        return await self._blobs.download_url(
            attachment.blob,
            filename=attachment.filename,
            content_type=attachment.content_type,
            expires=self._link_ttl,
        )

    @property
    def blobs(self) -> BlobStore:
        """Where the attachments' bytes live (a route streams them from there when the
        store signs no links of its own)."""
        return self._blobs

    async def delete(self, inspection_id: str, attachment_id: str, *, actor: str) -> None:
        """The record, then its object (`forget`)."""
        attachment = await self.get(inspection_id, attachment_id)
        async with self._uow() as uow:
            await uow.attachments.delete(attachment_id)
            await audit(
                uow, self._clock, actor, "attachment.deleted", attachment_id,
                inspection=inspection_id, filename=attachment.filename,
            )  # fmt: skip
            await uow.commit()
        await forget(self._blobs, [attachment.blob])

    async def purge_abandoned(self) -> dict[str, int]:
        """Removes attachments declared ABANDONED_AFTER ago and never completed, with
        whatever was uploaded for them (housekeeping). Each in a unit of its own, so
        that one completed meanwhile keeps its record and its object."""
        cutoff = self._clock.now() - ABANDONED_AFTER
        purged = 0
        while True:
            async with self._uow(read_only=True) as uow:
                abandoned = await uow.attachments.pending_before(cutoff, limit=PURGE_BATCH)
            for attachment in abandoned:
                try:
                    async with self._uow() as uow:
                        await uow.attachments.delete(
                            attachment.id, expected_version=attachment.version
                        )
                        await uow.commit()
                except (NotFound, StaleVersion):  # completed or purged meanwhile
                    continue
                await forget(self._blobs, [attachment.blob])
                purged += 1
            if len(abandoned) < PURGE_BATCH:
                return {"abandoned_attachments": purged}


async def forget(blobs: BlobStore, names: Iterable[str]) -> None:
    """Deletes the objects of records already deleted. Records go first: a store that
    fails now leaves an object no record names (logged, to remove by hand or by the
    bucket's lifecycle), never a record whose bytes are gone."""
    for name in names:
        try:
            await blobs.delete(name)
        except Unavailable as error:
            log.warning("blob %s outlives its record: %s", name, error.detail)
