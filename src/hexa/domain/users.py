"""Users: people who sign in with an email and a password, and hold one role."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from hexa.domain.access import Role, Scope, role_scopes
from hexa.domain.errors import ValidationError
from hexa.domain.text import check_text

MIN_PASSWORD = 12
MAX_PASSWORD = 1024


def normalized_email(email: str) -> str:
    """Emails compare case-insensitively; one spelling is stored."""
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email):
        raise ValidationError("not an email address")
    check_text("the email address", email)
    return email


def check_password_strength(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValidationError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")


@dataclass(frozen=True, slots=True)
class User:
    id: str
    email: str
    password_hash: str
    role: Role
    verified: bool
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def scopes(self) -> frozenset[Scope]:
        return role_scopes(self.role)

    @property
    def may_sign_in(self) -> bool:
        return self.verified and self.active

    @classmethod
    def register(
        cls, *, id: str, email: str, password_hash: str, role: Role = Role.VIEWER, now: datetime
    ) -> User:
        return cls(id, normalized_email(email), password_hash, role, False, True, 1, now, now)

    def _next(self, now: datetime, **changes: object) -> User:
        return dataclasses.replace(self, version=self.version + 1, updated_at=now, **changes)  # type: ignore[arg-type]

    def verify(self, *, now: datetime) -> User:
        return self._next(now, verified=True)

    def with_role(self, role: Role, *, now: datetime) -> User:
        return self._next(now, role=role)

    def disable(self, *, now: datetime) -> User:
        return self._next(now, active=False)

    def enable(self, *, now: datetime) -> User:
        return self._next(now, active=True)

    def with_password_hash(self, password_hash: str, *, now: datetime) -> User:
        return self._next(now, password_hash=password_hash)
