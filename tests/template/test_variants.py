"""Two projects made from this checkout, each held to its own checks: `full` (every
answer at its default, a new package name) and `minimal` (SQLite only: no MongoDB,
Redis, worker, admin UI, Kubernetes, Postman or example domain).

Both are made, installed and checked at once, in the background, from the first test
that needs them; each test then reads one check's outcome.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.template.copies import (
    ROOT,
    Project,
    Variant,
    check,
    copy,
    dependencies,
    install,
    leftover_names,
    pinned,
    unrendered,
)

NAMES = {"project_name": "Acme QC", "project_slug": "acme-qc", "package_name": "acme_qc"}
FULL = Variant("full", NAMES)
MINIMAL = Variant(
    "minimal",
    NAMES
    | dict.fromkeys(
        ("mongo", "redis", "worker", "admin_ui", "k8s", "postman", "example_domain"), False
    ),
)
VARIANTS = (FULL, MINIMAL)
FAST_TESTS = ("tests/unit", "tests/contract", "tests/http")
# What only a part needs: runtime dependencies, then dev ones (scripts/rename_project.py).
ONLY_FOR = {
    "mongo": ({"pymongo"}, {"pymongo-async-mock"}),
    "redis": ({"redis"}, set()),
    "worker": ({"arq"}, set()),
    "admin_ui": (set(), {"playwright", "pytest-playwright"}),
    "k8s": (set(), {"kubernetes-validate"}),
}


def _made(variant: Variant, where: Path) -> Project:
    project = Project(variant, where / variant.name)
    copied = copy(variant, project.path)
    if copied.returncode != 0:
        pytest.fail(f"copier copy failed:\n{copied.stdout}{copied.stderr}")
    if install(project).returncode == 0:
        check(project, FAST_TESTS)
    return project


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Future[Project]]]:
    where = tmp_path_factory.mktemp("copies")
    with ThreadPoolExecutor(max_workers=len(VARIANTS)) as pool:
        yield {variant.name: pool.submit(_made, variant, where) for variant in VARIANTS}


@pytest.fixture(params=[v.name for v in VARIANTS])
def project(request: pytest.FixtureRequest, projects: dict[str, Future[Project]]) -> Project:
    return projects[request.param].result(timeout=900)


def test_no_template_name_is_left(project: Project) -> None:
    assert leftover_names(project.path) == []


def test_no_template_expression_is_left(project: Project) -> None:
    assert unrendered(project.path) == []


def test_the_answers_are_recorded_for_updates(project: Project) -> None:
    answers = (project.path / ".copier-answers.yml").read_text()
    assert f"package_name: {project.variant.package}" in answers
    assert "_commit:" in answers and "_src_path:" in answers


def test_its_dependencies_are_those_of_what_it_kept(project: Project) -> None:
    template = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime, dev = dependencies(ROOT)
    for part, (only_runtime, only_dev) in ONLY_FOR.items():
        if not project.variant.kept(part):
            runtime -= only_runtime
            dev -= only_dev
    assert dependencies(project.path) == (runtime, dev)
    dropped = set().union(*(
        r | d for part, (r, d) in ONLY_FOR.items() if not project.variant.kept(part)
    ))  # fmt: skip
    for lock in ("runtime.txt", "dev.txt"):
        assert not pinned(project.path, lock) & dropped, lock
    assert template["project"]["name"] == "hexa"


@pytest.mark.parametrize("check", ["install", "ruff", "format", "mypy", "import-linter",
                                   "tests", "serve"])  # fmt: skip
def test_its_own_check_passes(project: Project, check: str) -> None:
    outcome = project.outcomes.get(check)
    assert outcome is not None, f"not run: {[o.report for o in project.outcomes.values()]}"
    assert outcome.returncode == 0, outcome.report[-6000:]
