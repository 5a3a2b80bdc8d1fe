"""The MongoDB backend: one client per process, staged writes per session."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient

from hexa.adapters.mongo.identity import (
    MongoApiKeyRepository,
    MongoAuditLog,
    MongoSessionRepository,
    MongoUserRepository,
)
from hexa.adapters.mongo.repositories import (
    Document,
    MongoInspectionRepository,
    MongoOutbox,
    MongoRepository,
    MongoRuleRepository,
    translated_errors,
)
from hexa.adapters.staging import StagedWrites


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
            await self.db.users.create_index(
                [("email", ASCENDING)], unique=True, name="uq_users_email"
            )
            await self.db.sessions.create_index([("hashes", ASCENDING)], name="ix_sessions_hashes")
            await self.db.sessions.create_index(
                [("user_id", ASCENDING)], name="ix_sessions_user_id"
            )
            await self.db.job_outbox.create_index(
                [("dispatched_at", ASCENDING), ("created_at", ASCENDING)],
                name="ix_job_outbox_pending",
            )
            await self.db.job_outbox.create_index(
                [("outcome", ASCENDING), ("dispatched_at", ASCENDING)],
                name="ix_job_outbox_unfinished",
            )
            await self.db.job_outbox.create_index(
                [("finished_at", ASCENDING)], name="ix_job_outbox_finished_at"
            )

    def session(self, *, read_only: bool = False) -> MongoSession:
        return MongoSession(self)

    async def ping(self) -> None:
        async with translated_errors("database"):
            await self.client.admin.command("ping")

    async def close(self) -> None:
        await self.client.close()


class MongoSession:
    def __init__(self, database: MongoDatabase) -> None:
        db = database.db
        self.inspections = MongoInspectionRepository(db.inspections, StagedWrites("inspection"))
        self.rules = MongoRuleRepository(db.rules, StagedWrites("rule"))
        self.users = MongoUserRepository(db.users, StagedWrites("user"))
        self.api_keys = MongoApiKeyRepository(db.api_keys, StagedWrites("API key"))
        self.sessions = MongoSessionRepository(db.sessions, StagedWrites("session"))
        self.audit = MongoAuditLog(db.audit)
        self.outbox = MongoOutbox(db.job_outbox, StagedWrites("job"))
        self._repositories: tuple[MongoRepository[Any], ...] = (
            self.inspections,
            self.rules,
            self.users,
            self.api_keys,
            self.sessions,
            self.outbox,
        )

    async def commit(self) -> None:
        try:
            for repository in self._repositories:
                await repository.apply()
            await self.audit.apply()
        finally:
            await self.rollback()

    async def rollback(self) -> None:
        for repository in self._repositories:
            repository.discard()
        self.audit.clear()

    async def close(self) -> None:
        await self.rollback()
