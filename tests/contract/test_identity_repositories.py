"""The contracts of the identity ports (users, API keys, sessions, audit log), for every
backend."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from hexa.domain.access import Role
from hexa.domain.errors import Conflict, NotFound, StaleVersion
from hexa.domain.sessions import token_hash
from tests.builders import T0, a_session, a_user, an_api_key, an_audit_entry


async def _commit(uow, port: str, *entities) -> None:
    async with uow() as u:
        for entity in entities:
            await getattr(u, port).add(entity)
        await u.commit()


async def test_a_user_reads_back_by_id_and_email(uow) -> None:
    user = a_user("ana@example.com", role=Role.INSPECTOR)
    await _commit(uow, "users", user)
    async with uow() as u:
        assert await u.users.get(user.id) == user
        assert await u.users.by_email("ana@example.com") == user
        assert await u.users.by_email("who@example.com") is None


async def test_emails_are_unique(uow) -> None:
    await _commit(uow, "users", a_user("ana@example.com"))
    with pytest.raises(Conflict):
        await _commit(uow, "users", a_user("ana@example.com"))


async def test_a_stale_user_update_is_rejected(uow) -> None:
    user = a_user()
    await _commit(uow, "users", user)
    async with uow() as u:
        await u.users.update(user.verify(now=T0), expected_version=1)
        await u.commit()
    with pytest.raises(StaleVersion):
        async with uow() as u:
            await u.users.update(user.disable(now=T0), expected_version=1)
            await u.commit()
    async with uow() as u:
        stored = await u.users.get(user.id)
    assert stored.verified and stored.active


async def test_users_page_in_id_order(uow) -> None:
    users = [a_user(f"u{n}@example.com") for n in range(5)]
    await _commit(uow, "users", *reversed(users))
    async with uow() as u:
        first = await u.users.page(limit=2)
        rest = await u.users.page(limit=10, after=first[-1].id)
    assert [x.id for x in first + rest] == [x.id for x in users]


async def test_an_api_key_reads_back_and_unknown_kids_are_none(keys_uow) -> None:
    key = an_api_key(expires_at=T0 + timedelta(days=30))
    await _commit(keys_uow, "api_keys", key)
    async with keys_uow() as u:
        assert await u.api_keys.get(key.kid) == key
        assert await u.api_keys.find(key.kid) == key
        assert await u.api_keys.find("nope") is None
        with pytest.raises(NotFound):
            await u.api_keys.get("nope")


async def test_a_revoked_and_rotated_key_reads_back(keys_uow) -> None:
    key = an_api_key()
    await _commit(keys_uow, "api_keys", key)
    rotated = key.rotate("f" * 64, grace=timedelta(hours=1), now=T0)
    revoked = rotated.revoke(now=T0 + timedelta(minutes=5))
    async with keys_uow() as u:
        await u.api_keys.update(rotated, expected_version=1)
        await u.api_keys.update(revoked, expected_version=2)
        await u.commit()
    async with keys_uow() as u:
        assert await u.api_keys.get(key.kid) == revoked
    with pytest.raises(StaleVersion):
        async with keys_uow() as u:
            await u.api_keys.update(key.used(now=T0), expected_version=1)
            await u.commit()


async def test_a_kid_cannot_be_added_twice(keys_uow) -> None:
    key = an_api_key()
    await _commit(keys_uow, "api_keys", key)
    with pytest.raises(Conflict):
        await _commit(keys_uow, "api_keys", dataclasses.replace(key, name="again"))


async def test_a_session_is_found_by_its_current_and_spent_tokens(uow) -> None:
    session = a_session("u1", "first")
    await _commit(uow, "sessions", session)
    rotated = session.rotated(token_hash("second"), lifetime=timedelta(days=1), now=T0)
    async with uow() as u:
        await u.sessions.update(rotated, expected_version=1)
        await u.commit()
    async with uow() as u:
        assert await u.sessions.by_token_hash(token_hash("second")) == rotated
        assert await u.sessions.by_token_hash(token_hash("first")) == rotated
        assert await u.sessions.by_token_hash(token_hash("never")) is None
        assert await u.sessions.get(session.id) == rotated


async def test_racing_refreshes_leave_one_winner(uow) -> None:
    session = a_session()
    await _commit(uow, "sessions", session)
    async with uow() as u:
        await u.sessions.update(
            session.rotated(token_hash("a"), lifetime=timedelta(days=1), now=T0), expected_version=1
        )
        await u.commit()
    with pytest.raises(StaleVersion):
        async with uow() as u:
            await u.sessions.update(
                session.rotated(token_hash("b"), lifetime=timedelta(days=1), now=T0),
                expected_version=1,
            )
            await u.commit()


async def test_of_user_lists_live_sessions_only(uow) -> None:
    live, ended, other = a_session("u1", "a"), a_session("u1", "b"), a_session("u2", "c")
    await _commit(uow, "sessions", live, ended, other)
    async with uow() as u:
        await u.sessions.update(ended.revoked("signed out", now=T0), expected_version=1)
        await u.commit()
    async with uow() as u:
        assert [s.id for s in await u.sessions.of_user("u1")] == [live.id]


async def test_sessions_whose_lifetime_ended_are_purged_revoked_or_not(uow) -> None:
    live = a_session("u1", "live")
    expired = dataclasses.replace(a_session("u1", "expired"), expires_at=T0 - timedelta(hours=1))
    ended = dataclasses.replace(a_session("u2", "ended"), expires_at=T0 - timedelta(seconds=1))
    ended = ended.revoked("signed out", now=T0 - timedelta(hours=2))
    revoked = a_session("u2", "revoked").revoked("signed out", now=T0)
    at_the_edge = dataclasses.replace(a_session("u3", "edge"), expires_at=T0)
    await _commit(uow, "sessions", live, expired, ended, revoked, at_the_edge)
    async with uow() as u:
        assert await u.sessions.purge_expired(before=T0) == 2
        await u.commit()
    async with uow() as u:
        for gone in (expired, ended):
            with pytest.raises(NotFound):
                await u.sessions.get(gone.id)
        assert await u.sessions.by_token_hash(token_hash("expired")) is None
        assert await u.sessions.by_token_hash(token_hash("ended")) is None
        assert [await u.sessions.get(s.id) for s in (live, revoked, at_the_edge)] == [
            live,
            revoked,
            at_the_edge,
        ]
        assert await u.sessions.purge_expired(before=T0) == 0


async def test_a_purged_session_takes_its_refresh_tokens_along(uow) -> None:
    session = a_session("u1", "first")
    rotated = session.rotated(token_hash("second"), lifetime=timedelta(hours=1), now=T0)
    await _commit(uow, "sessions", session)
    async with uow() as u:
        await u.sessions.update(rotated, expected_version=1)
        await u.commit()
    async with uow() as u:
        assert await u.sessions.purge_expired(before=T0 + timedelta(days=2)) == 1
        await u.commit()
    # Hashes never repeat in practice; a stale token row would make this one clash.
    successor = a_session("u1", "second")
    await _commit(uow, "sessions", successor)
    async with uow() as u:
        assert await u.sessions.by_token_hash(token_hash("second")) == successor
        assert await u.sessions.by_token_hash(token_hash("first")) is None


async def test_a_session_purge_lasts_only_if_its_unit_commits(uow) -> None:
    expired = dataclasses.replace(a_session(), expires_at=T0 - timedelta(days=1))
    await _commit(uow, "sessions", expired)
    async with uow() as u:
        assert await u.sessions.purge_expired(before=T0) == 1
        with pytest.raises(NotFound):
            await u.sessions.get(expired.id)
    async with uow() as u:
        assert await u.sessions.get(expired.id) == expired


async def test_keys_expired_or_revoked_before_the_cutoff_are_purged(keys_uow) -> None:
    live = an_api_key("live", expires_at=T0 + timedelta(days=30))
    forever = an_api_key("forever")
    # The purged kids sort first: left behind in an index, they would cut a page short.
    expired = dataclasses.replace(
        an_api_key("expired", expires_at=T0 - timedelta(days=1)), kid="0" * 16
    )
    revoked = dataclasses.replace(
        an_api_key("revoked", expires_at=T0 + timedelta(days=30)), kid="0" * 15 + "1"
    ).revoke(now=T0 - timedelta(minutes=1))
    revoked_at_the_cutoff = an_api_key("revoked now").revoke(now=T0)
    expiring_at_the_cutoff = an_api_key("expiring now", expires_at=T0)
    kept = [live, forever, revoked_at_the_cutoff, expiring_at_the_cutoff]
    await _commit(keys_uow, "api_keys", *kept, expired, revoked)
    async with keys_uow() as u:
        assert await u.api_keys.purge_expired(before=T0) == 2
        await u.commit()
    async with keys_uow() as u:
        assert await u.api_keys.find(expired.kid) is None
        assert await u.api_keys.find(revoked.kid) is None
        assert await u.api_keys.page(limit=len(kept)) == sorted(kept, key=lambda k: k.kid)
        assert await u.api_keys.purge_expired(before=T0) == 0


async def test_a_key_purge_lasts_only_if_its_unit_commits(keys_uow) -> None:
    revoked = an_api_key().revoke(now=T0 - timedelta(days=1))
    await _commit(keys_uow, "api_keys", revoked)
    async with keys_uow() as u:
        assert await u.api_keys.purge_expired(before=T0) == 1
        assert await u.api_keys.find(revoked.kid) is None
    async with keys_uow() as u:
        assert await u.api_keys.get(revoked.kid) == revoked


async def test_the_audit_log_pages_newest_first(uow) -> None:
    entries = [an_audit_entry(f"action.{n}", n=n) for n in range(5)]
    async with uow() as u:
        for entry in entries:
            await u.audit.append(entry)
        await u.commit()
    async with uow() as u:
        first = await u.audit.page(limit=2)
        rest = await u.audit.page(limit=10, before=first[-1].id)
    assert first + rest == list(reversed(entries))


async def test_the_audit_log_filters_by_action_and_actor_while_paging(uow) -> None:
    entries = [
        dataclasses.replace(an_audit_entry(action), actor=actor)
        for action, actor in [
            ("user.disabled", "user:a"),
            ("user.enabled", "user:a"),
            ("user.disabled", "user:b"),
            ("user.disabled", "user:a"),
            ("user.disabled", "user:a"),
        ]
    ]
    async with uow() as u:
        for entry in entries[:3]:
            await u.audit.append(entry)
        await u.commit()
    async with uow() as u:
        for entry in entries[3:]:
            await u.audit.append(entry)  # staged: a filter sees its own unit's entries too
        first = await u.audit.page(limit=2, action="user.disabled", actor="user:a")
        rest = await u.audit.page(
            limit=10, before=first[-1].id, action="user.disabled", actor="user:a"
        )
        by_b = await u.audit.page(limit=10, actor="user:b")
        enabled = await u.audit.page(limit=10, action="user.enabled")
        nothing = await u.audit.page(limit=10, action="user.disabled", actor="user:c")
    assert first + rest == [entries[4], entries[3], entries[0]]
    assert by_b == [entries[2]]
    assert enabled == [entries[1]]
    assert nothing == []


async def test_audit_entries_last_only_with_their_unit(uow) -> None:
    with pytest.raises(RuntimeError):
        async with uow() as u:
            await u.users.add(a_user())
            await u.audit.append(an_audit_entry("user.registered"))
            raise RuntimeError("the change failed")
    async with uow() as u:
        assert await u.audit.page(limit=5) == []
        assert await u.users.page(limit=5) == []
