"""An in-memory database: committed tables, and sessions that stage writes until commit."""

from __future__ import annotations

from hexa.adapters.memory.repositories import (
    MemoryInspectionRepository,
    MemoryRuleRepository,
    MemoryTable,
)
from hexa.adapters.staging import StagedWrites
from hexa.domain.inspections import Inspection
from hexa.domain.rules import Rule


class MemoryDatabase:
    def __init__(self) -> None:
        self.inspections: MemoryTable[Inspection] = MemoryTable("inspection")
        self.rules: MemoryTable[Rule] = MemoryTable("rule", unique=("name",))

    def session(self) -> MemorySession:
        return MemorySession(self)

    async def ping(self) -> None:
        """Always up: it lives in this process."""

    async def close(self) -> None:
        """Nothing to release."""


class MemorySession:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db
        self._inspections: StagedWrites[Inspection] = StagedWrites("inspection")
        self._rules: StagedWrites[Rule] = StagedWrites("rule")
        self.inspections = MemoryInspectionRepository(db.inspections, self._inspections)
        self.rules = MemoryRuleRepository(db.rules, self._rules)

    async def commit(self) -> None:
        # Every check passes before any row moves, with no await in between: all or
        # nothing, and no other task can interleave.
        try:
            inspections = self._db.inspections.plan(self._inspections.writes)
            rules = self._db.rules.plan(self._rules.writes)
            self._db.inspections.install(inspections)
            self._db.rules.install(rules)
        finally:
            self._inspections.clear()
            self._rules.clear()

    async def rollback(self) -> None:
        self._inspections.clear()
        self._rules.clear()

    async def close(self) -> None:
        await self.rollback()
