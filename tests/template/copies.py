"""Projects made from this checkout by Copier, and the checks a project runs on itself.

Each copy gets a venv of its own, installed from its own hashed requirements (uv takes
the wheels from its cache, so this is seconds), so a dependency it dropped is really
absent and its console script is its own.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
QUESTIONS = ("mongo", "redis", "s3", "worker", "admin_ui", "k8s", "postman", "example_domain")
# Any of the template's own names, as the rename script finds them.
TEMPLATE_NAMES = re.compile(r"(?<![A-Za-z0-9])(hexa|Hexa|HEXA)(?![a-z0-9])")
# A Jinja expression or statement of the template's, left unrendered (Postman's own
# {{baseUrl}} and GitHub's ${{ }} are not Copier's).
UNRENDERED = re.compile(
    r"\{\{\s*(?:project_|package_name|description|_copier)|\{%-?\s*(?:if|for|set)\b"
)


@dataclass(frozen=True)
class Variant:
    name: str
    answers: Mapping[str, object]

    @property
    def package(self) -> str:
        return str(self.answers["package_name"])

    @property
    def cli(self) -> str:
        return str(self.answers["project_slug"])

    def kept(self, part: str) -> bool:
        """As Copier answers it: the worker follows Redis, k8s the worker, by default."""
        if part in self.answers:
            return bool(self.answers[part])
        follows = {"worker": "redis", "k8s": "worker"}.get(part)
        return self.kept(follows) if follows else True


@dataclass
class Outcome:
    """What one command did in a project."""

    command: str
    returncode: int
    output: str
    seconds: float

    @property
    def report(self) -> str:
        return f"$ {self.command}  ({self.seconds:.1f} s, exit {self.returncode})\n{self.output}"


@dataclass
class Project:
    variant: Variant
    path: Path
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    def run(
        self,
        label: str,
        args: Sequence[str],
        *,
        timeout: float = 600,
        env: Mapping[str, str] | None = None,
    ) -> Outcome:
        started = time.monotonic()
        try:
            result = subprocess.run(
                list(args), cwd=self.path, env=project_environment(self.path) | dict(env or {}),
                capture_output=True, text=True, timeout=timeout, check=False,
            )  # fmt: skip
            outcome = Outcome(" ".join(args), result.returncode, result.stdout + result.stderr,
                              time.monotonic() - started)  # fmt: skip
        except subprocess.TimeoutExpired as expired:
            outcome = Outcome(" ".join(args), -1, f"timed out: {expired}", timeout)
        self.outcomes[label] = outcome
        return outcome

    @property
    def bin(self) -> Path:
        return self.path / ".venv" / "bin"


def project_environment(path: Path) -> dict[str, str]:
    """This environment without the suite's own settings, with the project's venv (and
    this one's, for Copier and ruff) first on PATH."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HEXA_", "PYTEST_", "DATABASE_URL", "REDIS_", "MONGO_"))
    }
    environment["PATH"] = f"{path / '.venv' / 'bin'}{os.pathsep}{BIN}{os.pathsep}"
    environment["PATH"] += os.environ.get("PATH", "")
    return environment


def copy(
    variant: Variant, destination: Path, source: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """`copier copy --trust --defaults` with the variant's answers."""
    data = [f"--data={key}={_answer(value)}" for key, value in variant.answers.items()]
    return subprocess.run(
        [str(BIN / "copier"), "copy", "--trust", "--defaults", "--quiet", *data,
         str(source), str(destination)],
        env=project_environment(destination), capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip


def _answer(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def install(project: Project) -> Outcome:
    uv = str(BIN / "uv")
    python = str(project.bin / "python")
    steps = [
        [uv, "venv", "--quiet", "--python", sys.executable, ".venv"],
        [uv, "pip", "install", "--quiet", "--python", python, "--require-hashes",
         "-r", "requirements/dev.txt"],
        [uv, "pip", "install", "--quiet", "--python", python, "--no-deps", "-e", "."],
    ]  # fmt: skip
    for step in steps:
        outcome = project.run("install", step)
        if outcome.returncode != 0:
            return outcome
    # What `make` would have installed is there: its targets go straight to their work.
    (project.bin / "uv").symlink_to(uv)
    for marker in (".runtime-installed", ".dev-installed"):
        (project.path / ".venv" / marker).touch()
    return outcome


def check(
    project: Project,
    tests: Sequence[str],
    *,
    label: str = "",
    env: Mapping[str, str] | None = None,
) -> None:
    """The project's own static checks and the `tests` given (`label` tells one round of
    checks from another)."""
    venv = project.bin
    ruff = str(venv / "ruff")
    project.run(f"{label}ruff", [ruff, "check", "src", "tests", "scripts"])
    project.run(f"{label}format", [ruff, "format", "--check", "src", "tests", "scripts", "db"])
    project.run(f"{label}mypy", [str(venv / "mypy")])
    project.run(f"{label}import-linter", [str(venv / "lint-imports")])
    pytest = [str(venv / "python"), "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"]
    # Every test module imports (one of a part left out would fail here), then these run.
    project.run(f"{label}collect", [*pytest, "--collect-only"], env=env)
    project.run(f"{label}tests", [*pytest, *tests], env=env)


def scratch_postgres(name: str) -> str | None:
    """A new, empty database on the suite's PostgreSQL server, for a copy's own tests
    (they migrate it to their own revisions); None without a server."""
    url = os.environ.get("HEXA_TEST_POSTGRES_URL")
    if not url:
        return None
    import asyncio

    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import create_async_engine

    async def create() -> None:
        engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
                await connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        finally:
            await engine.dispose()

    asyncio.run(create())
    return sa.make_url(url).set(database=name).render_as_string(hide_password=False)


def serve(project: Project) -> None:
    """`<cli> migrate`, then `<cli> serve` on SQLite: /health and /healthz answer 200."""
    cli = str(project.bin / project.variant.cli)
    environment = project_environment(project.path) | {
        "DATABASE_URL": f"sqlite+aiosqlite:///{project.path / 'serve.db'}",
        "ENV": "dev",
        "LOG_LEVEL": "WARNING",
    }
    migrated = subprocess.run([cli, "migrate"], cwd=project.path, env=environment,
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    port = _free_port()
    started = time.monotonic()
    server = subprocess.Popen(
        [cli, "serve", "--port", str(port)], cwd=project.path, env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    answers: dict[str, int] = {}
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.poll() is None:
            try:
                for path in ("/health", "/healthz"):
                    answers[path] = httpx.get(f"http://127.0.0.1:{port}{path}").status_code
                break
            except httpx.TransportError:
                time.sleep(0.2)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    project.outcomes["serve"] = Outcome(
        f"{project.variant.cli} migrate && {project.variant.cli} serve",
        0 if migrated.returncode == 0 and answers == {"/health": 200, "/healthz": 200} else 1,
        f"{migrated.stdout}{migrated.stderr}answers: {answers}\n{output}",
        time.monotonic() - started,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def leftover_names(path: Path) -> list[str]:
    """Every place a template name survived, outside the answers file."""
    found = []
    for file in _texts(path):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if TEMPLATE_NAMES.search(line):
                found.append(f"{file.relative_to(path)}:{number}: {line.strip()}")
    found += [str(p.relative_to(path)) for p in _files(path) if TEMPLATE_NAMES.search(p.name)]
    return found


def unrendered(path: Path) -> list[str]:
    return [
        str(file.relative_to(path))
        for file in _texts(path)
        if UNRENDERED.search(file.read_text(encoding="utf-8"))
    ]


def dependencies(path: Path) -> tuple[set[str], set[str]]:
    """The project's direct dependencies, runtime and dev, by canonical name."""
    project = tomllib.loads((path / "pyproject.toml").read_text())
    return (
        {_name(r) for r in project["project"]["dependencies"]},
        {_name(r) for r in project["dependency-groups"]["dev"]},
    )


def pinned(path: Path, lock: str) -> set[str]:
    text = (path / "requirements" / lock).read_text()
    return {_canonical(m) for m in re.findall(r"(?m)^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==", text)}


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return _canonical(match[0])


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


SKIPPED = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def _files(path: Path) -> list[Path]:
    return [
        p
        for p in path.rglob("*")
        if p.is_file()
        and not SKIPPED & set(p.relative_to(path).parts)
        and p.name not in (".copier-answers.yml", "serve.db")
    ]


def _texts(path: Path) -> list[Path]:
    texts = []
    for file in _files(path):
        try:
            file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        texts.append(file)
    return texts
