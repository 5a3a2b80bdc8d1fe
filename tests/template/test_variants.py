"""Two projects made from this checkout, each held to its own checks: `full` (every
answer at its default, a new package name) and `minimal` (SQLite only: no MongoDB,
Redis, S3, worker, admin UI, Kubernetes, Postman or example domain).

Both are made, installed and checked at once, in the background, from the first test
that needs them; each test then reads one check's outcome.
"""

from __future__ import annotations

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
    scratch_postgres,
    serve,
    unrendered,
)

NAMES = {"project_name": "Acme QC", "project_slug": "acme-qc", "package_name": "acme_qc"}
FULL = Variant("full", NAMES)
MINIMAL = Variant(
    "minimal",
    NAMES
    | dict.fromkeys(
        ("mongo", "redis", "s3", "worker", "admin_ui", "k8s", "postman", "example_domain"),
        False,
    ),
)
VARIANTS = (FULL, MINIMAL)
FAST_TESTS = ("tests/unit", "tests/contract", "tests/http")
# What only a part needs: runtime dependencies, then dev ones (scripts/rename_project.py).
ONLY_FOR = {
    "mongo": ({"pymongo"}, {"pymongo-async-mock"}),
    "redis": ({"redis"}, set()),
    "s3": ({"aiobotocore"}, {"types-aiobotocore", "moto", "flask", "flask-cors"}),
    "worker": ({"arq"}, set()),
    "admin_ui": (set(), {"playwright", "pytest-playwright"}),
    "k8s": (set(), {"kubernetes-validate"}),
}


# The aggregate each copy adds, and the tests it is then held to: its own, the request
# models, and the migrations' match with the tables.
AGGREGATE = ("NAME=equipment", "FIELDS=serial:text location:text? commissioned:date")
AGGREGATE_TESTS = (
    "tests/unit/test_equipment.py", "tests/contract/test_equipment_repository.py",
    "tests/http/test_equipment.py", "tests/http/test_input_types.py",
    "tests/integration/test_migrations.py",
)  # fmt: skip


def _made(variant: Variant, where: Path) -> Project:
    project = Project(variant, where / variant.name)
    copied = copy(variant, project.path)
    if copied.returncode != 0:
        pytest.fail(f"copier copy failed:\n{copied.stdout}{copied.stderr}")
    if install(project).returncode != 0:
        return project
    check(project, FAST_TESTS)
    serve(project)
    project.run("aggregate", ["make", "aggregate", *AGGREGATE])
    check(project, AGGREGATE_TESTS, label="aggregate-", env=_servers(variant))
    return project


def _servers(variant: Variant) -> dict[str, str]:
    """The full copy's aggregate runs over PostgreSQL too, in a database of its own (and
    over the Mongo fake, as every contract suite does where Mongo is kept)."""
    prefix = variant.package.upper()
    if not variant.kept("mongo"):
        return {}
    url = scratch_postgres(f"{variant.package}_{variant.name}")
    stairway = scratch_postgres(f"{variant.package}_{variant.name}_stairway")
    if url is None or stairway is None:
        return {}
    return {f"{prefix}_TEST_POSTGRES_URL": url, f"{prefix}_TEST_POSTGRES_STAIRWAY_URL": stairway,
            f"{prefix}_REQUIRE_POSTGRES": "1"}  # fmt: skip


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


ROUND = ("ruff", "format", "mypy", "import-linter", "collect", "tests")
CHECKS = ["install", *ROUND, "serve", "aggregate", *(f"aggregate-{c}" for c in ROUND)]


@pytest.mark.parametrize("check", CHECKS)
def test_its_own_check_passes(project: Project, check: str) -> None:
    outcome = project.outcomes.get(check)
    assert outcome is not None, f"not run: {[o.report for o in project.outcomes.values()]}"
    assert outcome.returncode == 0, outcome.report[-6000:]


def _snapshot(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes()
        for p in path.rglob("*")
        if p.is_file()
        and not {".venv", ".mypy_cache", ".ruff_cache", "__pycache__"}
        & set(p.relative_to(path).parts)
    }


def test_renaming_again_changes_nothing(project: Project) -> None:
    before = _snapshot(project.path)

    again = project.run(
        "rename-again",
        ["python3", "scripts/rename_project.py", project.variant.package,
         "--slug", project.variant.cli, "--name", str(project.variant.answers["project_name"])],
    )  # fmt: skip

    assert again.returncode == 0, again.report
    assert _snapshot(project.path) == before


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (AGGREGATE, "exists already"),
        (("NAME=class", "FIELDS=serial:text"), "is a Python keyword"),
        (("NAME=gauge", "FIELDS=reading:blob"), "the type is one of"),
        (("NAME=gauge", "FIELDS=reading:text reading:integer"), "is named twice"),
        (("NAME=gauge", "FIELDS=version:integer"), "a name every aggregate has"),
        (("NAME=api_key", "FIELDS=serial:text"), "a route is named create_api_key"),
    ],
    ids=["exists", "keyword", "type", "twice", "reserved", "route"],
)
def test_an_aggregate_it_cannot_make_is_one_line_and_nothing_written(
    projects: dict[str, Future[Project]], arguments: tuple[str, ...], says: str
) -> None:
    project = projects["minimal"].result(timeout=900)
    before = _snapshot(project.path)

    refused = project.run("aggregate-refused", ["make", "--no-print-directory", "aggregate",
                                                *arguments])  # fmt: skip

    assert refused.returncode != 0
    assert "add_aggregate: " in refused.output and says in refused.output, refused.report
    assert _snapshot(project.path) == before
