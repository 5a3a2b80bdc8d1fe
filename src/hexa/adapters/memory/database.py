"""An in-memory database: committed tables, and sessions that stage writes until commit."""

from __future__ import annotations

from typing import Any

from hexa.adapters.memory.identity import (
    MemoryApiKeyRepository,
    MemoryAuditLog,
    MemorySessionRepository,
    MemoryUserRepository,
)
from hexa.adapters.memory.repositories import (
    MemoryInspectionRepository,
    MemoryOutbox,
    MemoryRuleRepository,
    MemoryTable,
)
from hexa.adapters.staging import StagedWrites
from hexa.domain.api_keys import ApiKey
from hexa.domain.audit import AuditEntry
from hexa.domain.inspections import Inspection
from hexa.domain.jobs import OutboxEntry
from hexa.domain.rules import Rule
from hexa.domain.sessions import Session
from hexa.domain.users import User


class MemoryDatabase:
    def __init__(self) -> None:
        self.inspections: MemoryTable[Inspection] = MemoryTable("inspection")
        self.rules: MemoryTable[Rule] = MemoryTable("rule", unique=("name",))
        self.users: MemoryTable[User] = MemoryTable("user", unique=("email",))
        self.api_keys: MemoryTable[ApiKey] = MemoryTable("API key")
        self.sessions: MemoryTable[Session] = MemoryTable("session")
        self.audit: list[AuditEntry] = []
        self.outbox: MemoryTable[OutboxEntry] = MemoryTable("job")

    def session(self, *, read_only: bool = False) -> MemorySession:
        return MemorySession(self)

    async def ping(self) -> None:
        """Always up: it lives in this process."""

    async def close(self) -> None:
        """Nothing to release."""


class MemorySession:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db
        self._staged: list[tuple[MemoryTable[Any], StagedWrites[Any]]] = []
        self.inspections = MemoryInspectionRepository(db.inspections, self._stage(db.inspections))
        self.rules = MemoryRuleRepository(db.rules, self._stage(db.rules))
        self.users = MemoryUserRepository(db.users, self._stage(db.users))
        self.api_keys = MemoryApiKeyRepository(db.api_keys, self._stage(db.api_keys))
        self.sessions = MemorySessionRepository(db.sessions, self._stage(db.sessions))
        self.audit = MemoryAuditLog(db.audit)
        self.outbox = MemoryOutbox(db.outbox, self._stage(db.outbox))

    def _stage(self, table: MemoryTable[Any]) -> StagedWrites[Any]:
        staged: StagedWrites[Any] = StagedWrites(table.kind)
        self._staged.append((table, staged))
        return staged

    async def commit(self) -> None:
        # Every check passes before any row moves, with no await in between: all or
        # nothing, and no other task can interleave.
        try:
            plans = [(table, table.plan(staged.writes)) for table, staged in self._staged]
            for table, plan in plans:
                table.install(plan)
            self.audit.commit()
        finally:
            await self.rollback()

    async def rollback(self) -> None:
        for _, staged in self._staged:
            staged.clear()
        self.audit.staged.clear()

    async def close(self) -> None:
        await self.rollback()
