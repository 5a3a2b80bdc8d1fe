"""`hexa create-admin` and `hexa token`, as an operator runs them."""

from __future__ import annotations

from pathlib import Path

from hexa.adapters.clock import SystemClock
from hexa.adapters.security.tokens import JwtAccessTokens
from hexa.domain.access import Role, role_scopes
from tests.cli.test_cli import hexa

SECRET = "s" * 40


def test_create_admin_reads_the_password_from_the_environment(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hexa.db'}"
    assert hexa("migrate", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    created = hexa(
        "create-admin",
        "Root@Example.com",
        cwd=tmp_path,
        DATABASE_URL=url,
        HEXA_ADMIN_PASSWORD="a long admin password",
    )
    assert created.returncode == 0, created.stderr
    assert "root@example.com" in created.stdout
    again = hexa(
        "create-admin",
        "root@example.com",
        cwd=tmp_path,
        DATABASE_URL=url,
        HEXA_ADMIN_PASSWORD="a long admin password",
    )
    assert again.returncode == 1 and len(again.stderr.splitlines()) == 1


def test_create_admin_refuses_a_weak_password_in_one_line(tmp_path: Path) -> None:
    result = hexa(
        "create-admin",
        "root@example.com",
        cwd=tmp_path,
        PERSISTENCE="memory",
        HEXA_ADMIN_PASSWORD="short",
    )
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "password" in line


def test_token_prints_an_operator_token_with_the_role_scopes(tmp_path: Path) -> None:
    result = hexa(
        "token", "ops", "--role", "inspector", cwd=tmp_path, PERSISTENCE="memory", JWT_SECRET=SECRET
    )
    assert result.returncode == 0, result.stderr
    claims = JwtAccessTokens(SECRET, clock=SystemClock()).read(result.stdout.strip())
    assert claims.subject == "ops" and claims.kind == "service"
    assert claims.scopes == role_scopes(Role.INSPECTOR)
