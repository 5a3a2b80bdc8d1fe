"""The example domain's repositories (inspections, their rules and attachments), and the
unit of work its services use. Repositories: collections of domain objects, living inside a unit of work.

Every write is staged in the unit of work that made the repository and lasts only once
that unit commits. Versions are the concurrency guard: `update` replaces the stored object
only if its version is still `expected_version`, checked where the write happens, never by
a separate read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from hexa.domain.attachments import Attachment
from hexa.domain.inspections import DraftEdit, Inspection, InspectionFilter
from hexa.domain.rules import Rule
from hexa.ports.uow import UnitOfWork


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

    async def revise_draft(
        self, inspection_id: str, edit: DraftEdit, *, expected_version: int, now: datetime
    ) -> Inspection | None:
        """Applies `edit` if the inspection is a draft still at `expected_version`, and
        answers it revised (next version, `updated_at` now). None when it is not — gone,
        at another version, or no longer a draft — with nothing written: the caller reads
        it to tell which. SQL does it in one statement, without reading it first."""
        ...

    async def delete(self, inspection_id: str, *, expected_version: int | None = None) -> None:
        """Removes the inspection. Raises `NotFound` if there is none, and `StaleVersion` if
        `expected_version` is given and the stored version differs."""
        ...

    async def page(
        self, *, limit: int, after: str | None = None, where: InspectionFilter | None = None
    ) -> list[Inspection]:
        """Up to `limit` inspections in id order (ids sort by creation time), starting
        after the id `after`, only those `where` keeps."""
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


class AttachmentRepository(Protocol):
    async def get(self, attachment_id: str) -> Attachment:
        """The attachment with this id. Raises `NotFound` if there is none."""
        ...

    async def add(self, attachment: Attachment) -> None:
        """Stores a new attachment. Raises `Conflict` if its id is taken."""
        ...

    async def update(self, attachment: Attachment, *, expected_version: int) -> None:
        """As `InspectionRepository.update`."""
        ...

    async def delete(self, attachment_id: str, *, expected_version: int | None = None) -> None:
        """Removes the attachment. Raises `NotFound` if there is none, and `StaleVersion` if
        `expected_version` is given and the stored version differs."""
        ...

    async def of_inspection(self, inspection_id: str) -> list[Attachment]:
        """Every attachment of the inspection, pending or stored, in id order (an
        inspection holds few: ATTACHMENTS_PER_INSPECTION)."""
        ...

    async def pending_before(self, before: datetime, *, limit: int) -> list[Attachment]:
        """Up to `limit` attachments still pending that were declared before `before`,
        oldest first: uploads that were never completed."""
        ...


class InspectionsUnitOfWork(UnitOfWork, Protocol):
    """The core's unit of work, with the inspections, rules and attachments of the same
    store."""

    inspections: InspectionRepository
    rules: RuleRepository
    attachments: AttachmentRepository


class InspectionsUnitOfWorkFactory(Protocol):
    def __call__(
        self, *, read_only: bool = False, one_write: bool = False
    ) -> InspectionsUnitOfWork:
        """As `UnitOfWorkFactory`."""
        ...
