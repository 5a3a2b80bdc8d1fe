"""SQL statements as CLIENT spans (`statement_spans`), on SQLite and PostgreSQL: children
of the work that sent them, their text with placeholders and never a value, failures
marked; none from a database opened while tracing was off."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from hexa.adapters.sql import migrations
from hexa.adapters.sql.database import SqlDatabase
from hexa.adapters.unit_of_work import unit_of_work_factory
from hexa.domain.errors import Conflict
from tests.builders import a_user
from tests.integration.test_migrations import empty_database  # noqa: F401 (the fixture)
from tests.tracing import Spans

SYSTEMS = {"sqlite": "sqlite", "postgresql": "postgresql"}


def test_each_statement_is_a_span_of_the_work_that_sent_it(
    empty_database: str,  # noqa: F811
    spans: Spans,
) -> None:
    migrations.upgrade(empty_database)
    user = dataclasses.replace(a_user("span@example.com"), password_hash="argon2-not-to-show")

    async def work() -> SqlDatabase:
        database = SqlDatabase.from_url(empty_database)
        uow = unit_of_work_factory({"sql": database}, {"*": "sql"})
        with trace.get_tracer("test").start_as_current_span("work"):
            async with uow() as unit:
                await unit.users.add(user)
                await unit.commit()
            with pytest.raises(Conflict):
                async with uow() as unit:
                    await unit.users.add(user)
                    await unit.commit()
        await database.close()
        return database

    database = asyncio.run(work())
    work_span = spans.one("work")
    inserts = spans.named("INSERT")
    assert len(inserts) == 2
    for insert in inserts:
        assert insert.kind is SpanKind.CLIENT
        assert insert.parent is not None and insert.parent.span_id == work_span.context.span_id
        attributes = dict(insert.attributes or {})
        assert attributes["db.system.name"] == SYSTEMS[database.engine.dialect.name]
        assert attributes["db.operation.name"] == "INSERT"
        assert str(attributes["db.query.text"]).startswith("INSERT INTO users")
        assert "span@example.com" not in str(attributes)
        assert "argon2-not-to-show" not in str(attributes)
    assert [i.status.status_code for i in inserts] == [StatusCode.UNSET, StatusCode.ERROR]
    refused = inserts[1]  # the driver's message quotes the duplicate key: none of it here
    assert refused.status.description in ("IntegrityError", "UniqueViolationError")  # drivers
    assert refused.events == ()


def test_a_database_opened_untraced_makes_no_span(
    tmp_path: Path, spans: Spans, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'quiet.db'}"
    migrations.upgrade(url)
    monkeypatch.setattr("hexa.adapters.sql.database.tracing_on", lambda: False)

    async def work() -> None:
        database = SqlDatabase.from_url(url)
        with trace.get_tracer("test").start_as_current_span("work"):
            async with unit_of_work_factory({"sql": database}, {"*": "sql"})() as unit:
                await unit.users.add(a_user())
                await unit.commit()
        await database.close()

    asyncio.run(work())
    assert [span.name for span in spans.finished()] == ["work"]
