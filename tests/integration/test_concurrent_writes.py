"""Many writers at once, through the HTTP app, over each real backend: optimistic
concurrency lets exactly one of a racing set win, and no accepted write is lost or doubled
across a restart of the app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from hexa.adapters.security.passwords import Argon2PasswordHasher
from hexa.bootstrap import build, migrate
from hexa.config import Settings, load_settings
from hexa.drivers.http.app import create_app
from tests.http.conftest import TEST_SECRET, admin_headers
from tests.http.inspection_api import INSPECTIONS

RACING_PATCHES = 200
CONCURRENT_CREATES = 500
PAGE = 200  # the largest page the API serves


@pytest.fixture
def settings_for(tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[str], Settings]:
    """Settings of an app over the backend named: a fresh SQLite file, or the session's
    PostgreSQL (migrated; the test empties its tables)."""

    def settings(backend: str) -> Settings:
        common: dict[str, Any] = {
            "env": "test",
            "queue_backend": "inprocess",
            "jwt_secret": TEST_SECRET,
            "api_key_pepper": TEST_SECRET,
            "blob_dir": str(tmp_path / "blobs"),
            # Hundreds of requests queue for a pool of 15 connections: on a slow machine
            # some would wait past the default and answer 503 (busy), which is right in
            # production but not what these tests are about.
            "db_pool_timeout": 60,
        }
        if backend == "memory":
            return load_settings(persistence="memory", **common)
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path / 'hexa.db'}"
        else:
            url = request.getfixturevalue("postgres_server")
        sql = load_settings(persistence="sql", database_url=url, **common)
        assert migrate(sql)
        return sql

    return settings


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh app (a new service graph) over `settings`, signed in as an operator."""
    async with build(settings, hasher=Argon2PasswordHasher.fast_for_tests()) as hexa:
        transport = httpx.ASGITransport(app=create_app(hexa=hexa))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=admin_headers(hexa), timeout=60
        ) as client:
            yield client


async def _empty(settings: Settings) -> None:
    if settings.placement()["inspections"] != "sql":
        return
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import create_async_engine

    from hexa.adapters.sql.tables import schema

    engine = create_async_engine(settings.database_url)
    try:
        async with engine.begin() as connection:
            for table in reversed(schema().sorted_tables):
                await connection.execute(sa.delete(table))
    finally:
        await engine.dispose()


async def _every_inspection(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Follows the cursor to the last page."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": PAGE}
    for _ in range(CONCURRENT_CREATES // PAGE + 2):
        page = await client.get(INSPECTIONS, params=params)
        assert page.status_code == 200, page.text
        items.extend(page.json()["items"])
        if page.json()["next_cursor"] is None:
            return items
        params["cursor"] = page.json()["next_cursor"]
    pytest.fail("the cursor never reached the last page")


def _tally(answers: list[httpx.Response]) -> str:
    counts: dict[int, int] = {}
    for answer in answers:
        counts[answer.status_code] = counts.get(answer.status_code, 0) + 1
    odd = next((a.text for a in answers if a.status_code >= 500), "")
    return f"statuses {counts} {odd[:300]}"
