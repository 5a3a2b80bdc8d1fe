"""What the composition root hands the drivers: the services, and the health checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from hexa.config import Settings
from hexa.ports.clock import Clock
from hexa.ports.jobs import Heartbeat, JobQueue, ProgressStore
from hexa.ports.security import AccessTokens
from hexa.services.api_keys import ApiKeyService
from hexa.services.audit import AuditService
from hexa.services.auth import AuthService
from hexa.services.dispatch import JobDispatcher
from hexa.services.housekeeping import Housekeeping
from hexa.services.inspections import InspectionService
from hexa.services.metrics import MetricsReader
from hexa.services.packets import PacketService
from hexa.services.rules import RuleService
from hexa.services.users import UserAdminService
from hexa.services.validation import ValidationService


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
