"""Evaluating a rule set over an inspection: the findings and the verdict they imply."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from hexa.domain.inspections import Inspection, ReadingValue
from hexa.domain.jobs import JobKind
from hexa.domain.rules import Rule, Severity

# The jobs that judge: one inspection, or a packet of many.
VALIDATE_INSPECTION = JobKind("validate_inspection")
VALIDATE_PACKET = JobKind("validate_packet")


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Finding:
    """A broken rule: `rule` is its id, `value` the reading that broke it (None when the
    reading is missing)."""

    rule: str
    rule_name: str
    key: str
    value: ReadingValue | None
    severity: Severity
    message: str


@dataclass(frozen=True, slots=True)
class Report:
    findings: tuple[Finding, ...]

    @property
    def verdict(self) -> Verdict:
        failed = any(f.severity is Severity.ERROR for f in self.findings)
        return Verdict.FAILED if failed else Verdict.PASSED


def evaluate(rules: Iterable[Rule], inspection: Inspection) -> Report:
    """Every enabled rule judges every reading with its key (or the absence of one)."""
    findings: list[Finding] = []
    for rule in rules:
        if not rule.enabled:
            continue
        values: tuple[ReadingValue | None, ...] = tuple(
            r.value for r in inspection.readings_for(rule.key)
        ) or (None,)
        findings.extend(
            Finding(
                rule.id,
                rule.name,
                rule.key,
                v,
                rule.severity,
                f"{rule.key}: {rule.check.explain(v)}",
            )
            for v in values
            if rule.check.is_broken_by(v)
        )
    return Report(tuple(findings))
