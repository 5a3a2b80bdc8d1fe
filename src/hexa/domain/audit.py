"""Audit entries: who did what to which object, and when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: str
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any] = field(default_factory=dict)

    def matches(self, *, action: str | None = None, actor: str | None = None) -> bool:
        """Whether the entry is of `action` and by `actor`, each when given (exact)."""
        return action in (None, self.action) and actor in (None, self.actor)
