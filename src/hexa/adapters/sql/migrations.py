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
    # The core's revisions in versions/, each area's in a folder below it, a branch of
    # its own: a project without an area has no folder, and no revision to skip.
    config.set_main_option("recursive_version_locations", "true")
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


def upgrade(url: str, revision: str = "heads") -> None:
    _off_the_event_loop(lambda: command.upgrade(alembic_config(url), revision))


def downgrade(url: str, revision: str) -> None:
    _off_the_event_loop(lambda: command.downgrade(alembic_config(url), revision))


def steps(url: str) -> list[tuple[str, str]]:
    """Every revision, parents before children, with the target that undoes it alone:
    its parent, or its branch's base."""
    script = ScriptDirectory.from_config(alembic_config(url))
    found = []
    for rev in reversed(list(script.walk_revisions())):
        parent = rev.down_revision
        if parent is None:
            [label] = sorted(rev.branch_labels)  # every line of revisions is labelled
            parent = f"{label}@base"
        assert isinstance(parent, str), f"{rev.revision}: a merge has no single parent"
        found.append((rev.revision, parent))
    return found


def head_revisions() -> frozenset[str]:
    """The last revision of each line: what a current database is at."""
    script = ScriptDirectory.from_config(alembic_config(""))
    return frozenset(script.get_heads())


async def schema_revisions(engine: AsyncEngine) -> frozenset[str]:
    """The revisions the database is at (none when never migrated)."""
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: frozenset(MigrationContext.configure(sync).get_current_heads())
        )
