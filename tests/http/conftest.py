"""An app over the in-memory stores and the in-process queue, driven through ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from hexa.adapters.mail import ConsoleMailer
from hexa.adapters.security.passwords import Argon2PasswordHasher
from hexa.bootstrap import Hexa, build
from hexa.config import Settings, load_settings
from hexa.domain.access import Role, role_scopes
from hexa.drivers.http.app import create_app

TEST_SECRET = "x" * 40


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        persistence="memory",
        blob_dir=str(tmp_path / "blobs"),
        max_upload_bytes=64 * 1024,
        env="test",
        queue_backend="inprocess",
        jwt_secret=TEST_SECRET,
        api_key_pepper=TEST_SECRET,
    )


def admin_headers(hexa: Hexa) -> dict[str, str]:
    """An operator token with every scope, as `hexa token ops --role admin` prints."""
    token = hexa.tokens.issue("ops", role_scopes(Role.ADMIN), kind="service")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def hexa(settings: Settings) -> AsyncIterator[Hexa]:
    async with build(
        settings, hasher=Argon2PasswordHasher.fast_for_tests(), mailer=ConsoleMailer()
    ) as built:
        yield built


@pytest.fixture
def app(hexa: Hexa) -> FastAPI:
    return create_app(hexa=hexa)


@pytest.fixture
async def client(app: FastAPI, hexa: Hexa) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in as an admin operator."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=admin_headers(hexa)
    ) as http:
        yield http


@pytest.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client with no credentials (it keeps the cookies an answer sets). https, so it
    sends back the Secure cookies that ENV=test sets."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
        yield http
