"""Housekeeping over the in-memory adapters: what a purge deletes, keeps and records."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from hexa.adapters.clock import FrozenClock
from hexa.adapters.local_blobs import LocalBlobStore
from hexa.adapters.memory.database import MemoryDatabase
from hexa.adapters.memory.jobs import MemoryProgressStore
from hexa.adapters.unit_of_work import PORTS, BackendUnitOfWork, unit_of_work_factory
from hexa.domain.api_keys import ApiKey
from hexa.domain.errors import NotFound
from hexa.domain.sessions import Session
from hexa.services.housekeeping import Housekeeping
from tests.builders import T0, a_session, an_api_key

NOW = T0 + timedelta(days=60)


@pytest.fixture
def uow() -> Callable[[], BackendUnitOfWork]:
    return unit_of_work_factory({"memory": MemoryDatabase()}, dict.fromkeys(PORTS, "memory"))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path)


def ending(session: Session, at: timedelta) -> Session:
    return dataclasses.replace(session, expires_at=NOW + at)


async def _store(uow, sessions: list[Session], keys: list[ApiKey]) -> None:
    async with uow() as u:
        for session in sessions:
            await u.sessions.add(session)
        for key in keys:
            await u.api_keys.add(key)
        await u.commit()


async def test_a_purge_deletes_ended_sessions_and_long_ended_keys_only(uow, clock, blobs) -> None:
    live = ending(a_session("u1", "live"), timedelta(hours=1))
    expired = ending(a_session("u1", "expired"), -timedelta(hours=1))
    revoked_and_expired = ending(a_session("u2", "gone"), -timedelta(days=1)).revoked(
        "signed out", now=NOW - timedelta(days=2)
    )
    revoked_but_unexpired = ending(a_session("u2", "kept"), timedelta(days=1)).revoked(
        "signed out", now=NOW
    )
    working = an_api_key("working", expires_at=NOW + timedelta(days=1))
    lately_expired = an_api_key("lately expired", expires_at=NOW - timedelta(days=29))
    long_expired = an_api_key("long expired", expires_at=NOW - timedelta(days=31))
    lately_revoked = an_api_key("lately revoked").revoke(now=NOW - timedelta(days=1))
    long_revoked = an_api_key("long revoked").revoke(now=NOW - timedelta(days=40))
    await _store(
        uow,
        [live, expired, revoked_and_expired, revoked_but_unexpired],
        [working, lately_expired, long_expired, lately_revoked, long_revoked],
    )

    purged = await Housekeeping(
        uow, clock, blobs, MemoryProgressStore(), key_retention=timedelta(days=30)
    ).purge_identity()

    assert purged == {"sessions": 2, "api_keys": 2}
    async with uow() as u:
        kept = [await u.sessions.get(s.id) for s in (live, revoked_but_unexpired)]
        assert kept == [live, revoked_but_unexpired]
        for gone in (expired, revoked_and_expired):
            with pytest.raises(NotFound):
                await u.sessions.get(gone.id)
        keys = {k.kid for k in await u.api_keys.page(limit=100)}
        assert keys == {working.kid, lately_expired.kid, lately_revoked.kid}
        [entry] = await u.audit.page(limit=10)
    assert (entry.actor, entry.action, entry.at) == ("system", "identity.purged", NOW)
    assert entry.detail == {"sessions": 2, "api_keys": 2}


async def test_retained_keys_go_once_their_retention_has_passed(uow, clock, blobs) -> None:
    revoked = an_api_key().revoke(now=NOW - timedelta(days=1))
    await _store(uow, [], [revoked])
    housekeeping = Housekeeping(
        uow, clock, blobs, MemoryProgressStore(), key_retention=timedelta(days=7)
    )

    assert await housekeeping.purge_identity() == {"sessions": 0, "api_keys": 0}
    clock.advance(timedelta(days=5, hours=23))
    assert await housekeeping.purge_identity() == {"sessions": 0, "api_keys": 0}
    clock.advance(timedelta(hours=2))
    assert await housekeeping.purge_identity() == {"sessions": 0, "api_keys": 1}
    async with uow() as u:
        assert await u.api_keys.find(revoked.kid) is None


async def test_a_purge_that_deletes_nothing_leaves_no_audit_entry(uow, clock, blobs) -> None:
    await _store(uow, [ending(a_session(), timedelta(minutes=5))], [an_api_key()])

    assert await Housekeeping(uow, clock, blobs, MemoryProgressStore()).purge() == {
        "sessions": 0, "api_keys": 0, "jobs": 0, "job_minutes": 0, "partial_blobs": 0
    }  # fmt: skip
    async with uow() as u:
        assert await u.audit.page(limit=10) == []
        assert len(await u.sessions.of_user("u1")) == 1
        assert len(await u.api_keys.page(limit=10)) == 1


async def test_a_negative_key_retention_is_refused(uow, clock, blobs) -> None:
    with pytest.raises(ValueError, match="negative"):
        Housekeeping(uow, clock, blobs, MemoryProgressStore(), key_retention=-timedelta(seconds=1))


def _listed(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


async def _bytes(data: bytes):  # type: ignore[no-untyped-def]
    yield data
