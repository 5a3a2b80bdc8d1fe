"""Writes a unit of work stages until commit, for stores without transactions of their own.

The memory and Mongo adapters keep a unit's writes here: reads inside the unit see them,
nothing outside does, and `commit` replays them against the store with the same version
checks. Versions are also checked when a write is staged, so a stale update is refused at
once when it already is stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Generic, Protocol, TypeVar

from hexa.domain.errors import Conflict, NotFound, StaleVersion


class Versioned(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def version(self) -> int: ...


T = TypeVar("T", bound=Versioned)


class Op(Enum):
    ADD = "add"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Write(Generic[T]):
    op: Op
    id: str
    entity: T | None
    expected_version: int | None


def check_write(kind: str, write: Write[T], current: T | None) -> None:
    """Raises the domain error a store must raise for `write` over `current`."""
    if write.op is Op.ADD:
        if current is not None:
            raise Conflict(f"{kind} {write.id} already exists")
        return
    if current is None:
        raise NotFound(f"{kind} {write.id} not found")
    if write.expected_version is not None and current.version != write.expected_version:
        raise StaleVersion(
            f"{kind} {write.id} is at version {current.version}, not {write.expected_version}"
        )


class StagedWrites(Generic[T]):
    """One collection's writes in one unit of work, in order, plus their net effect."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.writes: list[Write[T]] = []
        self._latest: dict[str, T | None] = {}

    def knows(self, entity_id: str) -> bool:
        return entity_id in self._latest

    def latest(self, entity_id: str) -> T | None:
        """The staged state: the entity, or None once staged as deleted."""
        return self._latest[entity_id]

    def stage(self, write: Write[T], current: T | None) -> None:
        check_write(self.kind, write, current)
        self.writes.append(write)
        self._latest[write.id] = write.entity

    def overlay(self, stored: Iterable[T]) -> list[T]:
        """`stored` with this unit's staged writes laid over it, in id order."""
        merged = {e.id: e for e in stored if e.id not in self._latest}
        merged.update((i, e) for i, e in self._latest.items() if e is not None)
        return [merged[i] for i in sorted(merged)]

    def clear(self) -> None:
        self.writes.clear()
        self._latest.clear()
