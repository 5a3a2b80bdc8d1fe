"""Apps over each real backend for tests that throw many requests at one app: built once
per module (a migrated SQLite file, the session's PostgreSQL, or memory)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from hexa.adapters.mail import ConsoleMailer
from hexa.adapters.security.passwords import Argon2PasswordHasher
from hexa.bootstrap import Hexa, build, migrate
from hexa.config import load_settings
from hexa.drivers.http.app import create_app
from tests.http.conftest import TEST_SECRET, admin_headers

BACKENDS = ("memory", "sqlite", "postgres")


@asynccontextmanager
async def served(
    backend: str, directory: Path, postgres: str | None = None
) -> AsyncIterator[tuple[Hexa, httpx.AsyncClient]]:
    """The graph over `backend` and an admin client of its app, through ASGI."""
    database = {
        "memory": None,
        "sqlite": f"sqlite+aiosqlite:///{directory / 'hexa.db'}",
        "postgres": postgres,
    }[backend]
    settings = load_settings(
        persistence="memory" if database is None else "sql",
        **({"database_url": database} if database else {}),
        blob_dir=str(directory / "blobs"),
        env="test",
        queue_backend="inprocess",
        jwt_secret=TEST_SECRET,
        api_key_pepper=TEST_SECRET,
        max_upload_bytes=2 * 1024 * 1024,
    )
    if database is not None:
        migrate(settings)
    async with build(
        settings, hasher=Argon2PasswordHasher.fast_for_tests(), mailer=ConsoleMailer()
    ) as hexa:
        transport = httpx.ASGITransport(app=create_app(hexa=hexa))
        async with httpx.AsyncClient(
            transport=transport, base_url="https://test", headers=admin_headers(hexa)
        ) as client:
            yield hexa, client
