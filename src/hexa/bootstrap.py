"""The composition root: builds every adapter and service from the settings.

`build(settings)` is the one place that knows which technology serves which port. It
opens pools on entry and closes them on exit; nothing here runs at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

from hexa.adapters.clock import SystemClock
from hexa.adapters.memory.database import MemoryDatabase
from hexa.adapters.memory.jobs import InProcessJobQueue, MemoryProgressStore
from hexa.adapters.unit_of_work import Backend, unit_of_work_factory
from hexa.config import ConfigError, Settings
from hexa.ports.clock import Clock
from hexa.ports.jobs import JobQueue, ProgressStore
from hexa.services.inspections import InspectionService
from hexa.services.rules import RuleService
from hexa.services.validation import ValidationService

# Ports this build serves; users and API keys arrive with the identity issue.
REPOSITORY_PORTS = ("inspections", "rules")


@dataclass(frozen=True, slots=True)
class HealthCheck:
    name: str
    probe: Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Hexa:
    """Everything the drivers may reach: services, and the checks `/healthz` runs."""

    settings: Settings
    rules: RuleService
    inspections: InspectionService
    validation: ValidationService
    queue: JobQueue
    health_checks: tuple[HealthCheck, ...] = field(default=())


class _Database(Backend, Protocol):
    async def ping(self) -> None: ...

    async def close(self) -> None: ...


async def _open_memory(settings: Settings) -> _Database:
    return MemoryDatabase()


async def _open_sql(settings: Settings) -> _Database:
    from hexa.adapters.sql.database import SqlDatabase

    database = SqlDatabase.from_url(settings.database_url)
    try:
        current, found, wanted = await database.schema_is_current()
    except Exception:
        await database.close()
        raise
    if not current:
        await database.close()
        raise ConfigError(
            f"DATABASE_URL: the schema is at revision {found or 'none'}, this code needs "
            f"{wanted}: run `hexa migrate` (make migrate)"
        )
    return database


async def _open_mongo(settings: Settings) -> _Database:
    from hexa.adapters.mongo.database import MongoDatabase

    assert settings.mongo_uri is not None  # Settings refuse mongo without MONGO_URI
    database = MongoDatabase.from_uri(settings.mongo_uri)
    try:
        await database.prepare()
    except Exception:
        await database.close()
        raise
    return database


BACKEND_FACTORIES: dict[str, Callable[[Settings], Awaitable[_Database]]] = {
    "memory": _open_memory,
    "sql": _open_sql,
    "mongo": _open_mongo,
}


def _in_process_queue(
    settings: Settings, stack: AsyncExitStack
) -> tuple[JobQueue, Callable[[ValidationService], None]]:
    queue = InProcessJobQueue()
    stack.push_async_callback(queue.close)
    return queue, lambda validation: queue.start(validation.run)


def _arq_queue(
    settings: Settings, stack: AsyncExitStack
) -> tuple[JobQueue, Callable[[ValidationService], None]]:
    raise ConfigError(
        "QUEUE_BACKEND=arq: the arq adapter is not in this build yet; set QUEUE_BACKEND=inprocess"
    )


QUEUE_FACTORIES = {"inprocess": _in_process_queue, "arq": _arq_queue}


@asynccontextmanager
async def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    progress: ProgressStore | None = None,
) -> AsyncIterator[Hexa]:
    """Opens every adapter the settings ask for; closes them all on exit."""
    clock = clock or SystemClock()
    placement = {port: settings.placement()[port] for port in REPOSITORY_PORTS}
    async with AsyncExitStack() as stack:
        backends: dict[str, _Database] = {}
        for name in dict.fromkeys(placement.values()):
            backends[name] = await BACKEND_FACTORIES[name](settings)
            stack.push_async_callback(backends[name].close)
        uow = unit_of_work_factory(backends, placement)
        progress = progress or MemoryProgressStore()
        queue, start_queue = QUEUE_FACTORIES[settings.resolved_queue_backend](settings, stack)
        validation = ValidationService(uow, clock, progress)
        start_queue(validation)
        yield Hexa(
            settings=settings,
            rules=RuleService(uow, clock),
            inspections=InspectionService(uow, clock, queue, progress),
            validation=validation,
            queue=queue,
            health_checks=tuple(
                HealthCheck("database" if name == "sql" else name, backend.ping)
                for name, backend in backends.items()
            ),
        )


async def check(settings: Settings) -> None:
    """Builds the graph once and closes it: proves the settings, the stores and the schema
    before a server starts. Raises `ConfigError` or `Unavailable` with a readable line."""
    async with build(settings):
        pass


def migrate(settings: Settings, revision: str = "head") -> bool:
    """Brings the SQL schema to `revision`, if any port lives in SQL; says whether it did."""
    if "sql" not in settings.placement().values():
        return False
    from hexa.adapters.sql.migrations import upgrade

    upgrade(settings.database_url, revision)
    return True
