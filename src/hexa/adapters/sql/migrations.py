"""Applying the Alembic migrations in db/migrations, from code (`hexa migrate`, tests)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine


def migrations_dir() -> Path:
    """db/migrations of this checkout; HEXA_MIGRATIONS_DIR points elsewhere (images)."""
    override = os.environ.get("HEXA_MIGRATIONS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[4] / "db" / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["url"] = url
    return config


def _off_the_event_loop(run: Callable[[], None]) -> None:
    """Alembic's env.py starts its own event loop, which cannot nest in a running one:
    called from async code, the migration runs (blocking) in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        run()
        return
    with ThreadPoolExecutor(max_workers=1) as executor:
        executor.submit(run).result()


def upgrade(url: str, revision: str = "head") -> None:
    _off_the_event_loop(lambda: command.upgrade(alembic_config(url), revision))


def downgrade(url: str, revision: str) -> None:
    _off_the_event_loop(lambda: command.downgrade(alembic_config(url), revision))


def revisions(url: str) -> list[str]:
    """Every revision id, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(url))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def head_revision() -> str | None:
    return ScriptDirectory(str(migrations_dir())).get_current_head()


async def schema_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None when never migrated)."""
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
