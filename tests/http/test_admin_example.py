"""The tests of admin that go through the example domain (inspections, rules, packets): left out with it."""

from __future__ import annotations

import httpx

from tests.http.api import assert_problem
from tests.http.inspection_api import INSPECTIONS, RULES, inspection_body
from tests.http.test_admin import KEYS, USERS, new_key
from tests.http.test_auth import AUTH, PASSWORD, bearer, sign_in, sign_up


async def test_a_key_is_shown_once_and_works_until_revoked(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    key = await new_key(client, "inspections:read", "inspections:write")
    assert key["token"].startswith("hxk_")
    listed = (await client.get(KEYS)).json()["items"]
    assert [k["kid"] for k in listed] == [key["kid"]]
    assert "token" not in listed[0] and "secret_hash" not in listed[0]
    headers = {"X-API-Key": key["token"]}
    assert (
        await anonymous.post(INSPECTIONS, json=inspection_body(), headers=headers)
    ).status_code == 201
    also_bearer = {"Authorization": f"Bearer {key['token']}"}
    assert (await anonymous.get(INSPECTIONS, headers=also_bearer)).status_code == 200
    revoked = await client.post(f"{KEYS}/{key['kid']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert_problem(await anonymous.get(INSPECTIONS, headers=headers), 401)


async def test_a_key_only_grants_its_scopes(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    key = await new_key(client, "inspections:read")
    headers = {"X-API-Key": key["token"]}
    assert_problem(await anonymous.post(INSPECTIONS, json=inspection_body(), headers=headers), 403)
    assert_problem(await anonymous.get(RULES, headers=headers), 403)
    assert_problem(await anonymous.get(KEYS, headers=headers), 403)


async def test_rotation_keeps_the_old_token_for_the_grace_period(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    key = await new_key(client, "inspections:read")
    rotated = await client.post(f"{KEYS}/{key['kid']}/rotate", json={"grace_seconds": 3600})
    assert rotated.status_code == 200
    new_token = rotated.json()["token"]
    assert new_token != key["token"]
    for token in (key["token"], new_token):
        assert (await anonymous.get(INSPECTIONS, headers={"X-API-Key": token})).status_code == 200
    no_grace = await client.post(f"{KEYS}/{key['kid']}/rotate", json={"grace_seconds": 0})
    newest = no_grace.json()["token"]
    assert_problem(await anonymous.get(INSPECTIONS, headers={"X-API-Key": new_token}), 401)
    assert (await anonymous.get(INSPECTIONS, headers={"X-API-Key": newest})).status_code == 200


async def test_admins_change_roles_and_disable_accounts(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    user = await sign_up(anonymous)
    tokens = await sign_in(anonymous)
    assert_problem(
        await anonymous.post(
            RULES, headers=bearer(tokens), json={"name": "n", "key": "k", "kind": "required"}
        ),
        403,
    )
    promoted = await client.patch(f"{USERS}/{user['id']}", json={"role": "admin"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    # the role takes effect on the very next request, with the same token
    allowed = await anonymous.post(
        RULES, headers=bearer(tokens), json={"name": "n", "key": "k", "kind": "required"}
    )
    assert allowed.status_code == 201
    disabled = await client.patch(f"{USERS}/{user['id']}", json={"active": False})
    assert disabled.json()["active"] is False
    assert_problem(await anonymous.get(f"{AUTH}/me", headers=bearer(tokens)), 401)
    login = await anonymous.post(
        f"{AUTH}/login", json={"email": user["email"], "password": PASSWORD}
    )
    assert_problem(login, 403)
    listed = (await client.get(USERS)).json()["items"]
    assert [u["id"] for u in listed] == [user["id"]]


async def test_flags_and_numbers_are_not_guessed_from_other_types(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    """What the schema calls a boolean or an integer must be one: the fuzzer found 0
    taken for false (an account disabled) and "7" for 7. An integer is JSON Schema's:
    7.0 is one (a number with no fraction), and is read as 7."""
    user = await sign_up(anonymous)
    for active in (0, 1, "false", "true"):
        assert_problem(await client.patch(f"{USERS}/{user['id']}", json={"active": active}), 422)
    key = await new_key(client, "inspections:read")
    for grace in ("7", 7.5, True):
        refused = await client.post(f"{KEYS}/{key['kid']}/rotate", json={"grace_seconds": grace})
        assert_problem(refused, 422)
    rotated = await client.post(f"{KEYS}/{key['kid']}/rotate", json={"grace_seconds": 7.0})
    assert rotated.status_code == 200, rotated.text
    for expires in (0, 1_900_000_000, 1.5e9):  # not read as Unix time
        body = {"name": "k", "scopes": ["jobs:read"], "expires_at": expires}
        assert_problem(await client.post(KEYS, json=body), 422)
    rule = {"name": "n", "key": "k", "kind": "required", "enabled": "true"}
    assert_problem(await client.post(RULES, json=rule), 422)
    assert (await client.get(f"{USERS}/{user['id']}")).json()["active"] is True
