"""The MongoDB backend: one client per process, staged writes per session."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient

from hexa.adapters.mongo.repositories import (
    Document,
    MongoInspectionRepository,
    MongoRuleRepository,
    translated_errors,
)
from hexa.adapters.staging import StagedWrites
from hexa.domain.inspections import Inspection
from hexa.domain.rules import Rule


class MongoDatabase:
    def __init__(self, client: AsyncMongoClient[Document], database: str) -> None:
        self.client = client
        self.db = client[database]

    @classmethod
    def from_uri(cls, uri: str, **options: Any) -> MongoDatabase:
        client: AsyncMongoClient[Document] = AsyncMongoClient(
            uri, tz_aware=True, tzinfo=UTC, serverSelectionTimeoutMS=5000, **options
        )
        return cls(client, client.get_default_database("hexa").name)

    async def prepare(self) -> None:
        """Creates the indexes the repositories rely on; safe to repeat."""
        async with translated_errors("database"):
            await self.db.rules.create_index(
                [("name", ASCENDING)], unique=True, name="uq_rules_name"
            )
            await self.db.rules.create_index([("enabled", ASCENDING)], name="ix_rules_enabled")
            await self.db.inspections.create_index(
                [("status", ASCENDING)], name="ix_inspections_status"
            )

    def session(self) -> MongoSession:
        return MongoSession(self)

    async def ping(self) -> None:
        async with translated_errors("database"):
            await self.client.admin.command("ping")

    async def close(self) -> None:
        await self.client.close()


class MongoSession:
    def __init__(self, database: MongoDatabase) -> None:
        self._inspections: StagedWrites[Inspection] = StagedWrites("inspection")
        self._rules: StagedWrites[Rule] = StagedWrites("rule")
        self.inspections = MongoInspectionRepository(database.db.inspections, self._inspections)
        self.rules = MongoRuleRepository(database.db.rules, self._rules)

    async def commit(self) -> None:
        try:
            await self.inspections.apply()
            await self.rules.apply()
        finally:
            await self.rollback()

    async def rollback(self) -> None:
        self._inspections.clear()
        self._rules.clear()

    async def close(self) -> None:
        await self.rollback()
