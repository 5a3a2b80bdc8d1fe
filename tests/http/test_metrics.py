"""GET /metrics: request counts and latencies by route, the queue, jobs, API-key checks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from hexa.adapters.mail import ConsoleMailer
from hexa.adapters.security.passwords import Argon2PasswordHasher
from hexa.bootstrap import Hexa, build
from hexa.config import Settings
from hexa.domain.errors import Unavailable
from hexa.domain.jobs import JobTotals
from hexa.drivers.http.app import create_app
from hexa.drivers.http.metrics import app_registry, exposition
from hexa.services.metrics import MetricsReader
from tests.http.api import assert_problem
from tests.http.conftest import admin_headers
from tests.http.test_auth import bearer, sign_in, sign_up

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(page: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(page)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return samples(response.text)


async def test_the_page_is_public_prometheus_text(anonymous: httpx.AsyncClient) -> None:
    found = await scrape(anonymous)
    assert value(found, "worker_queue_length") == 0
    assert value(found, "hexa_metrics_source_up", source="queue") == 1
    assert value(found, "hexa_metrics_source_up", source="job_tally") == 1
    assert value(found, "process_resident_memory_bytes", **{}) is not None


@pytest.fixture
async def idle(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose jobs are accepted but never started: nothing consumes its queue."""
    async with build(
        settings,
        hasher=Argon2PasswordHasher.fast_for_tests(),
        mailer=ConsoleMailer(),
        start_jobs=False,
    ) as hexa:
        transport = httpx.ASGITransport(app=create_app(hexa=hexa))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=admin_headers(hexa)
        ) as http:
            yield http


async def test_a_private_page_is_for_admins(settings: Settings) -> None:
    private = settings.model_copy(update={"metrics_public": False})
    async with build(
        private, hasher=Argon2PasswordHasher.fast_for_tests(), mailer=ConsoleMailer()
    ) as hexa:
        transport = httpx.ASGITransport(app=create_app(hexa=hexa))
        async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
            assert_problem(await http.get("/metrics"), 401)
            await sign_up(http, "viewer@example.com")
            viewer = bearer(await sign_in(http, "viewer@example.com"))
            assert_problem(await http.get("/metrics", headers=viewer), 403)
            http.headers.update(admin_headers(hexa))
            await scrape(http)


class _Down:
    async def depth(self) -> int:
        raise Unavailable("Redis failed: ConnectionError")


class _Stuck:
    async def totals(self) -> JobTotals:
        await asyncio.sleep(60)
        raise AssertionError("not reached")


async def test_a_shared_source_down_or_stuck_leaves_the_rest_of_the_page(
    hexa: Hexa, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hexa.services.metrics.READ_TIMEOUT_SECONDS", 0.05)
    reader = MetricsReader(_Down(), _Stuck(), hexa.api_keys)  # type: ignore[arg-type]
    readings = await asyncio.wait_for(reader.read(), 5)
    found = samples(exposition(app_registry(), readings).decode())
    assert value(found, "hexa_metrics_source_up", source="queue") == 0
    assert value(found, "hexa_metrics_source_up", source="job_tally") == 0
    assert value(found, "worker_queue_length") is None
    assert value(found, "hexa_api_key_verifications_total", outcome="accepted") == 0
