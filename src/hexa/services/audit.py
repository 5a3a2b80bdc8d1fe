"""Writing and reading the audit log."""

from __future__ import annotations

from typing import Any

from hexa.domain.audit import AuditEntry
from hexa.domain.errors import NotFound
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

    async def names(self, entries: list[AuditEntry]) -> dict[str, str]:
        """What people call the actors and targets of these entries, by the reference an
        entry holds: a user's email (`user:<id>`), an API key's name (`api_key:<kid>`), a
        service's own name, a job's kind (a job's id, for `job.*` entries). A reference to
        something gone has no name."""
        refs = {e.actor for e in entries} | {e.target for e in entries}
        jobs = {e.target for e in entries if e.action.startswith("job")}
        named: dict[str, str] = {}
        async with self._uow(read_only=True) as uow:
            for ref in sorted(refs):
                kind, _, ident = ref.partition(":")
                try:
                    if ref in jobs:
                        entry = await uow.outbox.get(ref)
                        named[ref] = f"{entry.job.kind.replace('_', ' ')} job"
                    elif kind == "user" and ident:
                        named[ref] = (await uow.users.get(ident)).email
                    elif kind == "api_key" and ident:
                        key = await uow.api_keys.find(ident)
                        if key is not None:
                            named[ref] = key.name
                    elif kind == "service" and ident:
                        named[ref] = ident
                except NotFound:
                    continue
        return named
