"""The MongoDB backend: one client per process, staged writes per session."""

from __future__ import annotations

from datetime import UTC
from typing import Any, Protocol

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient

from hexa.adapters.discovery import declared, repositories
from hexa.adapters.mongo.identity import MongoAuditLog
from hexa.adapters.mongo.repositories import Document, translated_errors


class MongoDatabase:
    def __init__(self, client: AsyncMongoClient[Document], database: str) -> None:
        self.client = client
        self.db = client[database]
        repositories(__package__)  # every area's module, imported now, not in a request

    @classmethod
    def from_uri(cls, uri: str, **options: Any) -> MongoDatabase:
        client: AsyncMongoClient[Document] = AsyncMongoClient(
            uri, tz_aware=True, tzinfo=UTC, serverSelectionTimeoutMS=5000, **options
        )
        return cls(client, client.get_default_database("hexa").name)

    async def prepare(self) -> None:
        """Creates the indexes the repositories rely on (each area's module declares its
        own in `prepare`); safe to repeat."""
        async with translated_errors("database"):
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
            await self.db.job_outbox.create_index(
                [("outcome", ASCENDING), ("_id", DESCENDING)], name="ix_job_outbox_outcome_id"
            )
            # The audit log's filters, newest first (as ix_audit_entries_* in SQL).
            for field in ("action", "actor"):
                await self.db.audit.create_index(
                    [(field, ASCENDING), ("_id", DESCENDING)], name=f"ix_audit_{field}_id"
                )
            # At most one retry of a failed job; entries that retry nothing have no value.
            await self.db.job_outbox.create_index(
                [("retry_of", ASCENDING)],
                unique=True,
                partialFilterExpression={"retry_of": {"$type": "string"}},
                name="uq_job_outbox_retry_of",
            )
            for prepare in declared(__package__, "prepare"):
                await prepare(self.db)

    def session(self, *, read_only: bool = False, one_write: bool = False) -> MongoSession:
        return MongoSession(self)

    async def ping(self) -> None:
        async with translated_errors("database"):
            await self.client.admin.command("ping")

    async def close(self) -> None:
        await self.client.close()


class _Staging(Protocol):
    """A repository whose writes wait for the session's commit."""

    async def apply(self) -> None: ...

    def discard(self) -> None: ...


class MongoSession:
    def __init__(self, database: MongoDatabase) -> None:
        self._db = database.db
        self.audit = MongoAuditLog(self._db.audit)
        self._open: dict[str, _Staging] = {}

    def repository(self, port: str) -> object | None:
        """This session's repository of `port`, made on first use; None if no module of
        this family serves the port."""
        if port == "audit":
            return self.audit
        found = self._open.get(port)
        if found is None:
            factory = repositories(__package__).get(port)
            if factory is None:
                return None
            found = self._open[port] = factory(self._db)
        return found

    async def commit(self) -> None:
        # Without a transaction, the order is what a crash can leave half done: every
        # change in the order it was touched, then the outbox, whose entries record a job
        # for a change (or a change's end), then the audit of it all.
        ports = sorted(self._open, key=lambda port: port == "outbox")
        try:
            for port in ports:
                await self._open[port].apply()
            await self.audit.apply()
        finally:
            await self.rollback()

    async def rollback(self) -> None:
        for repository in self._open.values():
            repository.discard()
        self.audit.clear()

    async def close(self) -> None:
        await self.rollback()
