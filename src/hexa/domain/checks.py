"""The kinds of check a validation rule can make over one reading.

Each check is a small frozen object with one question, `is_broken_by(value)`, where
`None` stands for a missing reading. Only `Required` cares about absence: the others judge
a value that is there. Regular expressions run on RE2, a linear-time engine, so a hostile
pattern or input cannot make validation backtrack for ever; sizes are bounded as well.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import re2

from hexa.domain.errors import ValidationError
from hexa.domain.inspections import ReadingValue
from hexa.domain.text import check_text

MAX_PATTERN = 500
MAX_OPTIONS = 200


class Check(Protocol):
    kind: ClassVar[str]

    def is_broken_by(self, value: ReadingValue | None) -> bool: ...

    def explain(self, value: ReadingValue | None) -> str: ...

    def params(self) -> dict[str, Any]: ...


def as_number(value: ReadingValue | None) -> float | None:
    """Numbers, and text that spells one (CSV readings arrive as text); never booleans."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def same_value(a: ReadingValue, b: ReadingValue) -> bool:
    """Equality that keeps booleans apart from numbers (in Python, True == 1)."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _finite(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(f"'{name}' must be a finite number")
    return float(value)


def _scalar(name: str, value: Any) -> ReadingValue:
    if not isinstance(value, str | int | float | bool):
        raise ValidationError(f"'{name}' must be a string, number or boolean")
    if isinstance(value, str):
        check_text(f"'{name}'", value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(f"'{name}' must be a finite number")
    return value


@dataclass(frozen=True, slots=True)
class Required:
    kind: ClassVar[str] = "required"

    def is_broken_by(self, value: ReadingValue | None) -> bool:
        return value is None or (isinstance(value, str) and not value.strip())

    def explain(self, value: ReadingValue | None) -> str:
        return "is missing" if value is None else "is empty"

    def params(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, slots=True)
class Minimum:
    min: float
    kind: ClassVar[str] = "min"

    def is_broken_by(self, value: ReadingValue | None) -> bool:
        number = as_number(value)
        return value is not None and (number is None or number < self.min)

    def explain(self, value: ReadingValue | None) -> str:
        return f"{value!r} is below the minimum {self.min:g}"

    def params(self) -> dict[str, Any]:
        return {"min": self.min}


@dataclass(frozen=True, slots=True)
class Maximum:
    max: float
    kind: ClassVar[str] = "max"

    def is_broken_by(self, value: ReadingValue | None) -> bool:
        number = as_number(value)
        return value is not None and (number is None or number > self.max)

    def explain(self, value: ReadingValue | None) -> str:
        return f"{value!r} is above the maximum {self.max:g}"

    def params(self) -> dict[str, Any]:
        return {"max": self.max}


@dataclass(frozen=True, slots=True)
class Range:
    min: float
    max: float
    kind: ClassVar[str] = "range"

    def __post_init__(self) -> None:
        if self.min > self.max:
            raise ValidationError("'min' must not exceed 'max'")

    def is_broken_by(self, value: ReadingValue | None) -> bool:
        number = as_number(value)
        return value is not None and (number is None or not self.min <= number <= self.max)

    def explain(self, value: ReadingValue | None) -> str:
        return f"{value!r} is outside {self.min:g}..{self.max:g}"

    def params(self) -> dict[str, Any]:
        return {"min": self.min, "max": self.max}


@dataclass(frozen=True, slots=True)
class OneOf:
    options: tuple[ReadingValue, ...]
    kind: ClassVar[str] = "one_of"

    def __post_init__(self) -> None:
        if not 0 < len(self.options) <= MAX_OPTIONS:
            raise ValidationError(f"'options' must list 1 to {MAX_OPTIONS} values")

    def is_broken_by(self, value: ReadingValue | None) -> bool:
        return value is not None and not any(same_value(value, o) for o in self.options)

    def explain(self, value: ReadingValue | None) -> str:
        return f"{value!r} is not one of {list(self.options)!r}"

    def params(self) -> dict[str, Any]:
        return {"options": list(self.options)}


@dataclass(frozen=True, slots=True)
class Matches:
    """The whole value (as text) must match `pattern`, RE2 syntax."""

    pattern: str
    kind: ClassVar[str] = "regex"
    _compiled: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0 < len(self.pattern) <= MAX_PATTERN:
            raise ValidationError(f"'pattern' must have 1 to {MAX_PATTERN} characters")
        check_text("'pattern'", self.pattern)
        try:
            compiled = re2.compile(self.pattern)
        except re2.error as error:
            raise ValidationError(f"'pattern' is not a valid RE2 expression: {error}") from None
        object.__setattr__(self, "_compiled", compiled)

    def is_broken_by(self, value: ReadingValue | None) -> bool:
        return value is not None and self._compiled.fullmatch(_as_text(value)) is None

    def explain(self, value: ReadingValue | None) -> str:
        return f"{value!r} does not match /{self.pattern}/"

    def params(self) -> dict[str, Any]:
        return {"pattern": self.pattern}


@dataclass(frozen=True, slots=True)
class Equals:
    expected: ReadingValue
    kind: ClassVar[str] = "equals"

    def is_broken_by(self, value: ReadingValue | None) -> bool:
        return value is not None and not same_value(value, self.expected)

    def explain(self, value: ReadingValue | None) -> str:
        return f"{value!r} is not {self.expected!r}"

    def params(self) -> dict[str, Any]:
        return {"expected": self.expected}


def _as_text(value: ReadingValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else format(value, "g")


KINDS: tuple[str, ...] = ("required", "min", "max", "range", "one_of", "regex", "equals")


def check_from(kind: str, params: Mapping[str, Any]) -> Check:
    """Builds a check from its kind and parameters, as stored or as a client sent them."""
    builders: dict[str, tuple[set[str], Callable[[Mapping[str, Any]], Check]]] = {
        "required": (set(), lambda p: Required()),
        "min": ({"min"}, lambda p: Minimum(_finite("min", p["min"]))),
        "max": ({"max"}, lambda p: Maximum(_finite("max", p["max"]))),
        "range": (
            {"min", "max"},
            lambda p: Range(_finite("min", p["min"]), _finite("max", p["max"])),
        ),
        "one_of": ({"options"}, _one_of),
        "regex": ({"pattern"}, _regex),
        "equals": ({"expected"}, lambda p: Equals(_scalar("expected", p["expected"]))),
    }
    if kind not in builders:
        raise ValidationError(f"unknown rule kind {kind!r}; expected one of {', '.join(KINDS)}")
    wanted, build = builders[kind]
    if set(params) != wanted:
        names = ", ".join(sorted(wanted)) or "no parameters"
        raise ValidationError(
            f"a {kind} rule takes {names}; got {', '.join(sorted(params)) or 'none'}"
        )
    return build(params)


def _one_of(params: Mapping[str, Any]) -> OneOf:
    options = params["options"]
    if not isinstance(options, list | tuple):
        raise ValidationError("'options' must be a list")
    return OneOf(tuple(_scalar("options", option) for option in options))


def _regex(params: Mapping[str, Any]) -> Matches:
    if not isinstance(params["pattern"], str):
        raise ValidationError("'pattern' must be a string")
    return Matches(params["pattern"])
