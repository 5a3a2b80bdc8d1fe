"""Who may do what: scopes, the roles that grant them, and the principal of a request.

The core has two scopes, `jobs:read` and `admin`; each area's domain module declares its
own in a `SCOPES` table, with the roles besides `admin` that grant each (the example
domain's `inspections:read`...; an aggregate's `equipment:read`). They are found by the
modules the project has, so adding an area or leaving one out edits nothing here.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import NewType

from hexa.domain.errors import ValidationError

# A permission, as tokens and API keys carry it ("jobs:read").
Scope = NewType("Scope", str)


class Role(StrEnum):
    ADMIN = "admin"
    INSPECTOR = "inspector"
    VIEWER = "viewer"


JOBS_READ = Scope("jobs:read")
ADMIN = Scope("admin")
SCOPES: dict[Scope, tuple[Role, ...]] = {
    JOBS_READ: (Role.INSPECTOR, Role.VIEWER),
    ADMIN: (),
}


@functools.cache
def every_scope() -> Mapping[Scope, tuple[Role, ...]]:
    """Every scope this project knows, the core's and each area's, with the roles that
    grant it besides `admin` (which grants them all)."""
    found: dict[Scope, tuple[Role, ...]] = {}
    package = importlib.import_module(__package__ or "")
    for info in sorted(pkgutil.iter_modules(package.__path__)):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for scope, roles in getattr(module, "SCOPES", {}).items():
            if scope in found:
                raise RuntimeError(f"scope {scope} is declared twice ({info.name})")
            found[scope] = roles
    return found


def role_scopes(role: Role) -> frozenset[Scope]:
    """The scopes a person with `role` holds."""
    return frozenset(
        scope for scope, roles in every_scope().items() if role is Role.ADMIN or role in roles
    )


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
        return scope in self.scopes or ADMIN in self.scopes

    @property
    def actor(self) -> str:
        """How audit entries name this caller."""
        return f"{self.kind}:{self.subject}"


def parse_scopes(names: list[str] | tuple[str, ...]) -> frozenset[Scope]:
    known = every_scope()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValidationError(f"unknown scopes {unknown}; known: {sorted(known)}")
    return frozenset(Scope(n) for n in names)
