"""The migration stairway, and the models matching the migrated schema, on SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import json
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


def test_text_stored_before_it_was_refused_is_repaired_so_it_reads_again(
    empty_database: str,
) -> None:
    """A lone surrogate kept (escaped) in a reading, NUL in SQLite text: 0006 replaces
    each with U+FFFD, and leaves good text — an emoji's surrogate pair included — as is."""
    url = empty_database
    migrations.upgrade(url, "0005")
    migrations.upgrade(url, "example@head")  # the inspections table, before 0006
    sqlite = url.startswith("sqlite")
    readings = '[{"key": "k", "value": "x\\ud800y"}, {"key": "e", "value": "\\ud83d\\ude00"}]'
    row = (
        "INSERT INTO inspections (id, subject, inspector, status, readings, notes, version, "
        "created_at, updated_at) VALUES ('i1', :subject, NULL, 'draft', "
        + ("CAST(:readings AS json)" if not sqlite else ":readings")
        + ", :notes, 1, '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00')"
    )
    notes = "a\x00b" if sqlite else "ab"
    _execute(url, (row, {"subject": "pump", "readings": readings, "notes": notes}))

    migrations.upgrade(url)

    [(stored, kept_notes)] = _execute(
        url, ("SELECT CAST(readings AS TEXT), notes FROM inspections", {})
    )
    values = [r["value"] for r in json.loads(stored)]
    assert values == ["x\ufffdy", "\U0001f600"]
    assert kept_notes == ("a\ufffdb" if sqlite else "ab")
