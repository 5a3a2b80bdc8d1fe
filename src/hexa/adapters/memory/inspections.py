"""The example domain in memory: inspections and rules."""

from __future__ import annotations

from hexa.adapters.memory.repositories import MemoryRepository
from hexa.adapters.memory.tables import MemoryTables
from hexa.domain.inspections import Inspection, InspectionStatus
from hexa.domain.rules import Rule


class MemoryInspectionRepository(MemoryRepository[Inspection]):
    async def page(
        self, *, limit: int, after: str | None = None, status: InspectionStatus | None = None
    ) -> list[Inspection]:
        return self._page(limit, after, lambda i: status is None or i.status is status)


class MemoryRuleRepository(MemoryRepository[Rule]):
    async def page(self, *, limit: int, after: str | None = None) -> list[Rule]:
        return self._page(limit, after, lambda _: True)

    async def enabled(self) -> list[Rule]:
        return self._visible(lambda r: r.enabled)


def _inspections(tables: MemoryTables) -> MemoryInspectionRepository:
    return MemoryInspectionRepository(*tables.open("inspections", "inspection"))


def _rules(tables: MemoryTables) -> MemoryRuleRepository:
    return MemoryRuleRepository(*tables.open("rules", "rule", unique=("name",)))


# What a memory session finds here, by port (`hexa.adapters.memory.database`).
REPOSITORIES = {"inspections": _inspections, "rules": _rules}
