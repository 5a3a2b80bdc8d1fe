from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from hexa.domain.errors import InvalidTransition, ValidationError
from hexa.domain.identity import new_id
from hexa.domain.inspections import InspectionStatus, Reading
from tests.builders import T0
from tests.inspection_builders import an_inspection

LATER = T0 + timedelta(minutes=5)


def test_a_new_inspection_is_a_draft_at_version_1() -> None:
    inspection = an_inspection()
    assert (inspection.status, inspection.version) == (InspectionStatus.DRAFT, 1)


def test_submitting_moves_a_draft_on_and_bumps_the_version() -> None:
    submitted = an_inspection().submit(now=LATER)
    assert (submitted.status, submitted.version) == (InspectionStatus.SUBMITTED, 2)
    assert submitted.submitted_at == submitted.updated_at == LATER


@pytest.mark.parametrize("passed", [True, False])
def test_a_submitted_inspection_concludes_passed_or_failed(passed: bool) -> None:
    concluded = an_inspection().submit(now=T0).conclude(passed=passed, now=LATER)
    assert concluded.status == ("passed" if passed else "failed")
    assert concluded.version == 3


def test_a_draft_cannot_conclude() -> None:
    with pytest.raises(InvalidTransition):
        an_inspection().conclude(passed=True, now=LATER)


@pytest.mark.parametrize("passed", [True, False])
def test_a_concluded_inspection_is_final(passed: bool) -> None:
    concluded = an_inspection().submit(now=T0).conclude(passed=passed, now=T0)
    with pytest.raises(InvalidTransition):
        concluded.submit(now=LATER)
    with pytest.raises(InvalidTransition):
        concluded.conclude(passed=not passed, now=LATER)


def test_only_drafts_can_be_revised() -> None:
    draft = an_inspection()
    revised = draft.revise(notes="re-measured", now=LATER)
    assert (revised.notes, revised.version, revised.readings) == ("re-measured", 2, draft.readings)
    with pytest.raises(InvalidTransition):
        draft.submit(now=T0).revise(notes="too late", now=LATER)


def test_submitting_twice_is_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransition):
        an_inspection().submit(now=T0).submit(now=LATER)


@pytest.mark.parametrize(
    "build",
    [
        lambda: an_inspection("   "),
        lambda: an_inspection("x" * 501),
        lambda: an_inspection(notes="n" * 10_001),
        lambda: Reading("", 1),
        lambda: Reading("temp", float("nan")),
        lambda: Reading("temp", float("inf")),
        lambda: an_inspection("ok", *[Reading("k", n) for n in range(1001)]),
    ],
    ids=["blank subject", "long subject", "long notes", "blank key", "nan", "inf", "too many"],
)
def test_invalid_inspections_are_refused(build) -> None:
    with pytest.raises(ValidationError):
        build()


def test_ids_are_uuid7_and_sort_by_creation() -> None:
    ids = [new_id() for _ in range(50)]
    assert all(i[14] == "7" for i in ids)
    assert len(set(ids)) == 50
    assert sorted(ids)[0][:8] == ids[0][:8]


def test_ids_made_one_after_another_sort_in_that_order() -> None:
    ids = [new_id() for _ in range(10_000)]
    assert ids == sorted(ids)
    assert all(uuid.UUID(i).version == 7 for i in ids[:10])
