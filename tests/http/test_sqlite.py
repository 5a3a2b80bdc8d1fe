"""The same API over a migrated SQLite file: the SQL adapters work end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hexa.bootstrap import Hexa, migrate
from hexa.config import Settings, load_settings
from hexa.drivers.http.app import create_app
from tests.http.conftest import TEST_SECRET, admin_headers

STRICT_READINGS = [
    {"key": "lot", "value": "12"},
    {"key": "count", "value": 12},
    {"key": "sealed", "value": True},
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Overrides the memory settings of conftest: a fresh, migrated SQLite file per test."""
    sql = load_settings(
        persistence="sql",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hexa.db'}",
        env="test",
        queue_backend="inprocess",
        jwt_secret=TEST_SECRET,
        api_key_pepper=TEST_SECRET,
    )
    assert migrate(sql)
    return sql


@pytest.fixture
async def sql_client(hexa: Hexa) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(hexa=hexa))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=admin_headers(hexa)
    ) as http:
        yield http


async def test_readiness_probes_the_database(sql_client: httpx.AsyncClient) -> None:
    response = await sql_client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"]["database"]["status"] == "up"
