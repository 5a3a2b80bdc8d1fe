"""Each kind of check, and building checks from client input."""

from __future__ import annotations

import time

import pytest

from hexa.domain.checks import (
    MAX_PATTERN,
    Equals,
    Matches,
    Maximum,
    Minimum,
    OneOf,
    Range,
    Required,
    check_from,
)
from hexa.domain.errors import ValidationError


@pytest.mark.parametrize(
    ("check", "value", "broken"),
    [
        (Required(), None, True),
        (Required(), "  ", True),
        (Required(), 0, False),
        (Required(), False, False),
        (Minimum(10), 9.99, True),
        (Minimum(10), 10, False),
        (Minimum(10), "12.5", False),
        (Minimum(10), "abc", True),
        (Minimum(10), True, True),
        (Minimum(10), None, False),
        (Maximum(80), 80, False),
        (Maximum(80), 80.01, True),
        (Range(1, 2), 1, False),
        (Range(1, 2), 2, False),
        (Range(1, 2), 2.5, True),
        (Range(1, 2), " 1.5 ", False),
        (Range(1, 2), None, False),
        (OneOf(("ok", "worn")), "ok", False),
        (OneOf(("ok", "worn")), "broken", True),
        (OneOf((1, 2)), 2, False),
        (Matches(r"[A-Z]{2}-\d+"), "AB-12", False),
        (Matches(r"[A-Z]{2}-\d+"), "xAB-12", True),
        (Matches(r"\d+"), 42, False),
        (Matches(r"true"), True, False),
        (Matches(r"\d+"), None, False),
        (Equals("sealed"), "sealed", False),
        (Equals("sealed"), "open", True),
        (Equals(3), 3.0, False),
    ],
)
def test_checks_judge_values(check, value, broken: bool) -> None:
    assert check.is_broken_by(value) is broken
    assert check.explain(value)


def test_regex_runs_in_linear_time_on_hostile_input() -> None:
    evil = Matches(r"(a+)+$")
    started = time.perf_counter()
    assert evil.is_broken_by("a" * 10_000 + "!")
    assert time.perf_counter() - started < 1.0  # backtracking engines take ages here


@pytest.mark.parametrize(
    ("kind", "params", "expected"),
    [
        ("required", {}, Required()),
        ("min", {"min": 1}, Minimum(1.0)),
        ("max", {"max": 2.5}, Maximum(2.5)),
        ("range", {"min": 0, "max": 1}, Range(0, 1)),
        ("one_of", {"options": ["a", 1]}, OneOf(("a", 1))),
        ("regex", {"pattern": "a+"}, Matches("a+")),
        ("equals", {"expected": True}, Equals(True)),
    ],
)
def test_checks_are_built_from_kind_and_params(kind, params, expected) -> None:
    check = check_from(kind, params)
    assert check == expected
    assert check_from(check.kind, check.params()) == check


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("between", {}),
        ("required", {"x": 1}),
        ("min", {}),
        ("min", {"min": "5"}),
        ("min", {"min": True}),
        ("max", {"max": float("nan")}),
        ("range", {"min": 5, "max": 1}),
        ("range", {"min": 1}),
        ("one_of", {"options": []}),
        ("one_of", {"options": "abc"}),
        ("one_of", {"options": [{"nested": 1}]}),
        ("regex", {"pattern": "("}),
        ("regex", {"pattern": ""}),
        ("regex", {"pattern": "a" * (MAX_PATTERN + 1)}),
        ("regex", {"pattern": 5}),
        ("regex", {"pattern": r"(a)\1"}),
        ("equals", {"expected": [1]}),
    ],
)
def test_bad_rule_parameters_are_refused(kind: str, params: dict) -> None:
    with pytest.raises(ValidationError):
        check_from(kind, params)


def test_booleans_are_not_numbers_for_equals_and_one_of() -> None:
    assert Equals(1).is_broken_by(True)
    assert OneOf((1, 0)).is_broken_by(False)
    assert not OneOf((True,)).is_broken_by(True)
