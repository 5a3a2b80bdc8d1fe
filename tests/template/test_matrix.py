"""The wider matrix behind `make test-template`: a copy without each optional part alone,
and some pairs, each held to its own checks as the two copies of `make test` are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.template.copies import (
    Project,
    Variant,
    check,
    copy,
    install,
    leftover_names,
    serve,
    unrendered,
)
from tests.template.test_variants import FAST_TESTS, NAMES

pytestmark = pytest.mark.skipif(
    not os.environ.get("HEXA_TEMPLATE_MATRIX"),
    reason="the wider template matrix runs with `make test-template` (HEXA_TEMPLATE_MATRIX=1)",
)
PARTS = ("mongo", "redis", "s3", "worker", "admin_ui", "k8s", "postman", "example_domain")
LEFT_OUT = [
    *((part,) for part in PARTS),
    ("worker", "example_domain"),
    ("mongo", "admin_ui"),
    ("k8s", "postman"),
    ("redis", "example_domain"),
]


@pytest.mark.parametrize("left_out", LEFT_OUT, ids=["-".join(p) for p in LEFT_OUT])
def test_a_copy_without_these_parts_passes_its_own_checks(
    left_out: tuple[str, ...], tmp_path: Path
) -> None:
    answers = NAMES | dict.fromkeys(left_out, False)
    if "redis" in left_out:
        answers["worker"] = False
    project = Project(Variant("-".join(left_out), answers), tmp_path / "copy")
    made = copy(project.variant, project.path)
    assert made.returncode == 0, made.stderr[-4000:]
    assert leftover_names(project.path) == []
    assert unrendered(project.path) == []
    if install(project).returncode == 0:
        check(project, FAST_TESTS)
        serve(project)

    failed = [o.report[-3000:] for o in project.outcomes.values() if o.returncode != 0]
    assert failed == []
