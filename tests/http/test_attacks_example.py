"""The tests of attacks that go through the example domain (inspections, rules, packets): left out with it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from hexa.adapters.clock import FrozenClock
from hexa.adapters.security.passwords import Argon2PasswordHasher
from hexa.bootstrap import Hexa, build
from hexa.config import Settings
from hexa.domain.access import JOBS_READ, Role, every_scope, role_scopes
from hexa.drivers.http.app import create_app
from tests.http.api import assert_problem
from tests.http.inspection_api import RULES
from tests.http.test_attacks import (  # noqa: F401 - fixtures
    ADMIN,
    BEARER_ATTACKS,
    NOW,
    anonymous,
    claims,
    clock,
    hexa,
    signed,
)


# The attacker's HS512 token is signed with a short key on purpose.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("make", BEARER_ATTACKS.values(), ids=BEARER_ATTACKS.keys())
async def test_forged_or_stale_access_tokens_are_401(
    anonymous: httpx.AsyncClient, make: Callable[[], str]
) -> None:
    response = await anonymous.get(RULES, headers={"Authorization": f"Bearer {make()}"})
    assert_problem(response, 401)


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Basic b3BzOnNlY3JldA=="},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer    "},
        {"X-API-Key": ""},
        {"X-API-Key": "hxk_"},
        {"X-API-Key": "hxk_" + "A" * 16 + "_" + "B" * 38},
        {"X-API-Key": "x" * 10_000},
        {"X-API-Key": signed(claims())},
    ],
    ids=[
        "basic",
        "bearer without token",
        "bearer blank",
        "empty key",
        "prefix only",
        "bad checksum",
        "huge key",
        "jwt as key",
    ],
)
async def test_malformed_credentials_are_401(
    anonymous: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    assert_problem(await anonymous.get(RULES, headers=headers), 401)


async def test_a_key_with_one_flipped_character_is_refused(
    anonymous: httpx.AsyncClient, hexa: Hexa
) -> None:
    token = (
        await hexa.api_keys.create(
            ADMIN, name="k", scopes=frozenset(every_scope()), expires_at=None
        )
    ).token
    assert (await anonymous.get(RULES, headers={"X-API-Key": token})).status_code == 200
    for position in (5, 25, len(token) - 1):
        flipped = (
            token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
        )
        assert_problem(await anonymous.get(RULES, headers={"X-API-Key": flipped}), 401)


async def test_an_expired_key_is_refused(
    anonymous: httpx.AsyncClient, hexa: Hexa, clock: FrozenClock
) -> None:
    issued = await hexa.api_keys.create(
        ADMIN, name="k", scopes=frozenset(every_scope()), expires_at=NOW + timedelta(minutes=1)
    )
    headers = {"X-API-Key": issued.token}
    assert (await anonymous.get(RULES, headers=headers)).status_code == 200
    clock.advance(timedelta(minutes=2))
    assert_problem(await anonymous.get(RULES, headers=headers), 401)


async def test_a_revoked_key_is_refused_even_when_verification_was_cached(
    anonymous: httpx.AsyncClient, hexa: Hexa
) -> None:
    issued = await hexa.api_keys.create(
        ADMIN, name="k", scopes=frozenset(every_scope()), expires_at=None
    )
    headers = {"X-API-Key": issued.token}
    for _ in range(3):  # warm the verification cache
        assert (await anonymous.get(RULES, headers=headers)).status_code == 200
    await hexa.api_keys.revoke(ADMIN, issued.key.kid)
    assert_problem(await anonymous.get(RULES, headers=headers), 401)


async def test_a_valid_caller_without_the_scope_is_403(
    anonymous: httpx.AsyncClient, hexa: Hexa
) -> None:
    viewer = hexa.tokens.issue("watcher", role_scopes(Role.VIEWER), kind="service")
    response = await anonymous.post(
        RULES,
        headers={"Authorization": f"Bearer {viewer}"},
        json={"name": "n", "key": "k", "kind": "required"},
    )
    assert_problem(response, 403)
    key = await hexa.api_keys.create(
        ADMIN, name="k", scopes=frozenset({JOBS_READ}), expires_at=None
    )
    assert_problem(await anonymous.get(RULES, headers={"X-API-Key": key.token}), 403)


async def test_tokens_signed_with_a_previous_secret_still_work(settings: Settings) -> None:
    old = "o" * 40
    rotated = settings.model_copy(update={"jwt_previous_secrets": old})
    clock = FrozenClock(NOW)  # the claims' times are NOW's, however long the suite has run
    async with build(rotated, clock=clock, hasher=Argon2PasswordHasher.fast_for_tests()) as hexa:
        transport = httpx.ASGITransport(app=create_app(hexa=hexa))
        async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
            ok = await http.get(
                RULES, headers={"Authorization": f"Bearer {signed(claims(), secret=old)}"}
            )
            assert ok.status_code == 200
