"""OPSHANDOFF.md names only what exists: make targets, paths, `hexa` verbs, the Kubernetes
objects it rolls out or back, and SQL that runs against the real schema."""

from __future__ import annotations

import re
import sqlite3

import pytest
import sqlalchemy as sa

from hexa.adapters.sql.tables import schema
from hexa.cli import _parser
from tests.ops.files import (
    CLI,
    OPSHANDOFF,
    OTHER_VARIABLES,
    ROOT,
    SECRET_SETTINGS,
    SETTINGS,
    TRACING_VARIABLES,
    manifests,
)

TEXT = OPSHANDOFF.read_text()
VERBS = set(_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


def _make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))


def test_every_make_target_it_names_exists() -> None:
    named = set(re.findall(r"make ([a-z][a-z-]*)", TEXT))

    assert {"run", "smoke", "test", "compose-test", "worker"} <= named
    assert named <= _make_targets(), named - _make_targets()


def test_every_path_it_names_exists() -> None:
    candidates = set(re.findall(r"`([\w./-]+/[\w./-]*|[\w-]+\.(?:py|md|yml|yaml|toml|sh))`", TEXT))
    candidates |= set(re.findall(r"-f (k8s/[\w./-]*)", TEXT))
    # var/ holds what runs make (newman's cache, the SQLite file): absent from a clone.
    paths = {c for c in candidates if not c.startswith(("/api", "/", "http", "var/"))}

    assert "k8s/migrate-job.yaml" in paths and "scripts/run_postman_smoke.py" in paths
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert missing == []


def test_every_hexa_command_it_names_is_a_verb() -> None:
    named = set(re.findall(rf"(?<![\w-]){CLI} ([a-z][a-z-]+)", TEXT))

    assert named <= VERBS, named - VERBS
    assert {"serve", "worker", "migrate", "token", "worker-alive"} <= named


def test_every_kubernetes_object_it_names_exists() -> None:
    objects = {(d["kind"].lower(), d["metadata"]["name"]) for _, d in manifests()}
    named = set(re.findall(r"\b(deployment|job|deploy)/([a-z0-9-]+)", TEXT))

    assert named
    for kind, name in named:
        assert ("deployment" if kind == "deploy" else kind, name) in objects


def test_the_revision_it_rolls_back_to_is_a_migration() -> None:
    [revision] = re.findall(rf"{CLI} migrate (\d{{4}})", TEXT)

    assert list((ROOT / "db" / "migrations" / "versions").glob(f"{revision}_*.py"))


@pytest.mark.parametrize(
    "query",
    [
        q.strip()
        for block in re.findall(r"```sql\n(.*?)```", TEXT, flags=re.DOTALL)
        for q in block.split(";")
        if q.strip()
    ],  # fmt: skip
)
def test_its_sql_runs_on_the_real_tables_and_columns(query: str) -> None:
    engine = sa.create_engine("sqlite://")
    schema().create_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32))")
    raw = engine.raw_connection()
    try:
        raw.cursor().execute(f"EXPLAIN {query}")
    except sqlite3.OperationalError as error:
        pytest.fail(f"{error}: {query}")
    finally:
        raw.close()


def _opshandoff_variables() -> set[str]:
    text = OPSHANDOFF.read_text()
    backticked = re.findall(r"`([A-Z][A-Z0-9_]{2,})(?:=[^`]*)?`", text)
    assigned = re.findall(r"(?<![A-Za-z0-9_$-])([A-Z][A-Z0-9_]{2,})=", text)
    return set(backticked) | set(assigned)


def test_every_variable_opshandoff_names_is_a_setting_or_read_where_it_says() -> None:
    named = _opshandoff_variables()
    others = named - SETTINGS - TRACING_VARIABLES

    assert others <= set(OTHER_VARIABLES), others - set(OTHER_VARIABLES)
    for variable, reader in OTHER_VARIABLES.items():
        assert variable in (ROOT / reader).read_text(), (variable, reader)
    assert named >= SECRET_SETTINGS
