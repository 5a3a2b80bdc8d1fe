"""The composition root: builds every adapter and service from the settings.

`build(settings)` is the one place that knows which technology serves which port. It
opens pools on entry and closes them on exit; nothing here runs at import time. Each
technology is wired in a module of its own (`sql`, `mongo`, `redis`, `arq`, `memory`),
found by name when the settings ask for it (`families`), so a project that leaves one
out deletes that module and its adapters, and edits no line here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Protocol, cast

from hexa.adapters.blob_links import AppLinkedBlobs, BlobLinks
from hexa.adapters.clock import SystemClock
from hexa.adapters.local_blobs import LocalBlobStore
from hexa.adapters.memory.jobs import InProcessHeartbeat
from hexa.adapters.security.passwords import Argon2PasswordHasher
from hexa.adapters.unit_of_work import unit_of_work_factory
from hexa.bootstrap.areas import Core, wire_areas
from hexa.bootstrap.auth import access_tokens, auth_policy, derived_key
from hexa.bootstrap.bundle import HealthCheck, Hexa
from hexa.bootstrap.chores import HEARTBEAT_TTL, RELAY_EVERY_SECONDS, run_every
from hexa.bootstrap.families import Database, backend_family, family
from hexa.bootstrap.health import worker_alive
from hexa.bootstrap.mail import mailer as configured_mailer
from hexa.bootstrap.shared import queueing, shared_state
from hexa.config import Settings
from hexa.domain.access import every_scope
from hexa.ports.blobs import BlobStore
from hexa.ports.clock import Clock
from hexa.ports.jobs import ProgressStore
from hexa.ports.security import Mailer, PasswordHasher
from hexa.services.api_keys import ApiKeyService
from hexa.services.audit import AuditService
from hexa.services.auth import AuthService
from hexa.services.dispatch import JobDispatcher
from hexa.services.housekeeping import Housekeeping
from hexa.services.job_board import JobBoard
from hexa.services.jobs import JobRunner
from hexa.services.metrics import MetricsReader
from hexa.services.principals import PrincipalCache
from hexa.services.stat_tally import StatTally
from hexa.services.users import UserAdminService

__all__ = [
    "HEARTBEAT_TTL",
    "RELAY_EVERY_SECONDS",
    "HealthCheck",
    "Hexa",
    "access_tokens",
    "build",
    "check",
    "migrate",
    "open_backend",
    "run_every",
    "worker_alive",
    "worker_heartbeat",
]


class _HeartbeatReader(Protocol):
    async def worker_heartbeat(self, settings: Settings) -> bool: ...


class _Bucket(BlobStore, Protocol):
    async def ping(self) -> None: ...


class _BucketWiring(Protocol):
    async def blob_store(self, settings: Settings, stack: AsyncExitStack) -> _Bucket: ...


async def open_backend(name: str, settings: Settings) -> Database:
    """The repository backend `name` (memory, sql, mongo, redis) opened from the settings,
    as `build` opens it."""
    wiring = backend_family(name, settings.setting_choosing(name))
    return await wiring.open_backend(settings)


@asynccontextmanager
async def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    progress: ProgressStore | None = None,
    hasher: PasswordHasher | None = None,
    mailer: Mailer | None = None,
    blobs: BlobStore | None = None,
    start_jobs: bool = True,
) -> AsyncIterator[Hexa]:
    """Opens every adapter the settings ask for; closes them all on exit. Keyword
    arguments replace an adapter (tests: a frozen clock, a fast hasher, a mailer to read).
    `start_jobs=False` builds the graph without running in-process jobs (the worker)."""
    clock = clock or SystemClock()
    hasher = hasher or Argon2PasswordHasher()
    mailer = mailer or configured_mailer(settings)
    placement = settings.placement()
    async with AsyncExitStack() as stack:
        backends: dict[str, Database] = {}
        for name in dict.fromkeys(placement.values()):
            backends[name] = await open_backend(name, settings)
            stack.push_async_callback(backends[name].close)
        uow = unit_of_work_factory(backends, placement)
        stats = StatTally(uow)
        # Closed after the queue (the stack unwinds backwards): the counts of jobs that
        # finish while an in-process queue drains are written too.
        stack.push_async_callback(stats.close)
        shared = shared_state(settings, clock, stack)
        progress = progress or shared.progress
        blob_checks: tuple[HealthCheck, ...] = ()
        if blobs is None:
            blobs, blob_checks = await _blob_store(settings, backends, stack, clock)
        jobs = queueing(settings, stack)
        dispatcher = JobDispatcher(
            uow,
            clock,
            jobs.queue,
            progress,
            redispatch_after=timedelta(seconds=settings.job_redispatch_seconds),
        )
        core = Core(settings, uow, clock, dispatcher, blobs, progress, shared.counters, stats)
        areas = wire_areas(core)
        runner = JobRunner(
            uow,
            clock,
            progress,
            shared.tally,
            {k: h for a in areas for k, h in a.jobs.items()},
            stats=stats,
        )
        housekeeping = Housekeeping(
            uow,
            clock,
            blobs,
            progress,
            job_retention=timedelta(days=settings.job_retention_days),
            blobs_of=lambda job: [name for area in areas for name in area.blobs_of(job)],
            chores=[chore for area in areas for chore in area.chores],
        )
        if start_jobs:
            jobs.start(runner, dispatcher, housekeeping)
        heartbeat = shared.heartbeat or InProcessHeartbeat(clock)
        tokens = access_tokens(settings, clock)
        api_keys = ApiKeyService(
            uow,
            clock,
            pepper=settings.api_key_pepper.get_secret_value().encode(),
            changes=shared.changes,
        )
        principals = PrincipalCache(shared.sign_ins)
        every_scope()  # each area's scopes, read now rather than by the first request
        yield Hexa(
            settings=settings,
            runner=runner,
            jobs=dispatcher,
            job_board=JobBoard(
                uow,
                clock,
                dispatcher,
                progress,
                queue=jobs.queue,
                heartbeat=heartbeat,
                stats=stats,
            ),
            queue=jobs.queue,
            progress=progress,
            heartbeat=heartbeat,
            housekeeping=housekeeping,
            clock=clock,
            auth=AuthService(
                uow,
                clock,
                hasher=hasher,
                tokens=tokens,
                mailer=mailer,
                limiter=shared.limiter,
                token_key=derived_key(settings, "one-time-tokens"),
                policy=auth_policy(settings),
                principals=principals,
            ),
            api_keys=api_keys,
            users=UserAdminService(uow, clock, hasher, principals),
            audit=AuditService(uow),
            tokens=tokens,
            mailer=mailer,
            metrics=MetricsReader(jobs.queue, shared.tally, api_keys, runner.kinds),
            areas={type(service): service for area in areas for service in area.services},
            pool_usage=_pool_usage(backends),
            blobs=blobs,
            blob_links=blobs.links if isinstance(blobs, AppLinkedBlobs) else None,
            report_of=lambda job: next((b for a in areas if (b := a.report_of(job))), None),
            health_checks=(
                *(
                    HealthCheck("database" if name == "sql" else name, backend.ping)
                    for name, backend in backends.items()
                ),
                *shared.checks,
                *blob_checks,
                HealthCheck("worker", worker_alive(heartbeat, clock), critical=False),
            ),
        )


def _pool_usage(backends: Mapping[str, Database]) -> Callable[[], Mapping[str, int] | None]:
    if "sql" not in backends:
        return lambda: None
    from hexa.bootstrap.sql import pool_usage

    return pool_usage(backends["sql"])


async def _blob_store(
    settings: Settings, backends: dict[str, Database], stack: AsyncExitStack, clock: Clock
) -> tuple[BlobStore, tuple[HealthCheck, ...]]:
    """A local directory (a volume every replica and worker mounts), the SQL database at
    DATABASE_URL, or an S3 bucket; with the health check of the bucket. The first two
    cannot sign links: the app signs routes of its own for them."""
    if settings.blob_backend == "s3":
        store = await cast(_BucketWiring, family("s3", "BLOB_BACKEND")).blob_store(settings, stack)
        return store, (HealthCheck("s3", store.ping),)
    links = BlobLinks(derived_key(settings, "blob-links"), clock)
    if settings.blob_backend == "local":
        return AppLinkedBlobs(LocalBlobStore(Path(settings.blob_dir)), links), ()
    database = backends.get("sql")
    if database is None:
        database = await open_backend("sql", settings)  # checks the schema is migrated
        stack.push_async_callback(database.close)
    from hexa.bootstrap.sql import blob_store

    return AppLinkedBlobs(blob_store(database), links), ()


async def check(settings: Settings) -> None:
    """Builds the graph once and closes it: proves the settings, the stores and the schema
    before a server starts. Raises `ConfigError` or `Unavailable` with a readable line."""
    async with build(settings):
        pass


def migrate(settings: Settings, revision: str = "heads") -> bool:
    """Brings the SQL schema to `revision`, if any port lives in SQL; says whether it did."""
    if "sql" not in settings.placement().values():
        return False
    from hexa.bootstrap.sql import migrate as migrate_sql

    migrate_sql(settings, revision)
    return True


async def worker_heartbeat(settings: Settings) -> bool:
    """Whether any worker beat within HEARTBEAT_TTL (for `hexa worker-alive`)."""
    return await cast(_HeartbeatReader, family("redis", "REDIS_URL")).worker_heartbeat(settings)
