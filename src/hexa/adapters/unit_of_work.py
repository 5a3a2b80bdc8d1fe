"""The unit of work the services use, over whichever backend each repository lives on.

Each backend (memory, SQL, Mongo) opens a session holding its repositories. Usually every
port shares one backend and so one session: one transaction. When the settings split the
ports across backends, each session commits in turn, which is atomic per backend only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Protocol, Self

from hexa.ports.repositories import InspectionRepository, RuleRepository


class BackendSession(Protocol):
    @property
    def inspections(self) -> InspectionRepository: ...

    @property
    def rules(self) -> RuleRepository: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    async def close(self) -> None: ...


class Backend(Protocol):
    def session(self) -> BackendSession: ...


class BackendUnitOfWork:
    def __init__(self, backends: Mapping[str, Backend], placement: Mapping[str, str]) -> None:
        """`placement` maps each port (`inspections`, `rules`) to its backend's name."""
        self._backends = backends
        self._placement = placement
        self._sessions: dict[str, BackendSession] = {}

    async def __aenter__(self) -> Self:
        for name in dict.fromkeys(self._placement.values()):
            self._sessions[name] = self._backends[name].session()
        self.inspections = self._sessions[self._placement["inspections"]].inspections
        self.rules = self._sessions[self._placement["rules"]].rules
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for session in self._sessions.values():
            try:
                await session.rollback()
            finally:
                await session.close()

    async def commit(self) -> None:
        for session in self._sessions.values():
            await session.commit()


def unit_of_work_factory(
    backends: Mapping[str, Backend], placement: Mapping[str, str]
) -> Callable[[], BackendUnitOfWork]:
    return lambda: BackendUnitOfWork(backends, placement)
