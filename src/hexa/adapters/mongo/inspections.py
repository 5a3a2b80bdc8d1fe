"""The example domain in MongoDB: inspections, rules and attachments, and their indexes."""

from __future__ import annotations

import re
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hexa.adapters.draft_edits import DraftsEditedByReading
from hexa.adapters.inspection_records import (
    attachment_from,
    attachment_record,
    inspection_from,
    inspection_record,
    rule_from,
    rule_record,
)
from hexa.adapters.mongo.repositories import Document, MongoRepository, translated_errors
from hexa.adapters.staging import StagedWrites
from hexa.domain.attachments import Attachment, AttachmentStatus
from hexa.domain.inspections import Inspection, InspectionFilter
from hexa.domain.rules import Rule


class MongoInspectionRepository(DraftsEditedByReading, MongoRepository[Inspection]):
    kind = "inspection"
    _record = staticmethod(inspection_record)
    _entity = staticmethod(inspection_from)

    async def page(
        self, *, limit: int, after: str | None = None, where: InspectionFilter | None = None
    ) -> list[Inspection]:
        where = where or InspectionFilter()
        query: Document = {}
        if where.status is not None:
            query["status"] = where.status.value
        created: Document = {}
        if where.since is not None:
            created["$gte"] = where.since
        if where.until is not None:
            created["$lt"] = where.until
        if created:
            query["created_at"] = created
        if where.subject_contains is not None:
            query["subject"] = {"$regex": re.escape(where.subject_contains), "$options": "i"}
        return await self._page(limit, after, query, where.keeps)


class MongoRuleRepository(MongoRepository[Rule]):
    kind = "rule"
    _record = staticmethod(rule_record)
    _entity = staticmethod(rule_from)

    async def page(self, *, limit: int, after: str | None = None) -> list[Rule]:
        return await self._page(limit, after, {}, lambda _: True)

    async def enabled(self) -> list[Rule]:
        stored = await self._find({"enabled": True})
        return [r for r in self._staged.overlay(stored) if r.enabled]


class MongoAttachmentRepository(MongoRepository[Attachment]):
    kind = "attachment"
    _record = staticmethod(attachment_record)
    _entity = staticmethod(attachment_from)

    async def of_inspection(self, inspection_id: str) -> list[Attachment]:
        stored = await self._find({"inspection_id": inspection_id})
        return [a for a in self._staged.overlay(stored) if a.inspection_id == inspection_id]

    async def pending_before(self, before: datetime, *, limit: int) -> list[Attachment]:
        pending = AttachmentStatus.PENDING
        cursor = (
            self._collection.find({"status": pending.value, "created_at": {"$lt": before}})
            .sort([("created_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit + len(self._staged.writes))
        )
        async with translated_errors(self.kind):
            stored = [self._from_document(d) async for d in cursor]
        found = [
            a for a in self._staged.overlay(stored) if a.status is pending and a.created_at < before
        ]
        return sorted(found, key=lambda a: (a.created_at, a.id))[:limit]


async def prepare(db: AsyncDatabase[Document]) -> None:
    """The indexes these repositories rely on; safe to repeat."""
    await db.rules.create_index([("name", ASCENDING)], unique=True, name="uq_rules_name")
    await db.rules.create_index([("enabled", ASCENDING)], name="ix_rules_enabled")
    await db.inspections.create_index([("status", ASCENDING)], name="ix_inspections_status")
    await db.attachments.create_index(
        [("inspection_id", ASCENDING)], name="ix_attachments_inspection_id"
    )
    await db.attachments.create_index(
        [("status", ASCENDING), ("created_at", ASCENDING)], name="ix_attachments_status_created_at"
    )


def _inspections(db: AsyncDatabase[Document]) -> MongoInspectionRepository:
    return MongoInspectionRepository(db.inspections, StagedWrites("inspection"))


def _rules(db: AsyncDatabase[Document]) -> MongoRuleRepository:
    return MongoRuleRepository(db.rules, StagedWrites("rule"))


def _attachments(db: AsyncDatabase[Document]) -> MongoAttachmentRepository:
    return MongoAttachmentRepository(db.attachments, StagedWrites("attachment"))


# What a Mongo session finds here, by port (`hexa.adapters.mongo.database`).
REPOSITORIES = {"inspections": _inspections, "rules": _rules, "attachments": _attachments}
