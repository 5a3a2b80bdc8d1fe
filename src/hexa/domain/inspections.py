"""Inspections: a quality check of one subject, its readings and its lifecycle.

An inspection is edited while `draft`, handed in for validation (`submitted`), and
concluded by the validation verdict (`passed` or `failed`). Every change makes a new
frozen value with the next `version`, which repositories use for optimistic concurrency.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from hexa.domain.access import Role, Scope
from hexa.domain.errors import InvalidTransition, ValidationError
from hexa.domain.text import check_text, flaw

ReadingValue = str | int | float | bool

# Who may read and record inspections, besides an admin.
INSPECTIONS_READ = Scope("inspections:read")
INSPECTIONS_WRITE = Scope("inspections:write")
SCOPES = {
    INSPECTIONS_READ: (Role.INSPECTOR, Role.VIEWER),
    INSPECTIONS_WRITE: (Role.INSPECTOR,),
}
MAX_READINGS = 1000
MAX_TEXT = 10_000


class InspectionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PASSED = "passed"
    FAILED = "failed"


_NEXT: dict[InspectionStatus, frozenset[InspectionStatus]] = {
    InspectionStatus.DRAFT: frozenset({InspectionStatus.SUBMITTED}),
    InspectionStatus.SUBMITTED: frozenset({InspectionStatus.PASSED, InspectionStatus.FAILED}),
    InspectionStatus.PASSED: frozenset(),
    InspectionStatus.FAILED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class InspectionFilter:
    """Which inspections a list keeps: each given criterion must hold. `subject_contains`
    ignores case (of ASCII letters on every store); `since` and `until` bound the
    creation time (`since` included, `until` not)."""

    status: InspectionStatus | None = None
    subject_contains: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def keeps(self, inspection: Inspection) -> bool:
        if self.status is not None and inspection.status is not self.status:
            return False
        if self.since is not None and inspection.created_at < self.since:
            return False
        if self.until is not None and inspection.created_at >= self.until:
            return False
        text = self.subject_contains
        return text is None or text.lower() in inspection.subject.lower()


@dataclass(frozen=True, slots=True)
class Reading:
    key: str
    value: ReadingValue
    unit: str | None = None

    def __post_init__(self) -> None:
        # A packet builds one Reading per row: the checks are inlined, each text checked
        # by one call of `flaw` (plain ASCII, the usual case, costs it next to nothing).
        key, value, unit = self.key, self.value, self.unit
        if not key or len(key) > 200:
            raise ValidationError("a reading key must have 1 to 200 characters")
        if why := flaw(key):
            raise ValidationError(f"a reading key {why}")
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise ValidationError(f"reading {key!r}: the value exceeds {MAX_TEXT} characters")
            if why := flaw(value):
                raise ValidationError(f"reading {key!r}: the value {why}")
        elif isinstance(value, int):
            if not -(2**63) <= value < 2**63:
                raise ValidationError(f"reading {key!r}: the value is beyond 64 bits")
        elif isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(f"reading {key!r}: the value must be a finite number")
        if unit is not None and (why := flaw(unit)):
            raise ValidationError(f"reading {key!r}: the unit {why}")


def _check_fields(
    subject: str | None,
    readings: tuple[Reading, ...] | None,
    notes: str | None,
    inspector: str | None,
) -> None:
    """The rules of an inspection's editable fields, each on its own (None: not given)."""
    if subject is not None:
        if not subject.strip() or len(subject) > 500:
            raise ValidationError("the subject must have 1 to 500 characters")
        check_text("the subject", subject)
    if readings is not None and len(readings) > MAX_READINGS:
        raise ValidationError(f"an inspection holds at most {MAX_READINGS} readings")
    if notes is not None:
        if len(notes) > MAX_TEXT:
            raise ValidationError(f"notes exceed {MAX_TEXT} characters")
        check_text("the notes", notes)
    if inspector is not None:
        check_text("the inspector", inspector)


@dataclass(frozen=True, slots=True)
class DraftEdit:
    """What a revision of a draft replaces; None keeps what is stored. Each field is held
    to the inspection's own rules here, and none depends on another or on what is stored:
    so a store can apply an edit in the one write that also checks the version and that
    the inspection is still a draft, without reading it first."""

    subject: str | None = None
    readings: tuple[Reading, ...] | None = None
    notes: str | None = None
    inspector: str | None = None

    def __post_init__(self) -> None:
        _check_fields(self.subject, self.readings, self.notes, self.inspector)

    def changes(self) -> dict[str, str | tuple[Reading, ...]]:
        """The fields given, by name."""
        given = {
            "subject": self.subject,
            "readings": self.readings,
            "notes": self.notes,
            "inspector": self.inspector,
        }
        return {name: value for name, value in given.items() if value is not None}


@dataclass(frozen=True, slots=True)
class Inspection:
    id: str
    subject: str
    inspector: str | None
    readings: tuple[Reading, ...]
    notes: str
    status: InspectionStatus
    version: int
    created_at: datetime
    updated_at: datetime
    _: dataclasses.KW_ONLY
    submitted_at: datetime | None = field(default=None)

    def __post_init__(self) -> None:
        _check_fields(self.subject, self.readings, self.notes, self.inspector)

    @classmethod
    def draft(
        cls,
        *,
        id: str,
        subject: str,
        readings: Iterable[Reading] = (),
        notes: str = "",
        inspector: str | None = None,
        now: datetime,
    ) -> Inspection:
        return cls(
            id=id,
            subject=subject,
            inspector=inspector,
            readings=tuple(readings),
            notes=notes,
            status=InspectionStatus.DRAFT,
            version=1,
            created_at=now,
            updated_at=now,
        )

    def readings_for(self, key: str) -> tuple[Reading, ...]:
        return tuple(r for r in self.readings if r.key == key)

    def revise(
        self,
        *,
        now: datetime,
        subject: str | None = None,
        readings: Iterable[Reading] | None = None,
        notes: str | None = None,
        inspector: str | None = None,
    ) -> Inspection:
        """Edits are for drafts only: a submitted inspection is what the verdict judged."""
        if self.status is not InspectionStatus.DRAFT:
            raise InvalidTransition(f"inspection {self.id} is {self.status}; only drafts change")
        return self._next(
            now,
            subject=self.subject if subject is None else subject,
            readings=self.readings if readings is None else tuple(readings),
            notes=self.notes if notes is None else notes,
            inspector=self.inspector if inspector is None else inspector,
        )

    def edited(self, edit: DraftEdit, *, now: datetime) -> Inspection:
        return self.revise(
            now=now,
            subject=edit.subject,
            readings=edit.readings,
            notes=edit.notes,
            inspector=edit.inspector,
        )

    def submit(self, *, now: datetime) -> Inspection:
        return self._moved_to(InspectionStatus.SUBMITTED, now, submitted_at=now)

    def conclude(self, *, passed: bool, now: datetime) -> Inspection:
        target = InspectionStatus.PASSED if passed else InspectionStatus.FAILED
        return self._moved_to(target, now)

    def _moved_to(self, target: InspectionStatus, now: datetime, **changes: object) -> Inspection:
        if target not in _NEXT[self.status]:
            raise InvalidTransition(
                f"inspection {self.id} cannot go from {self.status} to {target}"
            )
        return self._next(now, status=target, **changes)

    def _next(self, now: datetime, **changes: object) -> Inspection:
        return dataclasses.replace(self, version=self.version + 1, updated_at=now, **changes)  # type: ignore[arg-type]
