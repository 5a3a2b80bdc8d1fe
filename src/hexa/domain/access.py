"""Who may do what: scopes, the roles that grant them, and the principal of a request."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hexa.domain.errors import ValidationError


class Scope(StrEnum):
    INSPECTIONS_READ = "inspections:read"
    INSPECTIONS_WRITE = "inspections:write"
    RULES_READ = "rules:read"
    RULES_WRITE = "rules:write"
    JOBS_READ = "jobs:read"
    ADMIN = "admin"


class Role(StrEnum):
    ADMIN = "admin"
    INSPECTOR = "inspector"
    VIEWER = "viewer"


ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.ADMIN: frozenset(Scope),
    Role.INSPECTOR: frozenset(
        {Scope.INSPECTIONS_READ, Scope.INSPECTIONS_WRITE, Scope.RULES_READ, Scope.JOBS_READ}
    ),
    Role.VIEWER: frozenset({Scope.INSPECTIONS_READ, Scope.RULES_READ, Scope.JOBS_READ}),
}


class PrincipalKind(StrEnum):
    USER = "user"
    API_KEY = "api_key"
    SERVICE = "service"  # an operator token from `hexa token`


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: a user (by access token) or a machine (by API key)."""

    kind: PrincipalKind
    subject: str
    scopes: frozenset[Scope]
    session_id: str | None = None

    def may(self, scope: Scope) -> bool:
        return scope in self.scopes or Scope.ADMIN in self.scopes

    @property
    def actor(self) -> str:
        """How audit entries name this caller."""
        return f"{self.kind}:{self.subject}"


def parse_scopes(names: list[str] | tuple[str, ...]) -> frozenset[Scope]:
    unknown = [n for n in names if n not in Scope._value2member_map_]
    if unknown:
        raise ValidationError(f"unknown scopes {unknown}; known: {[s.value for s in Scope]}")
    return frozenset(Scope(n) for n in names)
