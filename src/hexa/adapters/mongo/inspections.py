"""The example domain in MongoDB: inspections and rules, and their indexes."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hexa.adapters.inspection_records import (
    inspection_from,
    inspection_record,
    rule_from,
    rule_record,
)
from hexa.adapters.mongo.repositories import Document, MongoRepository
from hexa.adapters.staging import StagedWrites
from hexa.domain.inspections import Inspection, InspectionStatus
from hexa.domain.rules import Rule


class MongoInspectionRepository(MongoRepository[Inspection]):
    kind = "inspection"
    _record = staticmethod(inspection_record)
    _entity = staticmethod(inspection_from)

    async def page(
        self, *, limit: int, after: str | None = None, status: InspectionStatus | None = None
    ) -> list[Inspection]:
        query: Document = {} if status is None else {"status": status.value}
        return await self._page(limit, after, query, lambda i: status is None or i.status is status)


class MongoRuleRepository(MongoRepository[Rule]):
    kind = "rule"
    _record = staticmethod(rule_record)
    _entity = staticmethod(rule_from)

    async def page(self, *, limit: int, after: str | None = None) -> list[Rule]:
        return await self._page(limit, after, {}, lambda _: True)

    async def enabled(self) -> list[Rule]:
        stored = await self._find({"enabled": True})
        return [r for r in self._staged.overlay(stored) if r.enabled]


async def prepare(db: AsyncDatabase[Document]) -> None:
    """The indexes these repositories rely on; safe to repeat."""
    await db.rules.create_index([("name", ASCENDING)], unique=True, name="uq_rules_name")
    await db.rules.create_index([("enabled", ASCENDING)], name="ix_rules_enabled")
    await db.inspections.create_index([("status", ASCENDING)], name="ix_inspections_status")


def _inspections(db: AsyncDatabase[Document]) -> MongoInspectionRepository:
    return MongoInspectionRepository(db.inspections, StagedWrites("inspection"))


def _rules(db: AsyncDatabase[Document]) -> MongoRuleRepository:
    return MongoRuleRepository(db.rules, StagedWrites("rule"))


# What a Mongo session finds here, by port (`hexa.adapters.mongo.database`).
REPOSITORIES = {"inspections": _inspections, "rules": _rules}
