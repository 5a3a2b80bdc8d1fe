"""Every document in k8s/ validates, strictly, against the Kubernetes version we support.
kubernetes-validate's command line passes kinds it has no schema for (and removed API
versions), so the Python API is used and a missing schema fails unless allowed here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from kubernetes_validate.utils import SchemaNotFoundError

from tests.ops.files import ROOT, manifest_files, manifests

KUBERNETES_VERSION = "1.30.0"
# Custom resources with no schema in kubernetes-validate: KEDA's only.
WITHOUT_SCHEMA = {("keda.sh/v1alpha1", "ScaledObject")}


def validate(document: dict[str, Any]) -> None:
    try:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    except SchemaNotFoundError:
        if (document.get("apiVersion"), document.get("kind")) not in WITHOUT_SCHEMA:
            raise


@pytest.mark.parametrize(
    ("path", "document"),
    list(manifests()),
    ids=[f"{p.relative_to(ROOT)}:{d['kind']}/{d['metadata']['name']}" for p, d in manifests()],
)
def test_every_manifest_validates_strictly(path: Path, document: dict[str, Any]) -> None:
    validate(document)


def test_the_manifests_are_the_expected_set() -> None:
    found = {(d["kind"], d["metadata"]["name"]) for _, d in manifests()}

    assert found == {
        ("ConfigMap", "hexa-config"),
        ("ServiceAccount", "hexa"),
        ("Deployment", "hexa-monolith"),
        ("Deployment", "hexa-worker"),
        ("Service", "hexa-monolith"),
        ("Job", "hexa-migrate"),
        ("HorizontalPodAutoscaler", "hexa-monolith"),
        ("HorizontalPodAutoscaler", "hexa-worker"),
        ("ScaledObject", "hexa-worker"),
        ("PodDisruptionBudget", "hexa-monolith"),
        ("PodDisruptionBudget", "hexa-worker"),
        ("NetworkPolicy", "hexa-monolith"),
        ("NetworkPolicy", "hexa-worker"),
        ("NetworkPolicy", "hexa-migrate"),
        ("Secret", "hexa-secrets"),
    }
    assert all(path.suffix == ".yaml" for path in manifest_files())


def test_an_unknown_field_fails_strict_validation() -> None:
    deployment = next(d for _, d in manifests() if d["kind"] == "Deployment")
    broken = deployment | {"spec": deployment["spec"] | {"replica": 2}}

    with pytest.raises(kubernetes_validate.ValidationError):
        validate(broken)


@pytest.mark.parametrize(
    "document",
    [
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
        # Removed in Kubernetes 1.25: a cluster of our version refuses it.
        {
            "apiVersion": "policy/v1beta1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "p"},
            "spec": {"minAvailable": 1},
        },
    ],  # fmt: skip
    ids=["unknown-kind", "removed-api-version"],
)
def test_a_kind_without_a_schema_fails_unless_allowed(document: dict[str, Any]) -> None:
    with pytest.raises(SchemaNotFoundError):
        validate(document)


def test_a_plain_apply_of_k8s_takes_no_secret_and_no_custom_resource() -> None:
    """`kubectl apply -f k8s/` is not recursive: it must not blank the real Secret nor need
    KEDA; those live in subfolders, applied on purpose."""
    top_level = [d for p, d in manifests() if p.parent.name == "k8s"]

    assert not [d for d in top_level if d["kind"] == "Secret"]
    assert all("." not in d["apiVersion"] or d["apiVersion"].split("/")[0].endswith("k8s.io")
               or d["apiVersion"].split("/")[0] in ("apps", "batch", "policy", "autoscaling")
               for d in top_level)  # fmt: skip
    assert not (ROOT / "k8s" / "kustomization.yaml").exists()  # it would break `-f k8s/`
