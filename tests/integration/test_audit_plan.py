"""The audit log's filters read an index (migration 0011), on SQLite and PostgreSQL: the
statements `SqlAuditLog.page` sends are captured and explained on a migrated database."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa

from hexa.adapters.sql import migrations
from hexa.adapters.sql.database import create_engine
from hexa.adapters.sql.identity import SqlAuditLog
from tests.integration.test_migrations import empty_database  # noqa: F401 (the fixture)

FILTERS = {"action": {"action": "user.role_changed"}, "actor": {"actor": "user:someone"}}


def _plans(url: str, filters: dict[str, str]) -> list[str]:
    async def run() -> list[str]:
        engine = create_engine(url)
        sent: list[tuple[str, Any]] = []

        def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
            if "audit_entries" in statement and not statement.startswith("EXPLAIN"):
                sent.append((statement, params))

        sa.event.listen(engine.sync_engine, "before_cursor_execute", capture)
        try:
            async with engine.connect() as connection:
                if engine.dialect.name == "postgresql":
                    # An empty table is cheapest to scan: ask what an index can do.
                    await connection.exec_driver_sql("SET enable_seqscan = off")

                async def connect() -> Any:
                    return connection

                await SqlAuditLog(connect).page(limit=50, **filters)
                [(statement, params)] = sent
                explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
                result = await connection.exec_driver_sql(explain + statement, params)
                return [" ".join(str(part) for part in row) for row in result]
        finally:
            await engine.dispose()

    return asyncio.run(run())


@pytest.mark.parametrize("name", FILTERS)
def test_an_audit_filter_reads_its_index(empty_database: str, name: str) -> None:  # noqa: F811
    migrations.upgrade(empty_database)

    plan = _plans(empty_database, FILTERS[name])

    assert any(f"ix_audit_entries_{name}_id" in line for line in plan), plan
    print(f"{empty_database.split(':')[0]} {name}:", *plan, sep="\n  ")
