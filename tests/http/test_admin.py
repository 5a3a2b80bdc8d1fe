"""The admin API: API keys, users, the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from hexa.bootstrap import Hexa
from tests.http.api import assert_problem
from tests.http.test_auth import bearer, sign_in, sign_up

KEYS = "/api/admin/api-keys"
USERS = "/api/admin/users"


async def new_key(client: httpx.AsyncClient, *scopes: str, **fields: object) -> dict:  # type: ignore[type-arg]
    body = {"name": "line 3 scanner", "scopes": list(scopes or ["jobs:read"])} | fields
    response = await client.post(KEYS, json=body)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{KEYS}/{response.json()['kid']}"
    return response.json()  # type: ignore[no-any-return]


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


async def test_the_audit_log_names_its_actors_and_targets(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    user = await sign_up(anonymous, "lin@example.com")
    await client.patch(f"{USERS}/{user['id']}", json={"role": "inspector"})
    key = await new_key(client, name="dock scanner")
    await client.post(f"{KEYS}/{key['kid']}/revoke")
    items = (await client.get("/api/admin/audit")).json()["items"]
    by_action = {e["action"]: e for e in items}
    changed = by_action["user.role_changed"]
    assert (changed["actor"], changed["actor_name"]) == ("service:ops", "ops")
    assert (changed["target"], changed["target_name"]) == (f"user:{user['id']}", "lin@example.com")
    assert by_action["user.registered"]["actor_name"] == "lin@example.com"
    revoked = by_action["api_key.revoked"]
    assert (revoked["target"], revoked["target_name"]) == (f"api_key:{key['kid']}", "dock scanner")
