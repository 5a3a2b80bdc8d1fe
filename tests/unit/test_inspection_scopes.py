"""The example domain's scopes, and the roles that grant them (SPEC: roles)."""

from __future__ import annotations

from hexa.domain.access import JOBS_READ, Role, every_scope, role_scopes
from hexa.domain.inspections import INSPECTIONS_READ, INSPECTIONS_WRITE
from hexa.domain.rules import RULES_READ, RULES_WRITE


def test_roles_grant_the_scopes_of_spec() -> None:
    assert {INSPECTIONS_READ, INSPECTIONS_WRITE, RULES_READ, RULES_WRITE} <= set(every_scope())
    assert role_scopes(Role.VIEWER) == {INSPECTIONS_READ, RULES_READ, JOBS_READ}
    assert role_scopes(Role.INSPECTOR) == role_scopes(Role.VIEWER) | {INSPECTIONS_WRITE}
    assert RULES_WRITE in role_scopes(Role.ADMIN)
