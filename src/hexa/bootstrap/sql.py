"""The SQL family: SQLite (the embedded default) or PostgreSQL through SQLAlchemy async,
its schema kept by Alembic, and SQL as a blob store (`BLOB_BACKEND=sql`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from alembic.util import CommandError

from hexa.adapters.sql.blobs import SqlBlobStore
from hexa.adapters.sql.database import PoolLimits, SqlDatabase
from hexa.adapters.sql.migrations import downgrade, upgrade
from hexa.bootstrap.families import Database
from hexa.config import ConfigError, Settings


async def open_backend(settings: Settings) -> Database:
    """The pool, once the schema is known to be the one this code needs."""
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


def blob_store(database: Database) -> SqlBlobStore:
    assert isinstance(database, SqlDatabase)
    return SqlBlobStore(database.engine)


def pool_usage(database: Database | None) -> Callable[[], Mapping[str, int] | None]:
    """The pool's connections in use and idle, and its limit, for `/metrics`."""
    if isinstance(database, SqlDatabase):
        return database.pool_usage
    return lambda: None


def migrate(settings: Settings, revision: str = "heads") -> None:
    """Brings the schema at DATABASE_URL to `revision`: forward, or back to an older one.
    `head` means every line's head, as `heads` does (the core's and each area's)."""
    revision = "heads" if revision == "head" else revision
    if revision not in ("head", "heads"):
        # A revision behind the database's is a rollback; upgrade alone would do nothing.
        try:
            downgrade(settings.database_url, revision)
            return
        except CommandError:  # not behind: the revision is ahead, go forward to it
            pass
    try:
        upgrade(settings.database_url, revision)
    except CommandError as error:  # an unknown revision: one line, not a traceback
        raise ConfigError(f"no migration to {revision!r}: {error}") from None
