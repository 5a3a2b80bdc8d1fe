"""The example domain in memory: inspections, rules and attachments."""

from __future__ import annotations

from datetime import datetime

from hexa.adapters.draft_edits import DraftsEditedByReading
from hexa.adapters.memory.repositories import MemoryRepository
from hexa.adapters.memory.tables import MemoryTables
from hexa.domain.attachments import Attachment, AttachmentStatus
from hexa.domain.inspections import Inspection, InspectionFilter
from hexa.domain.rules import Rule


class MemoryInspectionRepository(DraftsEditedByReading, MemoryRepository[Inspection]):
    async def page(
        self, *, limit: int, after: str | None = None, where: InspectionFilter | None = None
    ) -> list[Inspection]:
        return self._page(limit, after, (where or InspectionFilter()).keeps)


class MemoryRuleRepository(MemoryRepository[Rule]):
    async def page(self, *, limit: int, after: str | None = None) -> list[Rule]:
        return self._page(limit, after, lambda _: True)

    async def enabled(self) -> list[Rule]:
        return self._visible(lambda r: r.enabled)


class MemoryAttachmentRepository(MemoryRepository[Attachment]):
    async def of_inspection(self, inspection_id: str) -> list[Attachment]:
        return sorted(self._visible(lambda a: a.inspection_id == inspection_id), key=_id)

    async def pending_before(self, before: datetime, *, limit: int) -> list[Attachment]:
        pending = self._visible(
            lambda a: a.status is AttachmentStatus.PENDING and a.created_at < before
        )
        return sorted(pending, key=lambda a: (a.created_at, a.id))[:limit]


def _id(attachment: Attachment) -> str:
    return attachment.id


def _inspections(tables: MemoryTables) -> MemoryInspectionRepository:
    return MemoryInspectionRepository(*tables.open("inspections", "inspection"))


def _rules(tables: MemoryTables) -> MemoryRuleRepository:
    return MemoryRuleRepository(*tables.open("rules", "rule", unique=("name",)))


def _attachments(tables: MemoryTables) -> MemoryAttachmentRepository:
    return MemoryAttachmentRepository(*tables.open("attachments", "attachment"))


# What a memory session finds here, by port (`hexa.adapters.memory.database`).
REPOSITORIES = {"inspections": _inspections, "rules": _rules, "attachments": _attachments}
