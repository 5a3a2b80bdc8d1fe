"""No secret reaches a log line: every logger, at DEBUG, through sign-up, sign-in (wrong
then right), refresh, mailed tokens, API keys, a job's run, and a start-up whose
DATABASE_URL holds a password.

The console mailer logs a mail's body only in ENV=dev, where the console is the inbox: a
one-time link is as good as a password until used, and outside dev log lines are kept.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from hexa.adapters.mail import ConsoleMailer
from hexa.adapters.security.passwords import Argon2PasswordHasher
from hexa.adapters.sql.migrations import upgrade
from hexa.bootstrap import Hexa, build
from hexa.config import load_settings
from hexa.domain.access import Role, role_scopes
from hexa.domain.api_keys import KeyToken
from hexa.drivers.http.app import create_app
from tests.cli.test_cli import HEXA, _environment, _free_port, _wait_until_live
from tests.log_capture import LogCapture, captured_logs

JWT_SECRET = "jwt-secret-that-must-never-be-logged-0001"
PEPPER = "api-key-pepper-that-must-never-be-logged-02"
PASSWORD = "Correct-Horse-9-Battery"
WRONG_PASSWORD = "Wrong-Horse-7-Battery"
NEW_PASSWORD = "A-Brand-New-Pass-5"
DB_PASSWORD = "Db-Pa55word-Never-Logged"
AUTH = "/api/v1/auth"


@pytest.fixture
async def graph(tmp_path: Path) -> AsyncIterator[Hexa]:
    """SQLite (so the database driver logs too) and jobs in-process; the mailer is the
    one the settings choose."""
    database = f"sqlite+aiosqlite:///{tmp_path / 'hexa.db'}"
    upgrade(database)
    settings = load_settings(
        database_url=database,
        env="test",
        queue_backend="inprocess",
        jwt_secret=JWT_SECRET,
        api_key_pepper=PEPPER,
        blob_dir=str(tmp_path / "blobs"),
        log_level="DEBUG",
    )
    async with build(settings, hasher=Argon2PasswordHasher.fast_for_tests()) as built:
        yield built


async def _mailed(hexa: Hexa, marker: str) -> str:
    mailer = hexa.mailer
    assert isinstance(mailer, ConsoleMailer)
    for _ in range(100):
        for mail in reversed(mailer.sent):
            if marker in mail.body:
                return mail.body.split(marker, 1)[1].split()[0]
        await asyncio.sleep(0.01)
    raise AssertionError(f"no mail with {marker!r}")


async def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    answer = await response
    assert answer.status_code == status, answer.text
    return answer.json() if answer.content else {}  # type: ignore[no-any-return]


async def _everything_secret(http: httpx.AsyncClient, hexa: Hexa) -> list[str]:
    """Walks every path that handles a secret; answers the secrets it met."""
    email = {"email": "ana@example.com"}
    registered = await _ok(http.post(f"{AUTH}/register", json=email | {"password": PASSWORD}), 201)
    verification = registered["verification_token"]
    await _ok(http.post(f"{AUTH}/verify", json={"token": verification}))
    wrong = await http.post(f"{AUTH}/login", json=email | {"password": WRONG_PASSWORD})
    assert wrong.status_code == 401
    first = await _ok(http.post(f"{AUTH}/login", json=email | {"password": PASSWORD}))
    await _ok(http.get(f"{AUTH}/me", headers={"Authorization": f"Bearer {first['access_token']}"}))
    refreshed = await _ok(
        http.post(f"{AUTH}/refresh", json={"refresh_token": first["refresh_token"]})
    )
    cookies = list(http.cookies.values())
    http.cookies.clear()

    operator = hexa.tokens.issue("ops", role_scopes(Role.ADMIN), kind="service")
    admin = {"Authorization": f"Bearer {operator}"}
    scopes = ["jobs:read"]
    key = await _ok(
        http.post("/api/admin/api-keys", json={"name": "k", "scopes": scopes}, headers=admin), 201
    )
    parsed = KeyToken.parse(key["token"])
    assert parsed is not None
    unknown_job = "/api/v1/jobs/no-such-job"
    await _ok(http.get(unknown_job, headers={"X-API-Key": key["token"]}), 404)
    await _ok(http.get(unknown_job, headers={"Authorization": f"Bearer {key['token']}"}), 404)
    assert (
        await http.get(unknown_job, headers={"X-API-Key": key["token"] + "x"})
    ).status_code == 401

    await _ok(http.post(f"{AUTH}/forgot-password", json=email), 202)
    reset = await _mailed(hexa, "Your reset token: ")
    await _ok(
        http.post(f"{AUTH}/reset-password", json={"token": reset, "password": NEW_PASSWORD}), 204
    )
    await _ok(http.post(f"{AUTH}/login", json=email | {"password": NEW_PASSWORD}))
    await asyncio.wait_for(hexa.queue.drain(), 10)  # type: ignore[attr-defined]
    return [
        PASSWORD, WRONG_PASSWORD, NEW_PASSWORD, JWT_SECRET, PEPPER, verification, reset,
        first["access_token"], first["refresh_token"], refreshed["access_token"],
        refreshed["refresh_token"], operator, key["token"], parsed.secret, *cookies,
    ]  # fmt: skip


async def test_no_secret_of_identity_or_keys_reaches_a_log_line(graph: Hexa) -> None:
    transport = httpx.ASGITransport(app=create_app(hexa=graph))
    with captured_logs(graph.settings) as logs:
        async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
            secrets = await _everything_secret(http, graph)

    _assert_logged_a_lot_but_no_secret(logs, secrets)
    assert any(e.get("logger") == "hexa.mail" for e in logs.events())  # mails were logged


def _assert_logged_a_lot_but_no_secret(logs: LogCapture, secrets: list[str]) -> None:
    assert len(logs.text.splitlines()) > 20
    # The database driver's DEBUG lines would show the rows written: hashes, digests.
    assert not any(e["logger"] == "aiosqlite" for e in logs.events())
    for secret in secrets:
        assert len(secret) >= 8 and secret not in logs.text, f"logged: {secret[:4]}..."


def test_a_database_password_never_reaches_the_start_up_logs(
    tmp_path: Path, postgres_server: str
) -> None:
    """`hexa serve` at DEBUG over PostgreSQL, with a password in DATABASE_URL (the test
    server trusts the loopback, so it is not checked, only carried); then once more
    against a port where nothing listens."""
    with_password = make_url(postgres_server).set(password=DB_PASSWORD)
    nowhere = with_password.set(port=_free_port())
    env = {
        "ENV": "test", "LOG_LEVEL": "DEBUG", "JWT_SECRET": JWT_SECRET, "API_KEY_PEPPER": PEPPER,
        "DATABASE_URL": with_password.render_as_string(hide_password=False),
    }  # fmt: skip
    port = _free_port()
    with (tmp_path / "serve.log").open("w+") as log:
        server = subprocess.Popen(
            [*HEXA, "serve", "--port", str(port)],
            cwd=tmp_path,
            env=_environment(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_live(server, f"http://127.0.0.1:{port}", log)
            assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        finally:
            server.terminate()
            server.wait(timeout=10)
        log.seek(0)
        served = log.read()
    refused = subprocess.run(
        [*HEXA, "serve", "--port", str(port)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=_environment(**(env | {"DATABASE_URL": nowhere.render_as_string(False)})),
    )

    assert "/healthz" in served and '"level": "debug"' in served
    assert refused.returncode == 1 and "the database failed" in refused.stderr
    for output in (served, refused.stdout + refused.stderr):
        for secret in (DB_PASSWORD, JWT_SECRET, PEPPER):
            assert secret not in output
