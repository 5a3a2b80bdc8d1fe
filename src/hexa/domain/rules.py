"""Validation rules: a named check over one reading key, with a severity and a switch."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hexa.domain.access import Role, Scope
from hexa.domain.checks import Check
from hexa.domain.errors import ValidationError
from hexa.domain.text import check_text

# Who may read and change rules, besides an admin (who alone may change them).
RULES_READ = Scope("rules:read")
RULES_WRITE = Scope("rules:write")
SCOPES = {RULES_READ: (Role.INSPECTOR, Role.VIEWER), RULES_WRITE: ()}


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    key: str
    check: Check
    severity: Severity
    enabled: bool
    version: int
    created_at: datetime
    updated_at: datetime
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > 200:
            raise ValidationError("a rule name must have 1 to 200 characters")
        if not self.key or len(self.key) > 200:
            raise ValidationError("a rule key must have 1 to 200 characters")
        if len(self.description) > 2000:
            raise ValidationError("a rule description holds at most 2000 characters")
        check_text("the rule name", self.name)
        check_text("the rule key", self.key)
        check_text("the rule description", self.description)

    @classmethod
    def new(
        cls,
        *,
        id: str,
        name: str,
        key: str,
        check: Check,
        severity: Severity = Severity.ERROR,
        enabled: bool = True,
        description: str = "",
        now: datetime,
    ) -> Rule:
        return cls(id, name, key, check, severity, enabled, 1, now, now, description)

    def replaced_by(
        self,
        *,
        name: str,
        key: str,
        check: Check,
        severity: Severity,
        enabled: bool,
        description: str,
        now: datetime,
    ) -> Rule:
        return dataclasses.replace(
            self,
            name=name,
            key=key,
            check=check,
            severity=severity,
            enabled=enabled,
            description=description,
            version=self.version + 1,
            updated_at=now,
        )
