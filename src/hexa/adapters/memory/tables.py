"""The committed rows of an in-memory database, and one session's view of them."""

from __future__ import annotations

from typing import Any, Generic

from hexa.adapters.staging import StagedWrites, T, Write, check_write
from hexa.domain.errors import Conflict


class MemoryTable(Generic[T]):
    """The committed rows of one collection, with the fields that must stay unique."""

    def __init__(self, kind: str, unique: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.unique = unique
        self.rows: dict[str, T] = {}

    def plan(self, writes: list[Write[T]]) -> dict[str, T | None]:
        """Checks staged writes against the committed rows; answers their net effect."""
        after: dict[str, T | None] = {}
        for write in writes:
            current = after[write.id] if write.id in after else self.rows.get(write.id)
            check_write(self.kind, write, current)
            after[write.id] = write.entity
        self.check_unique(after)
        return after

    def install(self, after: dict[str, T | None]) -> None:
        for entity_id, entity in after.items():
            if entity is None:
                self.rows.pop(entity_id, None)  # added and deleted in one unit: never here
            else:
                self.rows[entity_id] = entity

    def check_unique(self, after: dict[str, T | None]) -> None:
        for field in self.unique:
            owners: dict[object, str] = {}
            for entity_id, row in self.rows.items():
                if entity_id not in after and getattr(row, field) is not None:
                    owners[getattr(row, field)] = entity_id
            for entity_id, entity in after.items():
                if entity is None:
                    continue
                value = getattr(entity, field)
                if value is None:  # as in SQL: no value clashes with another
                    continue
                if owners.setdefault(value, entity_id) != entity_id:
                    raise Conflict(f"a {self.kind} with {field} {value!r} already exists")


class MemoryTables:
    """A database's tables as one session sees them: each table it opens comes with the
    writes it stages there, applied together at commit."""

    def __init__(self, tables: dict[str, MemoryTable[Any]]) -> None:
        self._tables = tables
        self.staged: list[tuple[MemoryTable[Any], StagedWrites[Any]]] = []

    def open(
        self, name: str, kind: str, *, unique: tuple[str, ...] = ()
    ) -> tuple[MemoryTable[Any], StagedWrites[Any]]:
        """Table `name` (made on first use), with this session's staged writes to it."""
        table = self._tables.get(name)
        if table is None:
            table = self._tables[name] = MemoryTable(kind, unique)
        staged: StagedWrites[Any] = StagedWrites(table.kind)
        self.staged.append((table, staged))
        return table, staged
