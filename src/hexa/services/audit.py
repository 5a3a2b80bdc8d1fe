"""Writing and reading the audit log."""

from __future__ import annotations

from typing import Any

from hexa.domain.audit import AuditEntry
from hexa.domain.identity import new_id
from hexa.ports.clock import Clock
from hexa.ports.uow import UnitOfWork, UnitOfWorkFactory
from hexa.services.pages import Page, fetch_page


async def record(
    uow: UnitOfWork, clock: Clock, actor: str, action: str, target: str, **detail: Any
) -> None:
    """Appends an entry inside `uow`, so it lasts exactly when the change it describes does."""
    await uow.audit.append(AuditEntry(new_id(), clock.now(), actor, action, target, detail))


class AuditService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def page(
        self,
        *,
        limit: int,
        before: str | None = None,
        action: str | None = None,
        actor: str | None = None,
    ) -> Page[AuditEntry]:
        """Newest first, optionally only one action and/or one actor; `next_after` is the
        id to continue before (with the same filter)."""
        async with self._uow(read_only=True) as uow:
            return await fetch_page(
                lambda n: uow.audit.page(limit=n, before=before, action=action, actor=actor),
                limit,
            )
