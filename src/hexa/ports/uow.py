"""The unit of work: one business transaction over the repositories."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from hexa.ports.identity import ApiKeyRepository, AuditLog, SessionRepository, UserRepository
from hexa.ports.outbox import JobOutbox
from hexa.ports.stats import StatCounts


class UnitOfWork(Protocol):
    """Used as `async with uow: ...; await uow.commit()`.

    The core's repositories; an area's own (inspections, or an aggregate added with
    `make aggregate`) are reached through a protocol of its own that extends this one,
    and served by the same backends (`hexa.adapters.unit_of_work`).

    Nothing is kept unless `commit` is awaited; leaving the block without it (or with an
    exception) rolls back. A unit of work is used once. When ports live on different
    backends, each backend commits its own part in turn: atomic per backend, not across.
    """

    users: UserRepository
    api_keys: ApiKeyRepository
    sessions: SessionRepository
    audit: AuditLog
    outbox: JobOutbox
    stats: StatCounts

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Makes every staged write durable. Raises `StaleVersion` or `Conflict` when a
        store that checks at commit finds a clash; then nothing of that store is kept."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False, one_write: bool = False) -> UnitOfWork:
        """A new unit of work. `read_only=True` promises it will only read, so a store
        may skip what only writers need: SQLite's write lock (WAL readers run side by
        side), PostgreSQL's BEGIN and ROLLBACK round trips (each read then sees what was
        committed when it ran, not one snapshot for the whole unit). Such a unit must not
        write; its `commit` raises.

        `one_write=True` promises a single write, made by one repository call that is
        one statement in every store (`add`, `revise_draft`): a store may then make it
        without a transaction around it, as a statement is atomic on its own
        (PostgreSQL: no BEGIN and COMMIT round trips, two of a create's three). That
        write is durable once the call returns; `commit` is still awaited, for the
        stores that did hold it in a transaction."""
        ...
