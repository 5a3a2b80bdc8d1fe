"""The offline scanners and linters pass on every operations file: checkov (Kubernetes,
Dockerfile, workflow) with skips only as annotations that give a reason, hadolint,
yamllint, and the compose and workflow schemas."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.ops.files import COMPOSE, DOCKERFILE, OPS_BIN, ROOT, WORKFLOW, tool

# Kubernetes where the project kept its manifests (k8s/).
FRAMEWORKS = (*(("kubernetes",) if (ROOT / "k8s").is_dir() else ()), "dockerfile", "github_actions")


@pytest.fixture(scope="module")
def checkov() -> dict[str, dict[str, Any]]:
    """One checkov run over the three frameworks (it is slow), by check type."""
    environment = os.environ | {
        # No network: no mapping download, no version check.
        "BC_SKIP_MAPPING": "TRUE",
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",
    }
    result = subprocess.run(
        [tool("checkov", OPS_BIN), "--directory", str(ROOT), "--framework", *FRAMEWORKS,
         "--skip-path", r"\.venv", "--skip-path", "var/", "--skip-path", "node_modules",
         "--compact", "--output", "json"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.stdout.strip(), result.stderr
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    return {report["check_type"]: report for report in reports}


def test_checkov_scans_every_framework(checkov: dict[str, dict[str, Any]]) -> None:
    assert set(checkov) == set(FRAMEWORKS)
    for report in checkov.values():
        assert report["summary"]["parsing_errors"] == 0
        assert report["summary"]["passed"] > 0


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_checkov_finds_no_failed_check(checkov: dict[str, dict[str, Any]], framework: str) -> None:
    failed = [
        f"{check['check_id']} {check['file_path']} {check['resource']}: {check['check_name']}"
        for check in checkov[framework]["results"]["failed_checks"]
    ]

    assert failed == []


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_checkov_skip_gives_its_reason(
    checkov: dict[str, dict[str, Any]], framework: str
) -> None:
    for check in checkov[framework]["results"]["skipped_checks"]:
        reason = check.get("check_result", {}).get("suppress_comment", "")
        assert len(reason.split()) >= 4, (check["check_id"], check["resource"], reason)


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    result = subprocess.run(
        [tool("hadolint"), "--failure-threshold", "warning", str(DOCKERFILE)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr


def _yaml_files() -> list[Path]:
    """What git tracks (or would), or every YAML file outside the venvs in a project that
    is not a git repository yet."""
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.yaml", "*.yml"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if tracked.returncode == 0:
        return [ROOT / name for name in tracked.stdout.split()]
    skipped = {".venv", ".venv-ops", "var", "node_modules", ".git"}
    return sorted(
        path
        for pattern in ("*.yaml", "*.yml")
        for path in ROOT.rglob(pattern)
        if not skipped & set(path.relative_to(ROOT).parts)
    )


def test_yamllint_passes_every_yaml_file() -> None:
    files = _yaml_files()
    config = str(ROOT / ".yamllint.yaml")
    result = subprocess.run(
        [tool("yamllint"), "--strict", "--config-file", config, *map(str, files)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert {COMPOSE, WORKFLOW} <= set(files)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("schema", "path"),
    [("vendor.compose-spec", COMPOSE), ("vendor.github-workflows", WORKFLOW)],
    ids=["compose", "workflow"],
)
def test_the_compose_file_and_the_workflow_match_their_schemas(schema: str, path: Path) -> None:
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", schema, str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
