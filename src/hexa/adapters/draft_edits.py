"""`revise_draft` for the stores that check a version where the write lands at commit
(memory, MongoDB): read the inspection, edit it, stage the write. Staged under the version
read, so a writer that came first still makes this unit's commit fail as stale."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from hexa.domain.errors import NotFound
from hexa.domain.inspections import DraftEdit, Inspection, InspectionStatus


class _Stored(Protocol):
    async def get(self, entity_id: str) -> Inspection: ...

    async def update(self, entity: Inspection, *, expected_version: int) -> None: ...


class DraftsEditedByReading:
    async def revise_draft(
        self: _Stored, inspection_id: str, edit: DraftEdit, *, expected_version: int, now: datetime
    ) -> Inspection | None:
        try:
            current = await self.get(inspection_id)
        except NotFound:
            return None
        if current.version != expected_version or current.status is not InspectionStatus.DRAFT:
            return None
        revised = current.edited(edit, now=now)
        await self.update(revised, expected_version=expected_version)
        return revised
