"""Recording inspections and handing them in for validation."""

from __future__ import annotations

from collections.abc import Iterable

from hexa.domain.errors import StaleVersion
from hexa.domain.identity import new_id
from hexa.domain.inspections import DraftEdit, Inspection, InspectionFilter, Reading
from hexa.domain.jobs import Job, JobProgress
from hexa.domain.validation import VALIDATE_INSPECTION
from hexa.ports.blobs import BlobStore
from hexa.ports.clock import Clock
from hexa.ports.inspections import InspectionsUnitOfWorkFactory
from hexa.services.attachments import forget
from hexa.services.audit import record as audit
from hexa.services.dispatch import JobDispatcher
from hexa.services.inspection_stats import InspectionCounts
from hexa.services.job_traces import add_traced
from hexa.services.pages import Page, fetch_page


class InspectionService:
    def __init__(
        self,
        uow: InspectionsUnitOfWorkFactory,
        clock: Clock,
        dispatcher: JobDispatcher,
        blobs: BlobStore,
        *,
        counts: InspectionCounts | None = None,
    ) -> None:
        """`blobs` holds the inspections' attachments, which go with them; `counts`, how
        many are made and handed in, for the charts."""
        self._uow = uow
        self._clock = clock
        self._dispatcher = dispatcher
        self._blobs = blobs
        self._counts = counts

    async def record(
        self,
        *,
        subject: str,
        readings: Iterable[Reading] = (),
        notes: str = "",
        inspector: str | None = None,
    ) -> Inspection:
        inspection = Inspection.draft(
            id=new_id(),
            subject=subject,
            readings=readings,
            notes=notes,
            inspector=inspector,
            now=self._clock.now(),
        )
        async with self._uow(one_write=True) as uow:
            await uow.inspections.add(inspection)
            await uow.commit()
        if self._counts is not None:
            self._counts.happened("created", inspection.created_at)
        return inspection

    async def get(self, inspection_id: str) -> Inspection:
        async with self._uow(read_only=True) as uow:
            return await uow.inspections.get(inspection_id)

    async def page(
        self, *, limit: int, after: str | None = None, where: InspectionFilter | None = None
    ) -> Page[Inspection]:
        async with self._uow(read_only=True) as uow:
            return await fetch_page(
                lambda n: uow.inspections.page(limit=n, after=after, where=where), limit
            )

    async def revise(
        self,
        inspection_id: str,
        *,
        if_version: int,
        subject: str | None = None,
        readings: Iterable[Reading] | None = None,
        notes: str | None = None,
        inspector: str | None = None,
    ) -> Inspection:
        # A malformed edit is refused first, as the request's other 422s are; then, when
        # nothing applied: gone (404), another version (412), no longer a draft (409).
        edit = DraftEdit(
            subject=subject,
            readings=None if readings is None else tuple(readings),
            notes=notes,
            inspector=inspector,
        )
        async with self._uow(one_write=True) as uow:
            revised = await uow.inspections.revise_draft(
                inspection_id, edit, expected_version=if_version, now=self._clock.now()
            )
            if revised is None:
                current = await uow.inspections.get(inspection_id)  # gone: NotFound
                if current.version != if_version:
                    raise StaleVersion(
                        f"inspection {inspection_id} is at version {current.version}, "
                        f"not {if_version}"
                    )
                current.edited(edit, now=self._clock.now())  # no longer a draft: raises
                raise AssertionError(f"the draft {inspection_id} was left as it was")
            await uow.commit()
        return revised

    async def delete(self, inspection_id: str, *, if_version: int | None = None) -> None:
        """Removes the inspection with its attachments, their objects last (`forget`)."""
        async with self._uow() as uow:
            attached = await uow.attachments.of_inspection(inspection_id)
            for attachment in attached:
                await uow.attachments.delete(attachment.id)
            await uow.inspections.delete(inspection_id, expected_version=if_version)
            await uow.commit()
        await forget(self._blobs, [attachment.blob for attachment in attached])

    async def submit(
        self, inspection_id: str, *, actor: str = "system", request_id: str | None = None
    ) -> JobProgress:
        """Moves a draft to `submitted` and accepts its validation job in the same unit of
        work; answers the queued job, whether or not the queue could be reached just now.
        `request_id`, the accepting request's, is kept with the job for its logs."""
        payload = {"inspection_id": inspection_id}
        job = Job(new_id(), VALIDATE_INSPECTION, payload, request_id=request_id)
        entry = self._dispatcher.accepted(job, total=1, started_by=actor)
        now = entry.created_at
        async with self._uow() as uow:
            current = await uow.inspections.get(inspection_id)
            submitted = current.submit(now=now)
            await uow.inspections.update(submitted, expected_version=current.version)
            entry = await add_traced(uow.outbox, entry)
            await audit(uow, self._clock, actor, "job.accepted", job.id, kind=job.kind)
            await uow.commit()
        if self._counts is not None:
            self._counts.happened("submitted", now)
        await self._dispatcher.hand_over(entry)
        return entry.queued()
