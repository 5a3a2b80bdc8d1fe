"""An app over the in-memory stores and the in-process queue, driven through ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from hexa.bootstrap import Hexa, build
from hexa.config import Settings, load_settings
from hexa.drivers.http.app import create_app

TEST_SECRET = "x" * 40


@pytest.fixture
def settings() -> Settings:
    return load_settings(
        persistence="memory", env="test", queue_backend="inprocess", jwt_secret=TEST_SECRET
    )


@pytest.fixture
async def hexa(settings: Settings) -> AsyncIterator[Hexa]:
    async with build(settings) as built:
        yield built


@pytest.fixture
def app(hexa: Hexa) -> FastAPI:
    return create_app(hexa=hexa)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
