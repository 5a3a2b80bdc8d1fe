"""An in-memory database: committed tables, and sessions that stage writes until commit."""

from __future__ import annotations

from typing import Any

from hexa.adapters.discovery import repositories
from hexa.adapters.memory.identity import MemoryAuditLog
from hexa.adapters.memory.tables import MemoryTable, MemoryTables
from hexa.domain.audit import AuditEntry


class MemoryDatabase:
    def __init__(self) -> None:
        self.tables: dict[str, MemoryTable[Any]] = {}
        self.audit: list[AuditEntry] = []
        repositories(__package__)  # every area's module, imported now, not in a request

    def session(self, *, read_only: bool = False, one_write: bool = False) -> MemorySession:
        return MemorySession(self)

    async def ping(self) -> None:
        """Always up: it lives in this process."""

    async def close(self) -> None:
        """Nothing to release."""


class MemorySession:
    def __init__(self, db: MemoryDatabase) -> None:
        self._tables = MemoryTables(db.tables)
        self.audit = MemoryAuditLog(db.audit)
        self._open: dict[str, object] = {"audit": self.audit}

    def repository(self, port: str) -> object | None:
        """This session's repository of `port`, made on first use; None if no module of
        this family serves the port."""
        found = self._open.get(port)
        if found is None:
            factory = repositories(__package__).get(port)
            if factory is None:
                return None
            found = self._open[port] = factory(self._tables)
        return found

    async def commit(self) -> None:
        # Every check passes before any row moves, with no await in between: all or
        # nothing, and no other task can interleave.
        try:
            plans = [(table, table.plan(staged.writes)) for table, staged in self._tables.staged]
            for table, plan in plans:
                table.install(plan)
            self.audit.commit()
        finally:
            await self.rollback()

    async def rollback(self) -> None:
        for _, staged in self._tables.staged:
            staged.clear()
        self.audit.staged.clear()

    async def close(self) -> None:
        await self.rollback()
