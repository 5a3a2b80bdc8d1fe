"""The InspectionRepository contract, for every backend."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from hexa.domain.errors import Conflict, NotFound, StaleVersion
from hexa.domain.inspections import DraftEdit, InspectionFilter, InspectionStatus, Reading
from tests.builders import T0
from tests.inspection_builders import an_inspection


async def _store(uow, *inspections):
    async with uow() as u:
        for inspection in inspections:
            await u.inspections.add(inspection)
        await u.commit()


async def test_an_added_inspection_reads_back_equal(uow) -> None:
    inspection = an_inspection(
        "line 3",
        Reading("temp", 71.5, "C"),
        Reading("count", 12),
        Reading("sealed", True),
        Reading("label", "ok", None),
        notes="night shift",
        inspector="ana",
    )
    await _store(uow, inspection)
    async with uow() as u:
        assert await u.inspections.get(inspection.id) == inspection


async def test_an_unknown_id_is_not_found(uow) -> None:
    async with uow() as u:
        with pytest.raises(NotFound):
            await u.inspections.get("nope")


async def test_an_id_cannot_be_added_twice(uow) -> None:
    inspection = an_inspection()
    await _store(uow, inspection)
    with pytest.raises(Conflict):
        await _store(uow, inspection)


async def test_an_update_with_the_current_version_replaces(uow, clock) -> None:
    inspection = an_inspection()
    await _store(uow, inspection)
    submitted = inspection.submit(now=clock.now())
    async with uow() as u:
        await u.inspections.update(submitted, expected_version=inspection.version)
        await u.commit()
    async with uow() as u:
        stored = await u.inspections.get(inspection.id)
    assert stored == submitted
    assert (stored.status, stored.version, stored.submitted_at) == ("submitted", 2, clock.now())


async def test_stale_version_is_rejected(uow, clock) -> None:
    inspection = an_inspection()
    await _store(uow, inspection)
    async with uow() as u:
        await u.inspections.update(
            inspection.revise(notes="first", now=clock.now()), expected_version=1
        )
        await u.commit()
    with pytest.raises(StaleVersion):
        async with uow() as u:
            await u.inspections.update(
                inspection.revise(notes="late", now=clock.now()), expected_version=1
            )
            await u.commit()
    async with uow() as u:
        assert (await u.inspections.get(inspection.id)).notes == "first"


async def test_the_later_of_two_overlapping_writers_is_stale(uow, clock) -> None:
    inspection = an_inspection()
    await _store(uow, inspection)
    async with uow() as first:
        await first.inspections.get(inspection.id)
        await first.inspections.update(
            inspection.revise(notes="a", now=clock.now()), expected_version=1
        )
        await first.commit()
        with pytest.raises(StaleVersion):
            async with uow() as second:
                await second.inspections.update(
                    inspection.revise(notes="b", now=clock.now()), expected_version=1
                )
                await second.commit()


async def test_updating_a_missing_inspection_is_not_found(uow) -> None:
    with pytest.raises(NotFound):
        async with uow() as u:
            await u.inspections.update(an_inspection(), expected_version=1)
            await u.commit()


async def test_a_deleted_inspection_is_gone(uow) -> None:
    inspection = an_inspection()
    await _store(uow, inspection)
    async with uow() as u:
        await u.inspections.delete(inspection.id)
        await u.commit()
    async with uow() as u:
        with pytest.raises(NotFound):
            await u.inspections.get(inspection.id)
        with pytest.raises(NotFound):
            await u.inspections.delete(inspection.id)


async def test_delete_with_a_stale_version_is_rejected(uow) -> None:
    inspection = an_inspection()
    await _store(uow, inspection)
    with pytest.raises(StaleVersion):
        async with uow() as u:
            await u.inspections.delete(inspection.id, expected_version=7)
            await u.commit()
    async with uow() as u:
        assert await u.inspections.get(inspection.id) == inspection


async def test_pages_follow_id_order_without_gaps_or_repeats(uow) -> None:
    inspections = [an_inspection(f"subject {n}") for n in range(7)]
    await _store(uow, *reversed(inspections))
    seen, after = [], None
    async with uow() as u:
        while page := await u.inspections.page(limit=3, after=after):
            seen.extend(page)
            after = page[-1].id
    assert [i.id for i in seen] == sorted(i.id for i in inspections)


async def test_pages_filter_by_status(uow, clock) -> None:
    draft, other = an_inspection("a"), an_inspection("b")
    await _store(uow, draft, other)
    async with uow() as u:
        await u.inspections.update(other.submit(now=clock.now()), expected_version=1)
        await u.commit()
    async with uow() as u:
        drafts = await u.inspections.page(limit=10, where=_only(InspectionStatus.DRAFT))
        submitted = await u.inspections.page(limit=10, where=_only(InspectionStatus.SUBMITTED))
    assert [i.id for i in drafts] == [draft.id]
    assert [i.id for i in submitted] == [other.id]


def _only(status: InspectionStatus) -> InspectionFilter:
    return InspectionFilter(status=status)


@pytest.mark.parametrize(
    ("where", "kept"),
    [
        (InspectionFilter(subject_contains="PUMP"), ["Pump 3", "old pump 4"]),
        (InspectionFilter(subject_contains="p 3"), ["Pump 3"]),
        (InspectionFilter(subject_contains="100%_"), ["valve 100%_ok"]),
        (InspectionFilter(subject_contains="100%x"), []),
        (
            InspectionFilter(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3)),
            ["old pump 4", "valve 100%_ok"],
        ),
        (InspectionFilter(until=T0 + timedelta(hours=1)), ["Pump 3"]),
        (
            InspectionFilter(
                subject_contains="pump",
                since=T0 + timedelta(hours=1),
                until=T0 + timedelta(hours=2),
            ),
            ["old pump 4"],
        ),
        (InspectionFilter(status=InspectionStatus.PASSED, subject_contains="pump"), []),
        (InspectionFilter(subject_contains="Élan"), ["Élan 5"]),
        (InspectionFilter(subject_contains="a/b"), ["a/b 6"]),
    ],
)
async def test_pages_filter_by_subject_and_creation_time(uow, where, kept) -> None:
    await _store(
        uow,
        an_inspection("Pump 3", now=T0),
        an_inspection("old pump 4", now=T0 + timedelta(hours=1)),
        an_inspection("valve 100%_ok", now=T0 + timedelta(hours=2)),
        an_inspection("Élan 5", now=T0 + timedelta(hours=3)),
        an_inspection("a/b 6", now=T0 + timedelta(hours=4)),
    )
    async with uow() as u:
        found = await u.inspections.page(limit=10, where=where)
    assert [i.subject for i in found] == kept


async def test_writes_are_invisible_to_others_until_commit(uow) -> None:
    inspection = an_inspection()
    async with uow() as writer:
        await writer.inspections.add(inspection)
        assert await writer.inspections.get(inspection.id) == inspection
        assert [i.id for i in await writer.inspections.page(limit=5)] == [inspection.id]
        await writer.commit()
    async with uow() as reader:
        assert await reader.inspections.get(inspection.id) == inspection


async def test_leaving_without_commit_keeps_nothing(uow) -> None:
    inspection = an_inspection()
    async with uow() as u:
        await u.inspections.add(inspection)
    async with uow() as u:
        with pytest.raises(NotFound):
            await u.inspections.get(inspection.id)


async def test_an_error_inside_the_unit_rolls_back(uow) -> None:
    inspection = an_inspection()
    with pytest.raises(RuntimeError):
        async with uow() as u:
            await u.inspections.add(inspection)
            raise RuntimeError("boom")
    async with uow() as u:
        assert await u.inspections.page(limit=5) == []


async def test_timestamps_come_back_aware_and_utc(uow) -> None:
    inspection = dataclasses.replace(an_inspection(), created_at=T0, updated_at=T0)
    await _store(uow, inspection)
    async with uow() as u:
        stored = await u.inspections.get(inspection.id)
    assert stored.created_at == T0 and stored.created_at.utcoffset() is not None


async def test_a_draft_edit_writes_what_it_gives_and_keeps_the_rest(uow, clock) -> None:
    inspection = an_inspection("line 3", Reading("temp", 71.5, "C"), notes="n", inspector="ana")
    await _store(uow, inspection)
    later = clock.now() + timedelta(minutes=5)
    edit = DraftEdit(notes="night shift", readings=(Reading("temp", 80, "C"), Reading("ok", True)))

    async with uow() as u:
        revised = await u.inspections.revise_draft(
            inspection.id, edit, expected_version=1, now=later
        )
        await u.commit()

    expected = inspection.edited(edit, now=later)
    assert revised == expected
    assert (expected.version, expected.subject, expected.inspector) == (2, "line 3", "ana")
    async with uow() as u:
        assert await u.inspections.get(inspection.id) == expected


@pytest.mark.parametrize("why", ["missing", "stale", "submitted"])
async def test_a_draft_edit_that_does_not_apply_writes_nothing(uow, clock, why) -> None:
    inspection = an_inspection(notes="kept")
    await _store(uow, inspection)
    if why == "submitted":
        async with uow() as u:
            await u.inspections.update(inspection.submit(now=clock.now()), expected_version=1)
            await u.commit()
    target = "no-such-id" if why == "missing" else inspection.id
    version = 7 if why == "stale" else 2 if why == "submitted" else 1

    async with uow() as u:
        revised = await u.inspections.revise_draft(
            target, DraftEdit(notes="lost"), expected_version=version, now=clock.now()
        )
        await u.commit()

    assert revised is None
    async with uow() as u:
        assert (await u.inspections.get(inspection.id)).notes == "kept"


async def test_a_draft_edit_rolled_back_leaves_the_draft(uow, clock) -> None:
    inspection = an_inspection(notes="kept")
    await _store(uow, inspection)

    async with uow() as u:
        assert await u.inspections.revise_draft(
            inspection.id, DraftEdit(subject="other"), expected_version=1, now=clock.now()
        )

    async with uow() as u:
        stored = await u.inspections.get(inspection.id)
    assert (stored.subject, stored.version) == (inspection.subject, 1)
