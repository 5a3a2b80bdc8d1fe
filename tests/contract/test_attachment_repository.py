"""The AttachmentRepository contract, for every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hexa.domain.attachments import AttachmentStatus
from hexa.domain.errors import Conflict, NotFound, StaleVersion
from tests.builders import T0
from tests.inspection_builders import an_attachment


async def _store(uow, *attachments):
    async with uow() as u:
        for attachment in attachments:
            await u.attachments.add(attachment)
        await u.commit()


async def test_an_added_attachment_reads_back_equal(uow) -> None:
    attachment = an_attachment(filename="résumé ✓.pdf", content_type="application/pdf")
    await _store(uow, attachment)
    async with uow(read_only=True) as u:
        assert await u.attachments.get(attachment.id) == attachment


async def test_an_unknown_id_is_not_found_and_an_id_is_added_once(uow) -> None:
    attachment = an_attachment()
    await _store(uow, attachment)
    with pytest.raises(Conflict):
        await _store(uow, attachment)
    async with uow(read_only=True) as u:
        with pytest.raises(NotFound):
            await u.attachments.get("nope")


async def test_stored_replaces_the_pending_record_once(uow) -> None:
    attachment = an_attachment(size=10)
    await _store(uow, attachment)
    stored = attachment.stored(size=10, content_type="image/png", now=T0 + timedelta(seconds=5))
    async with uow() as u:
        await u.attachments.update(stored, expected_version=attachment.version)
        await u.commit()
    with pytest.raises(StaleVersion):
        async with uow() as u:
            await u.attachments.update(stored, expected_version=attachment.version)
            await u.commit()
    async with uow(read_only=True) as u:
        found = await u.attachments.get(attachment.id)
    assert found.status is AttachmentStatus.STORED and found.stored_at == stored.stored_at


async def test_an_inspection_lists_its_own_attachments_in_id_order(uow) -> None:
    mine = [an_attachment("i-mine") for _ in range(3)]
    await _store(uow, *reversed(mine), an_attachment("i-other"))
    async with uow(read_only=True) as u:
        listed = await u.attachments.of_inspection("i-mine")
        assert await u.attachments.of_inspection("i-none") == []
    assert [a.id for a in listed] == sorted(a.id for a in mine)


async def test_a_unit_sees_its_own_staged_attachments(uow) -> None:
    async with uow() as u:
        staged = an_attachment("i-staged")
        await u.attachments.add(staged)
        assert [a.id for a in await u.attachments.of_inspection("i-staged")] == [staged.id]
        await u.attachments.delete(staged.id)
        assert await u.attachments.of_inspection("i-staged") == []


async def test_pending_before_finds_old_pending_ones_oldest_first(uow) -> None:
    old = an_attachment(now=T0 - timedelta(days=3))
    older = an_attachment(now=T0 - timedelta(days=4))
    fresh = an_attachment(now=T0)
    done = an_attachment(size=5, now=T0 - timedelta(days=5))
    await _store(uow, old, older, fresh, done)
    async with uow() as u:
        completed = done.stored(size=5, content_type=None, now=T0)
        await u.attachments.update(completed, expected_version=done.version)
        await u.commit()
    async with uow(read_only=True) as u:
        found = await u.attachments.pending_before(T0 - timedelta(days=1), limit=10)
        first = await u.attachments.pending_before(T0 - timedelta(days=1), limit=1)
    assert [a.id for a in found] == [older.id, old.id]
    assert [a.id for a in first] == [older.id]


async def test_a_deleted_attachment_is_gone_and_a_stale_delete_is_refused(uow) -> None:
    attachment = an_attachment()
    await _store(uow, attachment)
    with pytest.raises(StaleVersion):
        async with uow() as u:
            await u.attachments.delete(attachment.id, expected_version=attachment.version + 1)
            await u.commit()
    async with uow() as u:
        await u.attachments.delete(attachment.id, expected_version=attachment.version)
        await u.commit()
    async with uow(read_only=True) as u:
        with pytest.raises(NotFound):
            await u.attachments.get(attachment.id)
