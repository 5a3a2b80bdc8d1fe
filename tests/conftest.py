"""Session-wide servers, shared by the contract and integration suites."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import mongo_uri, postgres_url, redis_server_url


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A migrated PostgreSQL database URL for the whole session."""
    from hexa.adapters.sql.migrations import upgrade

    with postgres_url() as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with redis_server_url() as url:
        yield url


@pytest.fixture(scope="session")
def mongo_server() -> Iterator[str]:
    with mongo_uri() as uri:
        yield uri
