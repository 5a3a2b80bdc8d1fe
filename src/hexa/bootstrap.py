"""The composition root: builds every adapter and service from the settings.

`build(settings)` is the one place that knows which technology serves which port. It
opens pools on entry and closes them on exit; nothing here runs at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from hexa.adapters.clock import SystemClock
from hexa.adapters.local_blobs import LocalBlobStore
from hexa.adapters.mail import ConsoleMailer, SmtpMailer
from hexa.adapters.memory.database import MemoryDatabase
from hexa.adapters.memory.jobs import (
    InProcessHeartbeat,
    InProcessJobQueue,
    MemoryJobTally,
    MemoryProgressStore,
)
from hexa.adapters.memory.rate_limit import MemoryChangeCounter, MemoryRateLimiter
from hexa.adapters.security.passwords import Argon2PasswordHasher
from hexa.adapters.security.tokens import JwtAccessTokens
from hexa.adapters.unit_of_work import Backend, unit_of_work_factory
from hexa.config import ConfigError, Settings
from hexa.domain.errors import Unavailable
from hexa.domain.jobs import Job
from hexa.ports.clock import Clock
from hexa.ports.jobs import BlobStore, Heartbeat, JobQueue, JobTally, ProgressStore
from hexa.ports.security import AccessTokens, ChangeCounter, Mailer, PasswordHasher, RateLimiter
from hexa.services.api_keys import ApiKeyService
from hexa.services.audit import AuditService
from hexa.services.auth import AuthPolicy, AuthService
from hexa.services.dispatch import JobDispatcher
from hexa.services.housekeeping import Housekeeping
from hexa.services.inspections import InspectionService
from hexa.services.metrics import MetricsReader
from hexa.services.packets import PacketJudge, PacketService
from hexa.services.principals import PrincipalCache
from hexa.services.rules import RuleService
from hexa.services.users import UserAdminService
from hexa.services.validation import ValidationService

log = logging.getLogger(__name__)
HEARTBEAT_EVERY = timedelta(seconds=10)
HEARTBEAT_TTL = timedelta(seconds=30)
RELAY_EVERY_SECONDS = 5.0
# Housekeeping when jobs run in-process; a worker runs it from an arq cron instead. The
# first round waits a little, so that a restart does not purge before serving.
PURGE_EVERY_SECONDS = 3600.0
FIRST_PURGE_AFTER_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class HealthCheck:
    name: str
    probe: Callable[[], Awaitable[None]]
    critical: bool = True


@dataclass(frozen=True, slots=True)
class Hexa:
    """Everything the drivers may reach: services, and the checks `/healthz` runs."""

    settings: Settings
    rules: RuleService
    inspections: InspectionService
    validation: ValidationService
    jobs: JobDispatcher
    packets: PacketService
    queue: JobQueue
    progress: ProgressStore
    heartbeat: Heartbeat
    housekeeping: Housekeeping
    clock: Clock
    auth: AuthService
    api_keys: ApiKeyService
    users: UserAdminService
    audit: AuditService
    tokens: AccessTokens
    metrics: MetricsReader
    health_checks: tuple[HealthCheck, ...] = field(default=())
    # The SQL pool's connections in use and idle, and its limit; None without SQL.
    pool_usage: Callable[[], Mapping[str, int] | None] = field(default=lambda: None)


class _Database(Backend, Protocol):
    async def ping(self) -> None: ...

    async def close(self) -> None: ...


async def _open_memory(settings: Settings) -> _Database:
    return MemoryDatabase()


async def _open_sql(settings: Settings) -> _Database:
    from hexa.adapters.sql.database import PoolLimits, SqlDatabase

    limits = PoolLimits(
        size=settings.db_pool_size,
        overflow=settings.db_max_overflow,
        checkout_timeout=settings.db_pool_timeout,
        connect_timeout=settings.db_connect_timeout,
        command_timeout=settings.db_command_timeout,
    )
    database = SqlDatabase.from_url(settings.database_url, limits)
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


async def _open_redis(settings: Settings) -> _Database:
    from hexa.adapters.redis.api_keys import RedisDatabase

    assert settings.resolved_redis_url is not None  # Settings refuse redis without a URL
    return RedisDatabase.from_url(settings.resolved_redis_url)


BACKEND_FACTORIES: dict[str, Callable[[Settings], Awaitable[_Database]]] = {
    "memory": _open_memory,
    "sql": _open_sql,
    "mongo": _open_mongo,
    "redis": _open_redis,  # API keys only
}


async def _blob_store(
    settings: Settings, backends: dict[str, _Database], stack: AsyncExitStack
) -> BlobStore:
    """A local directory (a volume every replica and worker mounts), or the SQL database
    at DATABASE_URL, whichever backend the repositories use."""
    if settings.blob_backend == "local":
        return LocalBlobStore(Path(settings.blob_dir))
    from hexa.adapters.sql.blobs import SqlBlobStore
    from hexa.adapters.sql.database import SqlDatabase

    shared = backends.get("sql")
    if isinstance(shared, SqlDatabase):
        return SqlBlobStore(shared.engine)
    opened = await _open_sql(settings)  # checks the schema is migrated
    stack.push_async_callback(opened.close)
    assert isinstance(opened, SqlDatabase)
    return SqlBlobStore(opened.engine)


Chores = Callable[[ValidationService, JobDispatcher, Housekeeping], None]


def _in_process_queue(settings: Settings, stack: AsyncExitStack) -> tuple[JobQueue, Chores]:
    """Jobs run as tasks of this process, beside the relay that picks up what the queue
    missed and the hourly housekeeping."""
    queue = InProcessJobQueue()
    stack.push_async_callback(queue.close)

    def start(
        validation: ValidationService, dispatcher: JobDispatcher, housekeeping: Housekeeping
    ) -> None:
        queue.start(validation.run)
        run_every(stack, "outbox-relay", RELAY_EVERY_SECONDS, dispatcher.relay,
                  first_after=RELAY_EVERY_SECONDS)  # fmt: skip
        # Replicas started together purge at different moments, not in a race.
        first_purge = FIRST_PURGE_AFTER_SECONDS * (1 + random.random())
        run_every(stack, "housekeeping", PURGE_EVERY_SECONDS, housekeeping.purge,
                  first_after=first_purge)  # fmt: skip

    return queue, start


def _arq_queue(settings: Settings, stack: AsyncExitStack) -> tuple[JobQueue, Chores]:
    """Jobs go to Redis for `hexa worker` processes, which also run the chores."""
    from hexa.adapters.redis.arq_queue import ArqJobQueue

    assert settings.resolved_redis_url is not None  # Settings refuse arq without Redis
    queue = ArqJobQueue.from_url(settings.resolved_redis_url)
    stack.push_async_callback(queue.close)
    return queue, lambda validation, dispatcher, housekeeping: None


QUEUE_FACTORIES = {"inprocess": _in_process_queue, "arq": _arq_queue}


def run_every(
    stack: AsyncExitStack,
    name: str,
    seconds: float,
    chore: Callable[[], Awaitable[object]],
    *,
    first_after: float = 0.0,
) -> None:
    """Runs `chore` every `seconds` as a task of this process until `stack` closes. A
    round that fails (Redis or the database away) is logged; the next one tries again."""

    async def forever() -> None:
        await asyncio.sleep(first_after)
        while True:
            try:
                await chore()
            except Exception:
                log.warning("%s round failed", name, exc_info=True)
            await asyncio.sleep(seconds)

    task = asyncio.create_task(forever(), name=f"hexa-{name}")
    stack.push_async_callback(_cancelled, task)


async def _cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


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
    mailer = mailer or _mailer(settings)
    placement = settings.placement()
    async with AsyncExitStack() as stack:
        backends: dict[str, _Database] = {}
        for name in dict.fromkeys(placement.values()):
            backends[name] = await BACKEND_FACTORIES[name](settings)
            stack.push_async_callback(backends[name].close)
        uow = unit_of_work_factory(backends, placement)
        shared = await _shared_state(settings, clock, stack)
        progress = progress or shared.progress
        blobs = blobs or await _blob_store(settings, backends, stack)
        queue, start_queue = QUEUE_FACTORIES[settings.resolved_queue_backend](settings, stack)
        dispatcher = JobDispatcher(
            uow,
            clock,
            queue,
            progress,
            redispatch_after=timedelta(seconds=settings.job_redispatch_seconds),
        )
        judge = PacketJudge(uow, blobs, progress, progress_every=settings.packet_progress_every)
        validation = ValidationService(uow, clock, progress, judge, shared.tally)
        housekeeping = Housekeeping(
            uow,
            clock,
            blobs,
            progress,
            job_retention=timedelta(days=settings.job_retention_days),
        )
        if start_jobs:
            start_queue(validation, dispatcher, housekeeping)
        heartbeat = shared.heartbeat or InProcessHeartbeat(clock)
        tokens = access_tokens(settings, clock)
        api_keys = ApiKeyService(
            uow,
            clock,
            pepper=settings.api_key_pepper.get_secret_value().encode(),
            changes=shared.changes,
        )
        principals = PrincipalCache(shared.sign_ins)
        yield Hexa(
            settings=settings,
            rules=RuleService(uow, clock),
            inspections=InspectionService(uow, clock, dispatcher),
            validation=validation,
            jobs=dispatcher,
            packets=PacketService(uow, clock, blobs, dispatcher),
            queue=queue,
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
                token_key=_derived_key(settings, "one-time-tokens"),
                policy=_auth_policy(settings),
                principals=principals,
            ),
            api_keys=api_keys,
            users=UserAdminService(uow, clock, hasher, principals),
            audit=AuditService(uow),
            tokens=tokens,
            metrics=MetricsReader(queue, shared.tally, api_keys),
            pool_usage=_pool_usage(backends),
            health_checks=(
                *(
                    HealthCheck("database" if name == "sql" else name, backend.ping)
                    for name, backend in backends.items()
                ),
                *shared.checks,
                HealthCheck("worker", worker_alive(heartbeat, clock), critical=False),
            ),
        )


def _pool_usage(backends: Mapping[str, _Database]) -> Callable[[], Mapping[str, int] | None]:
    from hexa.adapters.sql.database import SqlDatabase

    database = backends.get("sql")
    if isinstance(database, SqlDatabase):
        return database.pool_usage
    return lambda: None


def access_tokens(settings: Settings, clock: Clock | None = None) -> AccessTokens:
    """The token issuer alone (for `hexa token`, which needs nothing else)."""
    return JwtAccessTokens(
        settings.jwt_secret.get_secret_value(),
        previous_secrets=settings.previous_jwt_secrets,
        lifetime=timedelta(minutes=settings.access_token_minutes),
        clock=clock or SystemClock(),
    )


def _mailer(settings: Settings) -> Mailer:
    if settings.mailer == "smtp":
        assert settings.smtp_host is not None  # Settings refuse smtp without a host
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return SmtpMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=password,
            starttls=settings.smtp_starttls,
        )
    return ConsoleMailer(show_bodies=settings.env == "dev")


@dataclass(frozen=True, slots=True)
class _SharedState:
    limiter: RateLimiter
    changes: ChangeCounter  # API keys
    sign_ins: ChangeCounter  # people's accounts and sessions
    progress: ProgressStore
    tally: JobTally
    heartbeat: Heartbeat | None
    checks: tuple[HealthCheck, ...]


async def _shared_state(settings: Settings, clock: Clock, stack: AsyncExitStack) -> _SharedState:
    """Rate limits, the API-key change counter, job progress and tally, and the worker
    heartbeat: in Redis when there is one, so every replica shares them; in this process
    otherwise."""
    if settings.resolved_redis_url is None:
        return _SharedState(
            MemoryRateLimiter(clock),
            MemoryChangeCounter(),
            MemoryChangeCounter(),
            MemoryProgressStore(),
            MemoryJobTally(),
            None,
            (),
        )
    from hexa.adapters.redis.client import connect
    from hexa.adapters.redis.counters import RedisChangeCounter, RedisRateLimiter
    from hexa.adapters.redis.heartbeat import RedisHeartbeat
    from hexa.adapters.redis.job_tally import RedisJobTally
    from hexa.adapters.redis.progress import RedisProgressStore

    client = connect(settings.resolved_redis_url)
    stack.push_async_callback(client.aclose)
    progress = RedisProgressStore(client)
    stack.push_async_callback(progress.close)  # before the client it listens through

    async def ping() -> None:
        await client.ping()

    return _SharedState(
        RedisRateLimiter(client),
        RedisChangeCounter(client),
        RedisChangeCounter(client, key="hexa:sign-ins:changes"),
        progress,
        RedisJobTally(client),
        RedisHeartbeat(client),
        (HealthCheck("redis", ping),),
    )


def worker_alive(heartbeat: Heartbeat, clock: Clock) -> Callable[[], Awaitable[None]]:
    async def probe() -> None:
        if await heartbeat.last() is None:
            raise Unavailable(f"no worker heartbeat in the last {HEARTBEAT_TTL.seconds} s")

    return probe


async def worker_heartbeat(settings: Settings) -> bool:
    """Whether any worker beat within HEARTBEAT_TTL (for `hexa worker-alive`); raises
    `Unavailable` when Redis cannot be reached, `ConfigError` when none is set."""
    from hexa.adapters.redis.client import connect
    from hexa.adapters.redis.heartbeat import RedisHeartbeat

    if settings.resolved_redis_url is None:
        raise ConfigError("the worker's heartbeat is in Redis: set REDIS_URL (or REDIS_HOST)")
    client = connect(settings.resolved_redis_url)
    try:
        return await RedisHeartbeat(client).last() is not None
    finally:
        await client.aclose()


def _derived_key(settings: Settings, purpose: str) -> bytes:
    secret = settings.jwt_secret.get_secret_value().encode()
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()


def _auth_policy(settings: Settings) -> AuthPolicy:
    return AuthPolicy(
        refresh_lifetime=timedelta(days=settings.refresh_token_days),
        access_lifetime=timedelta(minutes=settings.access_token_minutes),
        attempts_per_account=settings.login_attempts_per_account,
        attempts_per_address=settings.login_attempts_per_address,
        reveal_mail_tokens=settings.env in ("dev", "test"),
        public_url=settings.public_url,
    )


@dataclass(frozen=True, slots=True)
class QueueWiring:
    """What a worker driver needs to consume the queue the app fills."""

    redis_settings: object  # arq.connections.RedisSettings, opaque outside the adapter
    queue_name: str
    run_job: str
    job_arguments: Callable[[Job], tuple[object, ...]]


def queue_wiring(settings: Settings) -> QueueWiring:
    from hexa.adapters.redis.arq_queue import (
        QUEUE_NAME,
        RUN_JOB,
        arq_redis_settings,
        job_arguments,
    )

    if settings.resolved_redis_url is None:
        raise ConfigError("the worker needs Redis: set REDIS_URL (or REDIS_HOST)")
    return QueueWiring(
        arq_redis_settings(settings.resolved_redis_url), QUEUE_NAME, RUN_JOB, job_arguments
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
    from alembic.util import CommandError

    from hexa.adapters.sql.migrations import downgrade, upgrade

    if revision != "head":
        # A revision behind the database's is a rollback; upgrade alone would do nothing.
        try:
            downgrade(settings.database_url, revision)
            return True
        except CommandError:  # not behind: the revision is ahead, go forward to it
            pass
    try:
        upgrade(settings.database_url, revision)
    except CommandError as error:  # an unknown revision: one line, not a traceback
        raise ConfigError(f"no migration to {revision!r}: {error}") from None
    return True
