"""`copier update` brings a later Hexa release into a project that has moved on: both
changes are kept, nothing conflicts, and an update with nothing new changes nothing.

The template is a throw-away git repository of this checkout, tagged `v1`, then `v2`
after a change of its own, as a release would be.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.template.copies import BIN, ROOT, Variant, copy, project_environment

LEAN = Variant(
    "lean",
    {"project_name": "Acme QC", "project_slug": "acme-qc", "package_name": "acme_qc"}
    | dict.fromkeys(("mongo", "redis", "admin_ui", "k8s", "postman"), False),
)
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.com",
}  # fmt: skip


def git(where: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(
        ["git", *args], cwd=where, env=os.environ | GIT_IDENTITY,
        capture_output=True, text=True, check=check,
    )  # fmt: skip
    return result.stdout


def release(template: Path, tag: str) -> None:
    git(template, "add", "--all")
    git(template, "commit", "--quiet", "--allow-empty", "-m", f"release {tag}")
    git(template, "tag", tag)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's files, committed and tagged v1."""
    where = tmp_path_factory.mktemp("template")
    listed = git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (where / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, where / name)
    git(where, "init", "--quiet", "--initial-branch", "main")
    release(where, "v1")
    return where


def update(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "copier"), "update", "--trust", "--defaults", "--quiet"],
        cwd=project, env=project_environment(project) | GIT_IDENTITY,
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_an_update_keeps_the_projects_changes_and_brings_the_templates(
    template: Path, tmp_path: Path
) -> None:
    project = tmp_path / "acme"
    made = copy(LEAN, project, source=template)
    assert made.returncode == 0, made.stderr
    git(project, "init", "--quiet", "--initial-branch", "main")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "made from hexa v1")
    # The project's own change: a domain rule of its own, and a line of its README.
    users = project / "src" / "acme_qc" / "domain" / "users.py"
    users.write_text(users.read_text() + "\n\nMAX_TEAM_SIZE = 12  # Acme's own rule\n")
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nAcme runs this for its plants.\n")
    git(project, "commit", "--quiet", "-am", "our own changes")
    # The template's change, released as v2: a fix in the core, a line in the docs.
    errors = template / "src" / "hexa" / "domain" / "errors.py"
    errors.write_text(errors.read_text() + "\n\nRELEASE_NOTE = 'a later Hexa fix'\n")
    architecture = template / "docs" / "architecture.md"
    architecture.write_text(architecture.read_text() + "\nA note of Hexa v2.\n")
    release(template, "v2")

    updated = update(project)

    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert "Acme's own rule" in users.read_text()
    assert "Acme runs this for its plants." in readme.read_text()
    fixed = (project / "src" / "acme_qc" / "domain" / "errors.py").read_text()
    assert 'RELEASE_NOTE = "a later Acme QC fix"' in fixed  # renamed, and formatted as ours
    assert "A note of Acme QC v2." in (project / "docs" / "architecture.md").read_text()
    assert not (project / "src" / "hexa").exists()
    assert "_commit: v2" in (project / ".copier-answers.yml").read_text()
    conflicted = git(project, "grep", "-l", "-e", "^<<<<<<< ", "-e", "^>>>>>>> ", check=False)
    assert conflicted == ""
    assert not list(project.rglob("*.rej"))

    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "hexa v2")
    again = update(project)

    assert again.returncode == 0, again.stdout + again.stderr
    assert git(project, "status", "--porcelain") == ""
