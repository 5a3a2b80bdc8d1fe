"""Sign-up, sign-in, sessions and password reset through HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from hexa.adapters.mail import ConsoleMailer
from hexa.bootstrap import Hexa
from tests.http.api import assert_problem

AUTH = "/api/v1/auth"
PASSWORD = "correct horse battery"


async def sign_up(client: httpx.AsyncClient, email: str = "ana@example.com") -> dict[str, Any]:
    registered = await client.post(f"{AUTH}/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    body: dict[str, Any] = registered.json()
    verified = await client.post(f"{AUTH}/verify", json={"token": body["verification_token"]})
    assert verified.status_code == 200, verified.text
    return body


async def sign_in(client: httpx.AsyncClient, email: str = "ana@example.com") -> dict[str, Any]:
    response = await client.post(f"{AUTH}/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_register_verify_login_and_read_me(anonymous: httpx.AsyncClient) -> None:
    registered = await sign_up(anonymous)
    assert registered["role"] == "viewer" and registered["verified"] is False
    tokens = await sign_in(anonymous)
    me = await anonymous.get(f"{AUTH}/me", headers=bearer(tokens))
    assert me.status_code == 200
    assert me.json()["email"] == "ana@example.com" and me.json()["verified"] is True


async def test_registering_a_taken_email_is_a_conflict(anonymous: httpx.AsyncClient) -> None:
    await sign_up(anonymous, "Ana@Example.com")
    again = await anonymous.post(
        f"{AUTH}/register", json={"email": "ana@example.com", "password": PASSWORD}
    )
    assert_problem(again, 409)


@pytest.mark.parametrize("password", ["short", "x" * 1025])
async def test_weak_passwords_are_refused(anonymous: httpx.AsyncClient, password: str) -> None:
    response = await anonymous.post(
        f"{AUTH}/register", json={"email": "bo@example.com", "password": password}
    )
    assert_problem(response, 422)


async def test_an_unverified_account_cannot_sign_in(anonymous: httpx.AsyncClient) -> None:
    await anonymous.post(f"{AUTH}/register", json={"email": "cy@example.com", "password": PASSWORD})
    response = await anonymous.post(
        f"{AUTH}/login", json={"email": "cy@example.com", "password": PASSWORD}
    )
    assert_problem(response, 403)


async def test_wrong_password_and_unknown_email_answer_alike(anonymous: httpx.AsyncClient) -> None:
    await sign_up(anonymous)
    wrong = await anonymous.post(
        f"{AUTH}/login", json={"email": "ana@example.com", "password": "nope" * 4}
    )
    unknown = await anonymous.post(
        f"{AUTH}/login", json={"email": "who@example.com", "password": "nope" * 4}
    )
    assert assert_problem(wrong, 401)["detail"] == assert_problem(unknown, 401)["detail"]


async def test_login_is_rate_limited_per_account(anonymous: httpx.AsyncClient, hexa: Hexa) -> None:
    await sign_up(anonymous)
    body = {"email": "ana@example.com", "password": "wrong password!"}
    for _ in range(hexa.settings.login_attempts_per_account):
        assert (await anonymous.post(f"{AUTH}/login", json=body)).status_code == 401
    refused = await anonymous.post(f"{AUTH}/login", json=body)
    assert_problem(refused, 429)
    assert int(refused.headers["retry-after"]) > 0
    actions = [e.action for e in (await hexa.audit.page(limit=50)).items]
    assert actions.count("auth.login_throttled") == 1  # once per burst, not per attempt


async def test_refresh_rotates_and_a_reused_token_ends_the_family(
    anonymous: httpx.AsyncClient,
) -> None:
    await sign_up(anonymous)
    first = await sign_in(anonymous)
    second = await anonymous.post(f"{AUTH}/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    reused = await anonymous.post(f"{AUTH}/refresh", json={"refresh_token": first["refresh_token"]})
    assert_problem(reused, 401)
    # the thief's reuse also ended the owner's session
    after = await anonymous.post(
        f"{AUTH}/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert_problem(after, 401)
    assert_problem(await anonymous.get(f"{AUTH}/me", headers=bearer(rotated)), 401)


async def test_logout_ends_the_session(anonymous: httpx.AsyncClient) -> None:
    await sign_up(anonymous)
    tokens = await sign_in(anonymous)
    assert (await anonymous.post(f"{AUTH}/logout", headers=bearer(tokens))).status_code == 204
    assert_problem(await anonymous.get(f"{AUTH}/me", headers=bearer(tokens)), 401)
    refreshed = await anonymous.post(
        f"{AUTH}/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert_problem(refreshed, 401)


async def test_cookie_sessions_need_the_csrf_header_to_change_state(
    anonymous: httpx.AsyncClient,
) -> None:
    await sign_up(anonymous)
    await sign_in(anonymous)  # the client keeps the cookies
    assert anonymous.cookies.get("hexa_access")
    assert (await anonymous.get(f"{AUTH}/me")).status_code == 200
    no_header = await anonymous.post(f"{AUTH}/logout")
    assert_problem(no_header, 403)
    csrf = anonymous.cookies.get("hexa_csrf")
    assert (
        await anonymous.post(f"{AUTH}/logout", headers={"X-CSRF-Token": csrf})
    ).status_code == 204


async def test_password_reset_is_single_use_and_ends_sessions(
    anonymous: httpx.AsyncClient, hexa: Hexa
) -> None:
    await sign_up(anonymous)
    tokens = await sign_in(anonymous)
    answer = await anonymous.post(f"{AUTH}/forgot-password", json={"email": "ana@example.com"})
    unknown = await anonymous.post(f"{AUTH}/forgot-password", json={"email": "who@example.com"})
    assert answer.status_code == unknown.status_code == 202
    assert answer.json() == unknown.json()
    token = await _mailed_token(hexa, "Your reset token: ")
    new_password = {"token": token, "password": "a brand new password"}
    assert (await anonymous.post(f"{AUTH}/reset-password", json=new_password)).status_code == 204
    assert_problem(await anonymous.post(f"{AUTH}/reset-password", json=new_password), 401)
    assert_problem(await anonymous.get(f"{AUTH}/me", headers=bearer(tokens)), 401)
    login = await anonymous.post(
        f"{AUTH}/login", json={"email": "ana@example.com", "password": "a brand new password"}
    )
    assert login.status_code == 200


async def _mailed_token(hexa: Hexa, marker: str) -> str:
    mailer = hexa.mailer  # the ConsoleMailer the test app was built with
    assert isinstance(mailer, ConsoleMailer)
    for _ in range(100):
        for mail in reversed(mailer.sent):
            if marker in mail.body:
                return mail.body.split(marker, 1)[1].split()[0]
        await asyncio.sleep(0.01)
    raise AssertionError("no such mail was sent")
