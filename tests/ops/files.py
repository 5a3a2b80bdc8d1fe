"""The operations files as data, for the tests that hold them to the code: manifests,
compose services, the names of settings, and where the validators are installed."""

from __future__ import annotations

import re
import shutil
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from hexa.config import Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
COMPOSE = ROOT / "docker-compose.test.yml"
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
OPSHANDOFF = ROOT / "OPSHANDOFF.md"
DOCKERFILE = ROOT / "Dockerfile"
# The console script, as pyproject.toml names it.
CLI = next(iter(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]))
# The validators: the dev group's beside this interpreter, checkov in its own venv.
BIN = Path(sys.executable).parent
OPS_BIN = ROOT / ".venv-ops" / "bin"

SETTINGS = frozenset(name.upper() for name in Settings.model_fields)
# Secret-bearing settings: from a Secret in Kubernetes, never a ConfigMap.
SECRET_SETTINGS = frozenset(
    {"JWT_SECRET", "JWT_PREVIOUS_SECRETS", "API_KEY_PEPPER", "DATABASE_URL", "MONGO_URI",
     "REDIS_URL", "SMTP_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
)  # fmt: skip
# Variables the build reads that are not Settings, each with a file that must read it.
OTHER_VARIABLES = {
    "HEXA_ADMIN_PASSWORD": "src/hexa/cli.py",
    "HEXA_ADMIN_EMAIL": "scripts/run_postman_smoke.py",
    "HEXA_SMOKE_TOKEN": "scripts/run_postman_smoke.py",
    "HEXA_NEWMAN_DIR": "scripts/run_postman_smoke.py",
    "BASE_URL": "scripts/run_postman_smoke.py",
    "HEXA_TEST_POSTGRES_URL": "scripts/with-test-services.sh",
    "HEXA_TEST_POSTGRES_STAIRWAY_URL": "scripts/with-test-services.sh",
    "HEXA_TEST_REDIS_URL": "scripts/with-test-services.sh",
    "HEXA_COMPOSE_POSTGRES_PORT": "docker-compose.test.yml",
    "HEXA_COMPOSE_MONGO_PORT": "docker-compose.test.yml",
    "HEXA_COMPOSE_REDIS_PORT": "docker-compose.test.yml",
    "HEXA_COMPOSE_APP_PORT": "docker-compose.test.yml",
}
# OpenTelemetry's standard variables, read by the tracing driver rather than by Settings:
# the ConfigMap may set them and OPSHANDOFF.md name them (docs/tracing.md).
TRACING_VARIABLES = frozenset(
    {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SERVICE_NAME",
     "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_EXPORTER_OTLP_TIMEOUT",
     "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_SDK_DISABLED"}
)  # fmt: skip
TRACING_READER = "src/hexa/drivers/tracing.py"


def instructions(name: str) -> list[str]:
    """The arguments of each Dockerfile instruction `name`, continuation lines joined."""
    joined = DOCKERFILE.read_text().replace("\\\n", " ")
    return re.findall(rf"^{name} (.+)$", joined, flags=re.MULTILINE)


def manifest_files() -> list[Path]:
    return sorted(K8S.rglob("*.yaml"))


def manifests() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in manifest_files():
        for document in yaml.safe_load_all(path.read_text()):
            if document is not None:
                yield path, document


def manifest(kind: str, name: str) -> dict[str, Any]:
    [found] = [d for _, d in manifests() if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def pod_spec(document: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = document["spec"]["template"]["spec"]
    return spec


def hexa_containers() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every container of every workload in k8s/, named `<kind>/<name>/<container>`."""
    for _, document in manifests():
        if document["kind"] in ("Deployment", "Job"):
            for container in pod_spec(document)["containers"]:
                yield (
                    f"{document['kind']}/{document['metadata']['name']}/{container['name']}",
                    (container),
                )


def config_map() -> dict[str, str]:
    data: dict[str, str] = manifest("ConfigMap", "hexa-config")["data"]
    return data


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def compose_hexa_services() -> dict[str, dict[str, Any]]:
    """The compose services that run the Hexa image."""
    return {
        name: service
        for name, service in compose()["services"].items()
        if service.get("image", "").startswith("hexa")
    }


def tool(name: str, where: Path = BIN) -> str:
    path = where / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        install = "make install-ops" if where == OPS_BIN else "make install-dev"
        pytest.fail(f"{name} is not installed: `{install}` (make test does it)")
    return found
