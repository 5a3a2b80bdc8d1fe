"""Settings, read once from the environment (and `.env`) and validated before anything
starts. A wrong value stops start-up with one line naming the setting."""

from __future__ import annotations

import importlib.util
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hexa.setting_values import (
    Bucket,
    DatabaseUrl,
    HttpEndpoint,
    LogFormat,
    LogLevel,
    MongoUri,
    RedisUrl,
    Region,
    S3Prefix,
    TrustedProxies,
)

RepositoryBackend = Literal["memory", "sql", "mongo"]
DEV_JWT_SECRET = "dev-only-insecure-jwt-secret-change-me"  # noqa: S105 - refused outside dev
DEV_API_KEY_PEPPER = "dev-only-insecure-api-key-pepper-change-me"  # noqa: S105 - likewise
MIN_JWT_SECRET_BYTES = 32

# Their values may carry passwords: errors name them without echoing the value.
_SECRET_BEARING = {
    "DATABASE_URL",
    "MONGO_URI",
    "REDIS_URL",
    "JWT_SECRET",
    "JWT_PREVIOUS_SECRETS",
    "API_KEY_PEPPER",
    "SMTP_PASSWORD",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
}
MAX_PRESIGN_TTL = 3600


class ConfigError(Exception):
    """A setting is wrong; the message is the one line to show."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    database_url: DatabaseUrl = "sqlite+aiosqlite:///./var/hexa.db"
    # The SQL pool of each process: connections kept, extra ones allowed under load, and
    # how long a request waits for one before it answers 503. Kept connections cover a
    # process's usual concurrency: an overflow connection is opened for one request and
    # closed after it, a connection set-up per request under sustained load.
    db_pool_size: int = Field(10, ge=1, le=1000)
    db_max_overflow: int = Field(0, ge=0, le=1000)
    db_pool_timeout: float = Field(10.0, gt=0, le=300)
    # PostgreSQL: how long a connection attempt, and any one statement, may wait for the
    # server. A hung server or a network that drops packets sends no error of its own;
    # past these the database counts as down (503) instead of holding requests forever.
    db_connect_timeout: float = Field(5.0, gt=0, le=300)
    db_command_timeout: float = Field(10.0, gt=0, le=3600)
    mongo_uri: MongoUri = None
    redis_url: RedisUrl = None
    redis_host: str | None = None
    redis_port: int = Field(6379, ge=1, le=65535)
    persistence: RepositoryBackend = "sql"
    api_keys_backend: Literal["memory", "sql", "mongo", "redis"] | None = None
    users_backend: RepositoryBackend | None = None
    inspections_backend: RepositoryBackend | None = None
    rules_backend: RepositoryBackend | None = None
    use_db_keys: bool | None = None
    queue_backend: Literal["inprocess", "arq"] | None = None
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_previous_secrets: str = ""
    api_key_pepper: SecretStr = SecretStr(DEV_API_KEY_PEPPER)
    access_token_minutes: int = Field(15, ge=1, le=1440)
    refresh_token_days: int = Field(14, ge=1, le=365)
    login_attempts_per_account: int = Field(5, ge=1)
    login_attempts_per_address: int = Field(30, ge=1)
    mailer: Literal["console", "smtp"] = "console"
    smtp_host: str | None = None
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "hexa@localhost"
    smtp_starttls: bool = True
    public_url: str = "http://127.0.0.1:8000"
    env: Literal["dev", "test", "prod"] = "dev"
    allow_public_docs: bool = False
    max_upload_bytes: int = Field(20 * 1024 * 1024, gt=0)
    blob_backend: Literal["local", "sql", "s3"] = "local"
    blob_dir: str = "./var/blobs"
    s3_bucket: Bucket = None
    s3_prefix: S3Prefix = ""
    s3_region: Region = None
    aws_region: Region = None
    s3_endpoint: HttpEndpoint = None
    s3_public_endpoint: HttpEndpoint = None
    # Unset: the platform's credentials (an instance role, IRSA, EKS Pod Identity).
    aws_access_key_id: str | None = None
    aws_secret_access_key: SecretStr | None = None
    aws_session_token: SecretStr | None = None
    s3_presign_ttl: int = Field(300, ge=1, le=MAX_PRESIGN_TTL)
    attachment_max_bytes: int = Field(25 * 1024 * 1024, gt=0)
    attachments_per_inspection: int = Field(20, ge=1, le=1000)
    # The admin UI's files; unset: `static/admin-ui` of the source tree (`make run`).
    admin_ui_dir: str | None = None
    job_timeout_seconds: int = Field(600, ge=1)
    job_max_tries: int = Field(5, ge=1, le=100)
    packet_progress_every: int = Field(1000, ge=1)
    # A dispatched job with no end after this long is handed to the queue again, in case
    # the queue lost it; harmless when it did not (enqueueing is idempotent).
    job_redispatch_seconds: int = Field(300, ge=1)
    # A running job's lock lasts this long unless its worker renews it: how soon the job
    # of a worker that died runs elsewhere.
    worker_lease_seconds: float = Field(30.0, ge=1, le=3600)
    # How long a job's record, packet and report are kept after it ended.
    job_retention_days: int = Field(30, ge=1)
    worker_shutdown_grace_seconds: int = Field(20, ge=0)
    # Jobs one worker process runs at once. They mostly wait on the database and Redis,
    # so a process keeps several in flight; a packet's judging holds the loop between
    # its chunks, so no more than the database pool serves without waiting.
    worker_max_jobs: int = Field(8, ge=1, le=1000)
    # How long `hexa serve` keeps an idle connection open: longer than a load balancer's
    # idle timeout (60 s on AWS ALB and nginx), or it closes a connection the balancer is
    # about to reuse and a client gets a 502.
    http_keepalive_seconds: int = Field(75, ge=1, le=3600)
    # The proxies whose X-Forwarded-For and X-Forwarded-Proto `hexa serve` believes: the
    # client address of the access event and of the sign-in limit per address is theirs
    # to say. Any other peer is the client itself.
    forwarded_allow_ips: TrustedProxies = "127.0.0.1"
    metrics_public: bool = True
    worker_metrics_port: int | None = Field(None, ge=1, le=65535)
    ws_heartbeat_seconds: float = Field(15.0, gt=0, le=300)
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # Unset: readable lines in dev, JSON lines elsewhere (see `resolved_log_format`).
    log_format: LogFormat = None
    log_level: LogLevel = "INFO"

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        for backend, needed, given in (
            ("mongo", "MONGO_URI", self.mongo_uri),
            ("redis", "REDIS_URL (or REDIS_HOST)", self.resolved_redis_url),
        ):
            if backend in self.placement().values() and not given:
                raise ValueError(
                    f"{self.setting_choosing(backend)} is {backend} but {needed} is not set"
                )
        if self.resolved_queue_backend == "arq":
            self._check_arq()
        for name, secret, default in (
            ("JWT_SECRET", self.jwt_secret, DEV_JWT_SECRET),
            ("API_KEY_PEPPER", self.api_key_pepper, DEV_API_KEY_PEPPER),
        ):
            value = secret.get_secret_value()
            weak = value == default or len(value.encode()) < MIN_JWT_SECRET_BYTES
            if self.env != "dev" and weak:
                raise ValueError(
                    f"{name} must be a secret of at least {MIN_JWT_SECRET_BYTES} bytes "
                    f"outside ENV=dev (ENV is {self.env})"
                )
        if self.blob_backend == "s3" and not _kept("adapters.s3"):
            raise ValueError("BLOB_BACKEND is s3 but this project was made without the S3 store")
        if self.blob_backend == "s3" and not self.s3_bucket:
            raise ValueError("BLOB_BACKEND is s3 but S3_BUCKET is not set")
        if self.s3_public_endpoint and not self.s3_endpoint:
            raise ValueError(
                "S3_PUBLIC_ENDPOINT is set but S3_ENDPOINT is not: on AWS, links are signed "
                "for AWS's own host; set both for an S3-compatible store"
            )
        if bool(self.aws_access_key_id) != bool(self.aws_secret_access_key):
            raise ValueError(
                "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither "
                "(the platform's credentials)"
            )
        if self.mailer == "smtp" and not self.smtp_host:
            raise ValueError("MAILER is smtp but SMTP_HOST is not set")
        return self

    def _check_arq(self) -> None:
        if not self.resolved_redis_url:
            raise ValueError("QUEUE_BACKEND is arq but neither REDIS_URL nor REDIS_HOST is set")
        placed = self.placement()
        # The worker is another process: what the app keeps in its own memory, it cannot see.
        for port in ("inspections", "rules", "outbox", "audit"):
            if placed[port] == "memory":
                choosing = f"{port.upper()}_BACKEND" if port in ("inspections", "rules") else ""
                if not choosing or getattr(self, f"{port}_backend") != "memory":
                    choosing = "PERSISTENCE"
                raise ValueError(
                    f"QUEUE_BACKEND is arq but {choosing} is memory: the worker could not see "
                    "the app's memory; use sql or mongo, or QUEUE_BACKEND=inprocess"
                )

    def placement(self) -> dict[str, str]:
        """The backend of each repository port, overrides and USE_DB_KEYS applied."""
        keys_default = {True: "sql", False: "memory", None: self.persistence}[self.use_db_keys]
        users = self.users_backend or self.persistence
        return {
            "inspections": self.inspections_backend or self.persistence,
            "rules": self.rules_backend or self.persistence,
            # Deleted with their inspection, in the same unit of work.
            "attachments": self.inspections_backend or self.persistence,
            "users": users,
            "sessions": users,  # sessions live beside the users they belong to
            "api_keys": self.api_keys_backend or keys_default,
            "audit": self.persistence,
            # A job is accepted in the same transaction as the inspection change behind it.
            "outbox": self.inspections_backend or self.persistence,
            # Every other port: an area's own (`make aggregate`) lives with the rest.
            "*": self.persistence,
        }

    def setting_choosing(self, backend: str) -> str:
        """The setting that placed some port on `backend`, for error messages."""
        for name in ("inspections", "rules", "users", "api_keys"):
            if getattr(self, f"{name}_backend") == backend:
                return f"{name.upper()}_BACKEND"
        return "PERSISTENCE"

    @property
    def resolved_redis_url(self) -> str | None:
        if self.redis_url:
            return self.redis_url
        if self.redis_host:
            return f"redis://{self.redis_host}:{self.redis_port}/0"
        return None

    @property
    def resolved_s3_region(self) -> str:
        return self.s3_region or self.aws_region or "us-east-1"

    @property
    def previous_jwt_secrets(self) -> tuple[str, ...]:
        return tuple(s.strip() for s in self.jwt_previous_secrets.split(",") if s.strip())

    @property
    def resolved_log_format(self) -> str:
        if self.log_format:
            return self.log_format
        return "console" if self.env == "dev" else "json"

    @property
    def resolved_queue_backend(self) -> str:
        if self.queue_backend:
            return self.queue_backend
        return "arq" if self.resolved_redis_url and _kept("drivers.worker") else "inprocess"


def _kept(module: str) -> bool:
    """Whether this project kept an optional part (the arq worker, the S3 store): one
    made from the template without the worker runs its jobs in-process even with Redis."""
    return importlib.util.find_spec(f"{__package__}.{module}") is not None


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; raises `ConfigError` with one readable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ConfigError(_one_line(error)) from None


def _one_line(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        name = ".".join(str(part) for part in problem["loc"]).upper()
        message = problem["msg"].removeprefix("Value error, ")
        given = problem.get("input")
        if name in _SECRET_BEARING:
            parts.append(f"{name}: {message}")
        elif name and not isinstance(given, dict):
            parts.append(f"{name}={given!r}: {message}")
        else:
            parts.append(message)
    return "; ".join(parts)
