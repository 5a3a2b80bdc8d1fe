"""What the composition root hands the drivers: the services, and the health checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from hexa.config import Settings
from hexa.domain.jobs import JobProgress
from hexa.ports.blobs import BlobGrants, BlobStore
from hexa.ports.clock import Clock
from hexa.ports.jobs import Heartbeat, JobQueue, ProgressStore
from hexa.ports.security import AccessTokens, Mailer
from hexa.services.api_keys import ApiKeyService
from hexa.services.audit import AuditService
from hexa.services.auth import AuthService
from hexa.services.dispatch import JobDispatcher
from hexa.services.housekeeping import Housekeeping
from hexa.services.job_board import JobBoard
from hexa.services.jobs import JobRunner
from hexa.services.metrics import MetricsReader
from hexa.services.users import UserAdminService

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class HealthCheck:
    name: str
    probe: Callable[[], Awaitable[None]]
    critical: bool = True


@dataclass(frozen=True, slots=True)
class Hexa:
    """Everything the drivers may reach: the core's services, each area's (by type,
    through `service`), and the checks `/healthz` runs."""

    settings: Settings
    runner: JobRunner
    jobs: JobDispatcher
    job_board: JobBoard
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
    # What sends the mails of sign-up and password reset (tests read the console one's).
    mailer: Mailer
    metrics: MetricsReader
    # Where packets, reports and attachments live; the app's blob routes stream through
    # it when it cannot sign links of its own.
    blobs: BlobStore | None = None
    # The links the app signs for a store that cannot (None for S3, which signs its own).
    blob_links: BlobGrants | None = None
    # The blob holding a finished job's report, if its kind writes one.
    report_of: Callable[[JobProgress], str | None] = field(default=lambda job: None)
    areas: Mapping[type, object] = field(default_factory=dict)
    health_checks: tuple[HealthCheck, ...] = field(default=())
    # The SQL pool's connections in use and idle, and its limit; None without SQL.
    pool_usage: Callable[[], Mapping[str, int] | None] = field(default=lambda: None)

    def service(self, kind: type[T]) -> T:
        """The area service of this type (`hexa.service(InspectionService)`)."""
        found = self.areas.get(kind)
        if not isinstance(found, kind):
            raise LookupError(f"this project has no {kind.__name__}")
        return found
