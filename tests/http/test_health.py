"""Liveness touches nothing; readiness probes each dependency and says which is down."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from unittest.mock import ANY

import httpx
import pytest

from hexa.bootstrap import HealthCheck, Hexa, worker_alive
from hexa.domain.errors import Unavailable
from hexa.drivers.http.app import create_app
from tests.http.conftest import admin_headers


async def _down() -> None:
    raise Unavailable("the database cannot be reached")


async def _up() -> None:
    return None


@pytest.fixture
async def failing_client(hexa: Hexa) -> AsyncIterator[httpx.AsyncClient]:
    broken = dataclasses.replace(
        hexa, health_checks=(HealthCheck("cache", _up), HealthCheck("database", _down))
    )
    transport = httpx.ASGITransport(app=create_app(hexa=broken))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=admin_headers(hexa)
    ) as http:
        yield http


async def test_liveness_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_readiness_answers_200_with_each_check(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "up"
    assert body["checks"].keys() == {"memory", "worker"}
    assert body["checks"]["worker"] == {"status": "up", "critical": False, "latency_ms": ANY}
    assert body["checks"]["memory"]["status"] == "up"
    assert body["checks"]["memory"]["latency_ms"] >= 0


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_readiness_answers_503_when_a_check_fails(
    failing_client: httpx.AsyncClient, path: str
) -> None:
    response = await failing_client.get(path)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"]["status"] == "down"
    assert body["checks"]["database"]["error"] == "Unavailable"
    assert body["checks"]["cache"]["status"] == "up"


async def test_liveness_stays_ok_when_a_dependency_is_down(
    failing_client: httpx.AsyncClient,
) -> None:
    assert (await failing_client.get("/health")).status_code == 200


async def test_a_missing_worker_is_reported_but_keeps_the_app_ready(hexa: Hexa) -> None:
    class Silent:
        async def beat(self, now: datetime, *, ttl: timedelta) -> None: ...

        async def last(self) -> datetime | None:
            return None

    worker = HealthCheck("worker", worker_alive(Silent(), hexa.clock), critical=False)
    alone = dataclasses.replace(hexa, health_checks=(HealthCheck("database", _up), worker))
    transport = httpx.ASGITransport(app=create_app(hexa=alone))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get("/healthz")

    assert response.status_code == 200
    reported = response.json()["checks"]["worker"]
    assert reported["status"] == "down" and "heartbeat" in reported["detail"]
