"""The areas a project serves beyond its core (identity, API keys, audit, jobs, health).

Each area is a module of this package with a `wire(core) -> Area` function that builds
its services from the core's parts and names the jobs it runs. The composition root
calls every module it finds here: the example domain is `inspections`, an aggregate
added with `make aggregate` is a module of its own, and a project made without the
example domain simply has no `inspections` module. No list to edit either way.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, cast

from hexa.adapters.unit_of_work import BackendUnitOfWork
from hexa.config import Settings
from hexa.domain.jobs import Job, JobKind, JobProgress
from hexa.ports.blobs import BlobStore
from hexa.ports.clock import Clock
from hexa.ports.jobs import ProgressStore
from hexa.ports.security import ChangeCounter
from hexa.services.dispatch import JobDispatcher
from hexa.services.jobs import JobHandler
from hexa.services.stat_tally import StatTally

Chore = Callable[[], Awaitable[Mapping[str, int]]]


@dataclass(frozen=True, slots=True)
class Core:
    """What an area may build on."""

    settings: Settings
    uow: Callable[..., BackendUnitOfWork]
    clock: Clock
    dispatcher: JobDispatcher
    blobs: BlobStore
    progress: ProgressStore
    # A change counter by name, shared by every replica and worker: for an area's caches.
    counters: Callable[[str], ChangeCounter]
    # Counts of what happens, written once a second: the numbers behind the charts.
    stats: StatTally


@dataclass(frozen=True, slots=True)
class Area:
    """An area's services (the drivers find each by its type), the job kinds it runs,
    the blobs each of its jobs leaves behind (deleted with the job's record), its own
    housekeeping (each answers how many of what it removed), and the blob holding a
    finished job's report, for the jobs that write one."""

    services: tuple[object, ...]
    jobs: Mapping[JobKind, JobHandler] = field(default_factory=dict)
    blobs_of: Callable[[Job], Iterable[str]] = lambda job: ()
    chores: tuple[Chore, ...] = ()
    report_of: Callable[[JobProgress], str | None] = lambda job: None


class _AreaModule(Protocol):
    def wire(self, core: Core) -> Area: ...


def wire_areas(core: Core) -> list[Area]:
    """Every area of this project, in module-name order."""
    return [
        cast(_AreaModule, importlib.import_module(f"{__name__}.{info.name}")).wire(core)
        for info in sorted(pkgutil.iter_modules(__path__))
    ]
