"""The migration stairway, and the models matching the migrated schema, on SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hexa.adapters.sql import migrations
from hexa.adapters.sql.database import create_engine
from hexa.adapters.sql.tables import schema
from tests.servers import postgres_url


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'stairway.db'}"
        return
    with postgres_url("HEXA_TEST_POSTGRES_STAIRWAY_URL") as url:
        migrations.downgrade(url, "base")  # a previous run may have left it migrated
        yield url
        migrations.downgrade(url, "base")


def _schema_diff(url: str) -> list[object]:
    async def diff() -> list[object]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync, opts={"compare_type": True}), schema()
                    )
                )
        finally:
            await engine.dispose()

    return asyncio.run(diff())


def _tables(url: str) -> set[str]:
    async def names() -> set[str]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                return set(await connection.run_sync(lambda s: sa.inspect(s).get_table_names()))
        finally:
            await engine.dispose()

    return asyncio.run(names()) - {"alembic_version"}


def test_every_revision_upgrades_downgrades_and_upgrades_again(empty_database: str) -> None:
    url = empty_database
    steps = migrations.steps(url)
    assert steps, "no migrations found"
    for revision, previous in steps:
        migrations.upgrade(url, revision)
        migrations.downgrade(url, previous)
        migrations.upgrade(url, revision)
    assert _tables(url) == set(schema().tables)
    migrations.downgrade(url, "base")
    assert _tables(url) == set()


def test_the_models_match_the_migrated_schema(empty_database: str) -> None:
    migrations.upgrade(empty_database)
    assert _schema_diff(empty_database) == []


def _execute(url: str, *statements: tuple[str, dict[str, object]]) -> list[sa.Row[Any]]:
    async def run() -> list[sa.Row[Any]]:
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                rows: list[sa.Row[Any]] = []
                for sql, params in statements:
                    result = await connection.execute(sa.text(sql), params)
                    rows = list(result.all()) if result.returns_rows else rows
                return rows
        finally:
            await engine.dispose()

    return asyncio.run(run())
