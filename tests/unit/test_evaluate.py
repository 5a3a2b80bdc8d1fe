"""`evaluate`, by examples and by properties over generated rule sets and inspections."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from hexa.domain.checks import Maximum, Minimum, Range, check_from
from hexa.domain.inspections import Inspection, Reading
from hexa.domain.rules import Rule, Severity
from hexa.domain.validation import Verdict, evaluate
from tests.builders import T0
from tests.inspection_builders import a_rule, an_inspection

KEYS = st.sampled_from(["temp", "pressure", "seal"])
NUMBERS = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False) | st.integers(-(10**6), 10**6)
# Any text the domain keeps: no NUL, no lone surrogate (see hexa.domain.text).
TEXT = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
VALUES = NUMBERS | st.text(TEXT, max_size=8) | st.booleans()


@st.composite
def checks(draw: st.DrawFn):
    kind = draw(st.sampled_from(["required", "min", "max", "range", "one_of", "regex", "equals"]))
    if kind == "range":
        low, high = sorted(draw(st.lists(NUMBERS, min_size=2, max_size=2)))
        return check_from(kind, {"min": low, "max": high})
    params = {
        "required": {},
        "min": {"min": draw(NUMBERS)},
        "max": {"max": draw(NUMBERS)},
        "one_of": {"options": draw(st.lists(VALUES, min_size=1, max_size=4))},
        "regex": {"pattern": draw(st.sampled_from([r"\d+", r"[a-z]*", r"ok|worn", r".*"]))},
        "equals": {"expected": draw(VALUES)},
    }[kind]
    return check_from(kind, params)


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    return Rule.new(
        id=f"r{draw(st.integers(0, 10**9))}",
        name=draw(st.text(TEXT, min_size=1, max_size=10).filter(str.strip)),
        key=draw(KEYS),
        check=draw(checks()),
        severity=draw(st.sampled_from(Severity)),
        enabled=draw(st.booleans()),
        now=T0,
    )


READINGS = st.lists(st.builds(Reading, KEYS, VALUES), max_size=6)
INSPECTIONS = READINGS.map(lambda rs: an_inspection("generated", *rs) if rs else _bare())
RULE_SETS = st.lists(rules(), max_size=6)


def _bare() -> Inspection:
    return dataclasses.replace(an_inspection(), readings=())


@given(RULE_SETS, INSPECTIONS)
def test_the_verdict_fails_exactly_when_an_error_is_found(rule_set, inspection) -> None:
    report = evaluate(rule_set, inspection)
    has_error = any(f.severity is Severity.ERROR for f in report.findings)
    assert (report.verdict is Verdict.FAILED) == has_error


@given(RULE_SETS, INSPECTIONS)
def test_disabled_rules_find_nothing(rule_set, inspection) -> None:
    enabled = [r for r in rule_set if r.enabled]
    assert evaluate(rule_set, inspection) == evaluate(enabled, inspection)
    assert {f.rule for f in evaluate(rule_set, inspection).findings} <= {r.id for r in enabled}


@given(RULE_SETS, RULE_SETS, INSPECTIONS)
def test_evaluation_composes_rule_by_rule(first, second, inspection) -> None:
    together = evaluate(first + second, inspection).findings
    assert together == evaluate(first, inspection).findings + evaluate(second, inspection).findings


@given(RULE_SETS, INSPECTIONS, st.lists(rules(), max_size=3))
def test_warnings_never_change_the_verdict(rule_set, inspection, extra) -> None:
    warnings = [dataclasses.replace(r, severity=Severity.WARNING) for r in extra]
    assert (
        evaluate(rule_set + warnings, inspection).verdict == evaluate(rule_set, inspection).verdict
    )


@given(NUMBERS, NUMBERS, VALUES)
def test_a_range_is_a_minimum_and_a_maximum(a, b, value) -> None:
    low, high = min(a, b), max(a, b)
    expected = Minimum(low).is_broken_by(value) or Maximum(high).is_broken_by(value)
    assert Range(low, high).is_broken_by(value) == expected


@given(RULE_SETS, KEYS)
def test_only_required_rules_speak_about_absent_readings(rule_set, key) -> None:
    findings = evaluate(rule_set, _bare()).findings
    assert all(f.message.endswith("is missing") for f in findings)
    required = [r for r in rule_set if r.enabled and r.check.kind == "required"]
    assert len(findings) == len(required)


def test_a_broken_error_rule_fails_the_inspection_with_a_finding() -> None:
    rule = a_rule("max", max=80, name="temp ceiling")
    report = evaluate([rule], an_inspection("boiler", Reading("temp", 95, "C")))
    assert report.verdict is Verdict.FAILED
    [finding] = report.findings
    assert (finding.rule, finding.rule_name, finding.key) == (rule.id, "temp ceiling", "temp")
    assert finding.message == "temp: 95 is above the maximum 80"


def test_every_reading_of_a_key_is_judged() -> None:
    report = evaluate(
        [a_rule("min", min=0)],
        an_inspection("boiler", Reading("temp", -1), Reading("temp", 5), Reading("temp", -2)),
    )
    assert len(report.findings) == 2


def test_warnings_alone_pass() -> None:
    rule = a_rule("equals", key="seal", severity=Severity.WARNING, expected="intact")
    report = evaluate([rule], an_inspection("valve", Reading("seal", "worn")))
    assert report.verdict is Verdict.PASSED and len(report.findings) == 1


def test_no_rules_no_findings() -> None:
    assert evaluate([], an_inspection()).findings == ()
