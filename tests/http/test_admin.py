"""The admin API: API keys, users, the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from hexa.bootstrap import Hexa
from tests.http.api import INSPECTIONS, RULES, assert_problem, inspection_body
from tests.http.test_auth import AUTH, PASSWORD, bearer, sign_in, sign_up

KEYS = "/api/admin/api-keys"
USERS = "/api/admin/users"


async def new_key(client: httpx.AsyncClient, *scopes: str, **fields: object) -> dict:  # type: ignore[type-arg]
    body = {"name": "line 3 scanner", "scopes": list(scopes or ["inspections:read"])} | fields
    response = await client.post(KEYS, json=body)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{KEYS}/{response.json()['kid']}"
    return response.json()  # type: ignore[no-any-return]


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
    key = await new_key(client)
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


async def test_an_expired_key_is_refused(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    assert_problem(
        await client.post(KEYS, json={"name": "old", "scopes": ["jobs:read"], "expires_at": past}),
        422,
    )


async def test_delete_revokes_and_unknown_keys_are_404(client: httpx.AsyncClient) -> None:
    key = await new_key(client)
    assert (await client.delete(f"{KEYS}/{key['kid']}")).status_code == 204
    assert (await client.get(f"{KEYS}/{key['kid']}")).json()["revoked_at"]
    assert_problem(await client.get(f"{KEYS}/nope"), 404)
    assert_problem(await client.post(f"{KEYS}/{key['kid']}/revoke"), 409)


async def test_unknown_scopes_are_refused(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post(KEYS, json={"name": "x", "scopes": ["root"]}), 422)
    assert_problem(await client.post(KEYS, json={"name": "x", "scopes": []}), 422)


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


async def test_admin_actions_are_audited_newest_first(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    key = await new_key(client)
    await client.post(f"{KEYS}/{key['kid']}/revoke")
    page = (await client.get("/api/admin/audit", params={"limit": 1})).json()
    assert [e["action"] for e in page["items"]] == ["api_key.revoked"]
    assert page["items"][0]["actor"] == "service:ops"
    rest = (await client.get("/api/admin/audit", params={"cursor": page["next_cursor"]})).json()
    assert [e["action"] for e in rest["items"]] == ["api_key.created"]


async def test_the_admin_api_is_for_admins_only(anonymous: httpx.AsyncClient) -> None:
    await sign_up(anonymous)
    tokens = await sign_in(anonymous)
    anonymous.cookies.clear()
    for path in (KEYS, USERS, "/api/admin/audit"):
        assert_problem(await anonymous.get(path, headers=bearer(tokens)), 403)
        assert_problem(await anonymous.get(path), 401)


async def test_an_admin_cannot_demote_or_disable_themself(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    user = await sign_up(anonymous)
    await client.patch(f"{USERS}/{user['id']}", json={"role": "admin"})
    own = bearer(await sign_in(anonymous))
    anonymous.cookies.clear()
    for change, said in (({"role": "viewer"}, "own role"), ({"active": False}, "own account")):
        refused = await anonymous.patch(f"{USERS}/{user['id']}", headers=own, json=change)
        assert_problem(refused, 409)
        assert said in refused.json()["detail"]
    unchanged = await anonymous.patch(
        f"{USERS}/{user['id']}", headers=own, json={"role": "admin", "active": True}
    )
    assert unchanged.status_code == 200
    assert unchanged.json()["role"] == "admin" and unchanged.json()["active"] is True
    # another admin still may
    demoted = await client.patch(f"{USERS}/{user['id']}", json={"role": "viewer"})
    assert demoted.json()["role"] == "viewer"


async def test_the_audit_log_filters_by_action_and_actor(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    user = await sign_up(anonymous)
    for role in ("inspector", "viewer", "inspector"):
        await client.patch(f"{USERS}/{user['id']}", json={"role": role})
    await new_key(client)
    audit = "/api/admin/audit"
    changed = {"action": "user.role_changed", "actor": "service:ops"}
    first = (await client.get(audit, params=changed | {"limit": 2})).json()
    rest = (await client.get(audit, params=changed | {"cursor": first["next_cursor"]})).json()
    roles = [e["detail"]["role"] for e in first["items"] + rest["items"]]
    assert roles == ["inspector", "viewer", "inspector"] and rest["next_cursor"] is None
    by_the_user = (await client.get(audit, params={"actor": f"user:{user['id']}"})).json()
    assert {e["action"] for e in by_the_user["items"]} == {"user.registered", "user.verified"}
    everything = (await client.get(audit, params={"action": "", "actor": ""})).json()
    assert {e["action"] for e in everything["items"]} >= {"user.role_changed", "api_key.created"}


async def test_flags_and_numbers_are_not_guessed_from_other_types(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    """What the schema calls a boolean or an integer must be one: the fuzzer found 0
    taken for false (an account disabled) and "7" for 7."""
    user = await sign_up(anonymous)
    for active in (0, 1, "false", "true"):
        assert_problem(await client.patch(f"{USERS}/{user['id']}", json={"active": active}), 422)
    key = await new_key(client)
    for grace in ("7", 7.0, True):
        refused = await client.post(f"{KEYS}/{key['kid']}/rotate", json={"grace_seconds": grace})
        assert_problem(refused, 422)
    for expires in (0, 1_900_000_000, 1.5e9):  # not read as Unix time
        body = {"name": "k", "scopes": ["jobs:read"], "expires_at": expires}
        assert_problem(await client.post(KEYS, json=body), 422)
    rule = {"name": "n", "key": "k", "kind": "required", "enabled": "true"}
    assert_problem(await client.post(RULES, json=rule), 422)
    assert (await client.get(f"{USERS}/{user['id']}")).json()["active"] is True
