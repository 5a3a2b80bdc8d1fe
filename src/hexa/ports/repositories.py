"""Repositories: collections of domain objects, living inside a unit of work.

Every write is staged in the unit of work that made the repository and lasts only once
that unit commits. Versions are the concurrency guard: `update` replaces the stored object
only if its version is still `expected_version`, checked where the write happens, never by
a separate read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from hexa.domain.inspections import Inspection, InspectionStatus
from hexa.domain.jobs import OutboxEntry
from hexa.domain.rules import Rule


class InspectionRepository(Protocol):
    async def get(self, inspection_id: str) -> Inspection:
        """The inspection with this id. Raises `NotFound` if there is none."""
        ...

    async def add(self, inspection: Inspection) -> None:
        """Stores a new inspection. Raises `Conflict` if its id is taken."""
        ...

    async def update(self, inspection: Inspection, *, expected_version: int) -> None:
        """Replaces the stored inspection with the same id, if its version is still
        `expected_version`. Raises `NotFound` if it is gone and `StaleVersion` if another
        writer replaced it first (at this call, or at commit for stores that only check
        there)."""
        ...

    async def delete(self, inspection_id: str, *, expected_version: int | None = None) -> None:
        """Removes the inspection. Raises `NotFound` if there is none, and `StaleVersion` if
        `expected_version` is given and the stored version differs."""
        ...

    async def page(
        self, *, limit: int, after: str | None = None, status: InspectionStatus | None = None
    ) -> list[Inspection]:
        """Up to `limit` inspections in id order (ids sort by creation time), starting
        after the id `after`, optionally only those with `status`."""
        ...


class RuleRepository(Protocol):
    async def get(self, rule_id: str) -> Rule:
        """The rule with this id. Raises `NotFound` if there is none."""
        ...

    async def add(self, rule: Rule) -> None:
        """Stores a new rule. Raises `Conflict` if its id or its name is taken."""
        ...

    async def update(self, rule: Rule, *, expected_version: int) -> None:
        """As `InspectionRepository.update`; also raises `Conflict` if the new name is
        another rule's."""
        ...

    async def delete(self, rule_id: str, *, expected_version: int | None = None) -> None:
        """Removes the rule. Raises `NotFound` if there is none, and `StaleVersion` if
        `expected_version` is given and the stored version differs."""
        ...

    async def page(self, *, limit: int, after: str | None = None) -> list[Rule]:
        """Up to `limit` rules in id order, starting after the id `after`."""
        ...

    async def enabled(self) -> list[Rule]:
        """Every enabled rule, in id order: the rule set an evaluation applies."""
        ...


class JobOutbox(Protocol):
    """Jobs accepted in a unit of work, kept until the queue has them, and after: the
    durable record of what was accepted and of how it ended."""

    async def add(self, entry: OutboxEntry) -> None:
        """Stages a new entry. Raises `Conflict` if its job id exists."""
        ...

    async def get(self, job_id: str) -> OutboxEntry:
        """Raises `NotFound` for an unknown job id."""
        ...

    async def update(self, entry: OutboxEntry, *, expected_version: int) -> None:
        """Stages the new state. Raises `NotFound`, or `StaleVersion` if someone else
        changed it first (two relays racing: only one marks it dispatched)."""
        ...

    async def pending(self, *, limit: int) -> list[OutboxEntry]:
        """Entries not yet dispatched, oldest first."""
        ...

    async def ended_before(self, before: datetime, *, limit: int) -> list[OutboxEntry]:
        """Entries whose job ended before that time, the earliest end first."""
        ...

    async def delete(self, job_id: str, *, expected_version: int | None = None) -> None:
        """Stages the removal of an entry. Raises `NotFound`, or `StaleVersion` if it is
        no longer at `expected_version`."""
        ...

    async def unfinished(self, *, dispatched_before: datetime, limit: int) -> list[OutboxEntry]:
        """Entries dispatched before that time whose job has no recorded end, the one
        dispatched longest ago first: the jobs a queue may have lost."""
        ...
