"""The tests of replicas that go through the example domain (inspections, rules, packets): left out with it."""

from __future__ import annotations

import pytest

from hexa.bootstrap import Hexa
from hexa.domain.access import every_scope
from tests.integration.test_replicas import OPS, _signed_in, _warm, client, replicas  # noqa: F401 - fixtures


async def test_a_key_revoked_on_one_replica_stops_at_once_on_the_other(
    replicas: tuple[Hexa, Hexa],
) -> None:
    a, b = replicas
    issued = await a.api_keys.create(
        OPS, name="k", scopes=frozenset(every_scope()), expires_at=None
    )
    headers = {"X-API-Key": issued.token}
    async with client(a) as on_a:
        for _ in range(3):  # replica A now holds the key in its verification cache
            assert (await on_a.get("/api/v1/rules", headers=headers)).status_code == 200
        await b.api_keys.revoke(OPS, issued.key.kid)
        assert (await on_a.get("/api/v1/rules", headers=headers)).status_code == 401


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
