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
from hexa.domain.access import Principal, PrincipalKind, Scope
from hexa.drivers.http.app import create_app

SECRET = "r" * 40
OPS = Principal(PrincipalKind.SERVICE, "ops", frozenset(Scope))


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


async def test_a_key_revoked_on_one_replica_stops_at_once_on_the_other(
    replicas: tuple[Hexa, Hexa],
) -> None:
    a, b = replicas
    issued = await a.api_keys.create(OPS, name="k", scopes=frozenset(Scope), expires_at=None)
    headers = {"X-API-Key": issued.token}
    async with client(a) as on_a:
        for _ in range(3):  # replica A now holds the key in its verification cache
            assert (await on_a.get("/api/v1/rules", headers=headers)).status_code == 200
        await b.api_keys.revoke(OPS, issued.key.kid)
        assert (await on_a.get("/api/v1/rules", headers=headers)).status_code == 401


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


async def test_a_logout_on_one_replica_refuses_the_token_at_once_on_the_other(
    replicas: tuple[Hexa, Hexa],
) -> None:
    a, b = replicas
    headers = await _signed_in(a, "out@example.com")
    async with client(a) as on_a, client(b) as on_b:
        await _warm(on_a, headers)
        assert (await on_b.post("/api/v1/auth/logout", headers=headers)).status_code == 204
        assert (await on_a.get("/api/v1/inspections", headers=headers)).status_code == 401


@pytest.mark.parametrize("change", ["disable", "demote"])
async def test_an_account_changed_on_one_replica_is_honoured_at_once_on_the_other(
    replicas: tuple[Hexa, Hexa], change: str
) -> None:
    from hexa.domain.access import Role

    a, b = replicas
    headers = await _signed_in(a, f"{change}@example.com")
    user_id = (await a.auth.principal(headers["Authorization"].split()[1])).subject
    async with client(a) as on_a:
        await _warm(on_a, headers)
        if change == "disable":
            await b.users.change(OPS, user_id, active=False)
            expected = 401
        else:
            await b.users.change(OPS, user_id, role=Role.VIEWER)  # no inspections:write
            expected = 403
        refused = await on_a.post(
            "/api/v1/inspections", headers=headers, json={"subject": "boiler"}
        )
    assert refused.status_code == expected, refused.text


async def test_a_password_reset_on_one_replica_ends_the_sessions_seen_by_the_other(
    replicas: tuple[Hexa, Hexa],
) -> None:
    a, b = replicas
    headers = await _signed_in(a, "reset@example.com")
    async with client(a) as on_a:
        await _warm(on_a, headers)
        token = await b.auth.forgot_password("reset@example.com")
        assert token is not None  # ENV=test answers with the mailed token
        await b.auth.reset_password(token, "another long password")
        assert (await on_a.get("/api/v1/inspections", headers=headers)).status_code == 401
