"""The example domain's JSON shapes (rules, inspections), from and to domain objects."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from hexa.domain.checks import MAX_OPTIONS, MAX_PATTERN
from hexa.domain.inspections import MAX_TEXT, Inspection, Reading
from hexa.domain.rules import Rule
from hexa.drivers.http.openapi_inputs import NOT_BLANK
from hexa.services.rules import RuleDraft


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Strict, so "12" stays text and 12 stays a number: rules treat them differently.
Value = StrictBool | StrictInt | StrictFloat | Annotated[StrictStr, Field(max_length=MAX_TEXT)]


class _RuleFields(_In):
    name: str = Field(min_length=1, max_length=200, json_schema_extra={"pattern": NOT_BLANK})
    key: str = Field(min_length=1, max_length=200, description="the reading it judges")
    severity: Literal["error", "warning"] = "error"
    enabled: StrictBool = True
    description: str = Field("", max_length=2000)

    def draft(self) -> RuleDraft:
        return RuleDraft(**self.model_dump())


class NoParams(_In):
    pass


class MinParams(_In):
    min: StrictFloat


class MaxParams(_In):
    max: StrictFloat


class RangeParams(_In):
    min: StrictFloat
    max: StrictFloat = Field(description="at least `min`")


class OneOfParams(_In):
    options: list[Value] = Field(min_length=1, max_length=MAX_OPTIONS)


class RegexParams(_In):
    pattern: str = Field(
        min_length=1,
        max_length=MAX_PATTERN,
        description="RE2 syntax; the whole value must match",
        json_schema_extra={"format": "regex"},
    )


class EqualsParams(_In):
    expected: Value


class RequiredRule(_RuleFields):
    kind: Literal["required"]
    params: NoParams = Field(default_factory=NoParams)


class MinRule(_RuleFields):
    kind: Literal["min"]
    params: MinParams


class MaxRule(_RuleFields):
    kind: Literal["max"]
    params: MaxParams


class RangeRule(_RuleFields):
    kind: Literal["range"]
    params: RangeParams


class OneOfRule(_RuleFields):
    kind: Literal["one_of"]
    params: OneOfParams


class RegexRule(_RuleFields):
    kind: Literal["regex"]
    params: RegexParams


class EqualsRule(_RuleFields):
    kind: Literal["equals"]
    params: EqualsParams


# A rule as a client writes it: its params are those of its kind, a union the schema
# spells out (`oneOf` with `kind` as the discriminator) so clients can check them first.
RuleIn = Annotated[
    RequiredRule | MinRule | MaxRule | RangeRule | OneOfRule | RegexRule | EqualsRule,
    Field(discriminator="kind"),
]


class RuleOut(BaseModel):
    id: str
    name: str
    key: str
    kind: str
    params: dict[str, Any]
    severity: str
    enabled: bool
    description: str
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, rule: Rule) -> RuleOut:
        return cls(
            id=rule.id,
            name=rule.name,
            key=rule.key,
            kind=rule.check.kind,
            params=rule.check.params(),
            severity=rule.severity.value,
            enabled=rule.enabled,
            description=rule.description,
            version=rule.version,
            created_at=rule.created_at,
            updated_at=rule.updated_at,
        )


class ReadingIO(_In):
    key: str = Field(min_length=1, max_length=200)
    value: Value
    unit: str | None = Field(None, max_length=50)

    def reading(self) -> Reading:
        return Reading(self.key, self.value, self.unit)


class InspectionIn(_In):
    subject: str = Field(min_length=1, max_length=500, json_schema_extra={"pattern": NOT_BLANK})
    readings: list[ReadingIO] = Field(default_factory=list, max_length=1000)
    notes: str = Field("", max_length=10_000)
    inspector: str | None = Field(None, max_length=200)


class InspectionPatch(_In):
    """A merge patch: the fields given replace the stored ones; `readings` as a whole."""

    subject: str | None = Field(
        None, min_length=1, max_length=500, json_schema_extra={"pattern": NOT_BLANK}
    )
    readings: list[ReadingIO] | None = Field(None, max_length=1000)
    notes: str | None = Field(None, max_length=10_000)
    inspector: str | None = Field(None, max_length=200)


class InspectionOut(BaseModel):
    id: str
    subject: str
    inspector: str | None
    readings: list[ReadingIO]
    notes: str
    status: str
    version: int
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None

    @classmethod
    def of(cls, inspection: Inspection) -> InspectionOut:
        return cls(
            id=inspection.id,
            subject=inspection.subject,
            inspector=inspection.inspector,
            readings=[
                ReadingIO(key=r.key, value=r.value, unit=r.unit) for r in inspection.readings
            ],
            notes=inspection.notes,
            status=inspection.status.value,
            version=inspection.version,
            created_at=inspection.created_at,
            updated_at=inspection.updated_at,
            submitted_at=inspection.submitted_at,
        )
