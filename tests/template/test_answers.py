"""Answers Copier must refuse before it writes anything: each with one line saying why."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.template.copies import Variant, copy


@pytest.mark.parametrize(
    ("answers", "says"),
    [
        ({"package_name": "Acme-QC"}, "a Python package name"),
        ({"package_name": "class"}, "class is a Python keyword"),
        ({"package_name": "json"}, "would hide a module"),
        ({"package_name": "hexa_qc"}, "keep the template's own name out"),
        ({"project_slug": "Acme QC"}, "as in a DNS name"),
        ({"project_slug": "hexa-tools"}, "out of the slug"),
        ({"redis": False, "worker": True}, "the worker takes its jobs from Redis"),
        ({"worker": False, "k8s": True}, "the Kubernetes manifests run the worker"),
    ],
    ids=[
        "not-an-identifier",
        "keyword",
        "shadows-stdlib",
        "template-name",
        "slug",
        "template-slug",
        "worker",
        "k8s",
    ],  # fmt: skip
)
def test_a_bad_answer_is_refused_with_its_reason_and_nothing_written(
    answers: dict[str, object], says: str, tmp_path: Path
) -> None:
    destination = tmp_path / "project"

    made = copy(Variant("bad", answers), destination)

    assert made.returncode != 0
    [last] = made.stderr.strip().splitlines()[-1:]
    assert "Validation error" in last and says in last, made.stderr[-2000:]
    assert not destination.exists() or not any(destination.iterdir())
