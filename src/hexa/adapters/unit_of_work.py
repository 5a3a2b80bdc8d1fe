"""The unit of work the services use, over whichever backend each repository lives on.

Each backend (memory, SQL, Mongo) opens a session holding its repositories. Usually every
port shares one backend and so one session: one transaction. When the settings split the
ports across backends, each session commits in turn, which is atomic per backend only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Protocol, Self

from hexa.ports.identity import ApiKeyRepository, AuditLog, SessionRepository, UserRepository
from hexa.ports.repositories import InspectionRepository, JobOutbox, RuleRepository

log = logging.getLogger(__name__)
PORTS = ("inspections", "rules", "users", "api_keys", "sessions", "audit", "outbox")


class BackendSession(Protocol):
    @property
    def inspections(self) -> InspectionRepository: ...

    @property
    def rules(self) -> RuleRepository: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def outbox(self) -> JobOutbox: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    async def close(self) -> None: ...


class Backend(Protocol):
    def session(self, *, read_only: bool = False) -> BackendSession: ...


class BackendUnitOfWork:
    def __init__(
        self,
        backends: Mapping[str, Backend],
        placement: Mapping[str, str],
        *,
        read_only: bool = False,
    ) -> None:
        """`placement` maps each repository port (`inspections`, `rules`, `users`,
        `api_keys`, `sessions`, `audit`, `outbox`) to its backend's name."""
        self._backends = backends
        self._placement = placement
        self._read_only = read_only
        self._sessions: dict[str, BackendSession] = {}

    async def __aenter__(self) -> Self:
        for name in dict.fromkeys(self._placement.values()):
            self._sessions[name] = self._backends[name].session(read_only=self._read_only)

        def session_of(port: str) -> BackendSession:
            return self._sessions[self._placement[port]]

        self.inspections = session_of("inspections").inspections
        self.rules = session_of("rules").rules
        self.users = session_of("users").users
        self.api_keys = session_of("api_keys").api_keys
        self.sessions = session_of("sessions").sessions
        self.audit = session_of("audit").audit
        self.outbox = session_of("outbox").outbox
        return self

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
    def unit(*, read_only: bool = False) -> BackendUnitOfWork:
        return BackendUnitOfWork(backends, placement, read_only=read_only)

    return unit
