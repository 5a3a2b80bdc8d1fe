"""The unit of work the services use, over whichever backend each repository lives on.

Each backend (memory, SQL, Mongo) opens a session that serves the repositories its
family's modules declare (`hexa.adapters.discovery`). Usually every port shares one
backend and so one session: one transaction. When the settings split the ports across
backends, each session commits in turn, which is atomic per backend only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Protocol, Self

from hexa.ports.identity import ApiKeyRepository, AuditLog, SessionRepository, UserRepository
from hexa.ports.outbox import JobOutbox
from hexa.ports.stats import StatCounts

log = logging.getLogger(__name__)
# The core's ports; an area's are found by name. Placement key for every other port:
ELSEWHERE = "*"
PORTS = ("users", "api_keys", "sessions", "audit", "outbox", "stats")


class BackendSession(Protocol):
    def repository(self, port: str) -> object | None:
        """The repository serving `port` in this session, or None if this backend has
        none for it."""
        ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    async def close(self) -> None: ...


class Backend(Protocol):
    def session(self, *, read_only: bool = False, one_write: bool = False) -> BackendSession: ...


class BackendUnitOfWork:
    """The core's repositories are typed below; an area's protocol (`InspectionsUnitOfWork`)
    names its own, which resolve here by port name, from the backend placed for them."""

    users: UserRepository
    api_keys: ApiKeyRepository
    sessions: SessionRepository
    audit: AuditLog
    outbox: JobOutbox
    stats: StatCounts

    def __init__(
        self,
        backends: Mapping[str, Backend],
        placement: Mapping[str, str],
        *,
        read_only: bool = False,
        one_write: bool = False,
    ) -> None:
        """`placement` maps each repository port (`users`, `api_keys`, `inspections`...)
        to its backend's name; `"*"` places every port not named."""
        self._backends = backends
        self._placement = placement
        self._read_only = read_only
        self._one_write = one_write
        self._sessions: dict[str, BackendSession] = {}

    async def __aenter__(self) -> Self:
        for name in dict.fromkeys(self._placement.values()):
            self._sessions[name] = self._backends[name].session(
                read_only=self._read_only, one_write=self._one_write
            )
        return self

    def __getattr__(self, port: str) -> Any:
        # Called once per port and unit: the repository is then an attribute.
        if port.startswith("_") or not self._sessions:
            raise AttributeError(port)
        backend = self._placement.get(port) or self._placement.get(ELSEWHERE)
        if backend is None and len(self._sessions) == 1:
            backend = next(iter(self._sessions))
        repository = None if backend is None else self._sessions[backend].repository(port)
        if repository is None:
            raise AttributeError(f"no repository serves the {port!r} port on {backend}")
        setattr(self, port, repository)
        return repository

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Every session is rolled back and closed, whatever fails. A failure here is
        # logged, not raised: what the unit did was settled by `commit` (or by its
        # absence), and raising would tell a caller whose writes are durable that they
        # failed, or hide the error already on its way out.
        for name, session in self._sessions.items():
            try:
                await session.rollback()
            except Exception as failure:
                log.warning("could not roll back a %s session: %r", name, failure)
            finally:
                try:
                    await session.close()
                except Exception as failure:
                    log.warning("could not close a %s session: %r", name, failure)

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        for session in self._sessions.values():
            await session.commit()


def unit_of_work_factory(
    backends: Mapping[str, Backend], placement: Mapping[str, str]
) -> Callable[..., BackendUnitOfWork]:
    def unit(*, read_only: bool = False, one_write: bool = False) -> BackendUnitOfWork:
        return BackendUnitOfWork(backends, placement, read_only=read_only, one_write=one_write)

    return unit
