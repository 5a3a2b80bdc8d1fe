"""The Dockerfile and the compose file agree with the code and with k8s/: the port, the
user, the command, what the image is built from; the test servers listen on loopback."""

from __future__ import annotations

import json

from hexa.cli import _parser
from hexa.config import Settings
from tests.ops.files import (
    CLI,
    DOCKERFILE,
    ROOT,
    SETTINGS,
    compose,
    compose_hexa_services,
    instructions,
)

TEXT = DOCKERFILE.read_text()
VERBS = set(_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


def test_the_image_exposes_and_sets_the_port_the_app_listens_on() -> None:
    assert instructions("EXPOSE") == [str(Settings().port)]
    assert f"PORT={Settings().port}" in instructions("ENV")[-1]
    assert "HOST=0.0.0.0" in instructions("ENV")[-1]


def test_the_image_serves_by_default_in_exec_form() -> None:
    [command] = instructions("CMD")
    assert json.loads(command) == ["hexa", "serve"]
    assert "/health" in instructions("HEALTHCHECK")[0]


def test_the_image_installs_the_hashed_lock_and_copies_only_what_dockerignore_allows() -> None:
    allowed = {
        line.strip("!/").rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    copied = [args.split()[0] for args in instructions("COPY") if "--from" not in args]

    assert "--require-hashes -r requirements/runtime.txt" in TEXT
    assert {"src", "db", "requirements", "pyproject.toml"} <= allowed
    for source in copied:
        assert source == "." or source.split("/")[0] in allowed, source
    for name in allowed:
        assert name == "static" or (ROOT / name).exists(), name  # static/ comes with the UI


def test_every_test_server_listens_on_loopback_and_has_a_health_check() -> None:
    services = compose()["services"]
    images = {name: service["image"] for name, service in services.items()}

    assert (images["postgres"], images["mongo"], images["redis"]) == (
        "postgres:15", "mongo:7", "redis:7"
    )  # fmt: skip
    # One-shot jobs (the migration, the bucket) are waited for to complete, not to be healthy.
    one_shot = {
        needed
        for service in services.values()
        for needed, condition in (service.get("depends_on") or {}).items()
        if condition.get("condition") == "service_completed_successfully"
    }
    assert images["minio"].startswith("quay.io/minio/minio:RELEASE.")
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)
        if name not in one_shot and name != "app":  # app: the image's
            assert "healthcheck" in service, name


def test_the_compose_app_services_are_behind_a_profile_and_run_hexa_verbs() -> None:
    for name, service in compose_hexa_services().items():
        assert service["profiles"] == ["app"], name
        assert service["command"][0] == CLI and service["command"][1] in VERBS


def test_the_compose_stack_sets_only_settings() -> None:
    for name, service in compose_hexa_services().items():
        environment = set(service.get("environment", {}))
        assert environment <= SETTINGS, (name, environment - SETTINGS)


def test_compose_commands_are_hexa_verbs() -> None:
    for service in compose_hexa_services().values():
        for command in (service["command"], service.get("healthcheck", {}).get("test", [])[1:]):
            if command:
                assert command[0] == CLI and command[1] in VERBS, command
