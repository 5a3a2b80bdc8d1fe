"""Two app replicas over one database and one Redis: what one does, the other honours."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest

from hexa.adapters.security.passwords import Argon2PasswordHasher
from hexa.bootstrap import Hexa, build, migrate
from hexa.config import load_settings
from hexa.domain.access import Principal, PrincipalKind, every_scope
from hexa.drivers.http.app import create_app

SECRET = "r" * 40
OPS = Principal(PrincipalKind.SERVICE, "ops", frozenset(every_scope()))


@pytest.fixture
async def replicas(tmp_path: Path, redis_url: str) -> AsyncIterator[tuple[Hexa, Hexa]]:
    from redis.asyncio import Redis

    async with Redis.from_url(redis_url) as client:
        await client.flushdb()
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hexa.db'}",
        redis_url=redis_url,
        queue_backend="inprocess",
        env="test",
        jwt_secret=SECRET,
        api_key_pepper=SECRET,
    )
    migrate(settings)
    async with AsyncExitStack() as stack:
        hasher = Argon2PasswordHasher.fast_for_tests()
        yield (
            await stack.enter_async_context(build(settings, hasher=hasher)),
            await stack.enter_async_context(build(settings, hasher=hasher)),
        )


def client(hexa: Hexa) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(hexa=hexa))
    return httpx.AsyncClient(transport=transport, base_url="https://test")


async def test_sign_in_limits_are_shared_by_replicas(replicas: tuple[Hexa, Hexa]) -> None:
    a, b = replicas
    body = {"email": "who@example.com", "password": "not the password"}
    limit = a.settings.login_attempts_per_account
    async with client(a) as on_a, client(b) as on_b:
        for n in range(limit):
            replica = on_a if n % 2 else on_b
            assert (await replica.post("/api/v1/auth/login", json=body)).status_code == 401
        refused = await on_a.post("/api/v1/auth/login", json=body)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0


async def test_readiness_reports_redis(replicas: tuple[Hexa, Hexa]) -> None:
    async with client(replicas[0]) as http:
        checks = (await http.get("/healthz")).json()["checks"]
    assert checks["database"]["status"] == "up"
    assert checks["redis"]["status"] == "up"


async def _signed_in(hexa: Hexa, email: str) -> dict[str, str]:
    """A verified person signed in on `hexa`, as the Authorization header of their token."""
    from hexa.domain.access import Role

    user = await hexa.users.create_admin(email, "a long enough password")
    await hexa.users.change(OPS, user.id, role=Role.INSPECTOR)
    async with client(hexa) as http:
        login = await http.post(
            "/api/v1/auth/login", json={"email": email, "password": "a long enough password"}
        )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def _warm(http: httpx.AsyncClient, headers: dict[str, str]) -> None:
    for _ in range(3):  # the replica now holds the person's principal
        assert (await http.get("/api/v1/inspections", headers=headers)).status_code == 200
