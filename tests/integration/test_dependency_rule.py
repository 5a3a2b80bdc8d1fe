"""The dependency rule of STYLE.md, checked by import-linter (contracts in pyproject.toml),
plus a direct scan of the domain so the rule holds even if a contract is loosened."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_DOMAIN = {
    "fastapi",
    "starlette",
    "sqlalchemy",
    "pymongo",
    "motor",
    "redis",
    "arq",
    "alembic",
    "pydantic",
    "pydantic_settings",
    "structlog",
    "uvicorn",
    "opentelemetry",
}
# What configures tracing for a process: the drivers', which own it. The rest of the code
# asks for spans through OpenTelemetry's API alone.
TRACING_MACHINERY = ("opentelemetry.sdk", "opentelemetry.exporter", "opentelemetry.instrumentation")


def test_import_linter_contracts_hold() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is not installed"
    result = subprocess.run(
        [lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_only_the_drivers_configure_tracing() -> None:
    package = ROOT / "src" / "hexa"
    offenders = [
        f"{path.relative_to(package)}: {name}"
        for path in package.rglob("*.py")
        if path.relative_to(package).parts[0] not in ("drivers", "cli.py")
        for name in _imports(path)
        if name.startswith(TRACING_MACHINERY)
    ]
    assert offenders == []


def test_the_domain_imports_no_framework() -> None:
    offenders = []
    for path in (ROOT / "src" / "hexa" / "domain").rglob("*.py"):
        for name in _imports(path):
            top = name.split(".")[0]
            outward = name.startswith("hexa.") and not name.startswith("hexa.domain")
            if top in FORBIDDEN_IN_DOMAIN or outward:
                offenders.append(f"{path.name}: {name}")
    assert offenders == []
