"""The manifests and the compose file name what the code has: settings by their Settings
names, secrets from the Secret, commands the CLI knows, the port it listens on, the queue
arq fills and the heartbeat the worker writes."""

from __future__ import annotations

from typing import Any

import pytest

from hexa.cli import _parser
from hexa.config import Settings
from tests.ops.files import (
    CLI,
    ROOT,
    SECRET_SETTINGS,
    SETTINGS,
    TRACING_READER,
    TRACING_VARIABLES,
    config_map,
    hexa_containers,
    instructions,
    manifest,
    manifests,
    pod_spec,
)

VERBS = set(_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
CONTAINERS = dict(hexa_containers())


def _env_names(container: dict[str, Any]) -> set[str]:
    return {entry["name"] for entry in container.get("env", [])}


def test_the_configmap_holds_only_settings_and_no_secret() -> None:
    names = set(config_map())

    assert names <= SETTINGS | TRACING_VARIABLES, names - SETTINGS - TRACING_VARIABLES
    assert not names & SECRET_SETTINGS
    reader = (ROOT / TRACING_READER).read_text()
    assert [name for name in TRACING_VARIABLES if f'"{name}"' not in reader] == []


@pytest.mark.parametrize("name", sorted(CONTAINERS))
def test_every_container_sets_settings_and_takes_secrets_from_the_secret(name: str) -> None:
    container = CONTAINERS[name]
    env = {entry["name"]: entry for entry in container.get("env", [])}

    assert set(env) <= SETTINGS, set(env) - SETTINGS
    for variable, entry in env.items():
        if variable in SECRET_SETTINGS:
            reference = entry["valueFrom"]["secretKeyRef"]
            assert (reference["name"], reference["key"]) == ("hexa-secrets", variable)
        assert "value" not in entry or variable not in SECRET_SETTINGS
    assert {"DATABASE_URL", "REDIS_URL", "JWT_SECRET", "API_KEY_PEPPER"} <= set(env)
    assert container["envFrom"] == [{"configMapRef": {"name": "hexa-config"}}]


def test_the_secret_example_names_every_secret_setting_and_nothing_else() -> None:
    secret = manifest("Secret", "hexa-secrets")

    assert set(secret["stringData"]) == SECRET_SETTINGS
    assert not any(secret["stringData"].values())  # names only


@pytest.mark.parametrize("name", sorted(CONTAINERS))
def test_every_command_is_a_hexa_verb(name: str) -> None:
    command = CONTAINERS[name]["command"]
    assert command[0] == CLI and command[1] in VERBS
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        if "exec" in CONTAINERS[name].get(probe, {}):
            probe_command = CONTAINERS[name][probe]["exec"]["command"]
            assert probe_command[0] == CLI and probe_command[1] in VERBS


def test_the_app_listens_where_the_service_and_probes_look() -> None:
    app = CONTAINERS["Deployment/hexa-monolith/app"]
    [port] = app["ports"]
    service = manifest("Service", "hexa-monolith")

    assert app["command"] == ["hexa", "serve"]
    assert port["containerPort"] == int(config_map()["PORT"]) == Settings().port
    assert config_map()["HOST"] == "0.0.0.0"  # noqa: S104 - a pod listens on its own IP
    assert service["spec"]["ports"][0]["targetPort"] == port["name"]
    assert (
        service["spec"]["selector"]
        == manifest("Deployment", "hexa-monolith")["spec"]["selector"]["matchLabels"]
    )
    assert app["livenessProbe"]["httpGet"]["path"] == "/health"
    assert app["startupProbe"]["httpGet"]["path"] == "/health"
    assert app["readinessProbe"]["httpGet"]["path"] == "/readyz"
    policy = manifest("NetworkPolicy", "hexa-monolith")
    assert policy["spec"]["ingress"][0]["ports"][0]["port"] == port["containerPort"]


def test_the_migrate_job_migrates() -> None:
    assert CONTAINERS["Job/hexa-migrate/migrate"]["command"] == ["hexa", "migrate"]


def test_one_image_everywhere() -> None:
    images = {container["image"] for container in CONTAINERS.values()}

    assert len(images) == 1


def test_selectors_match_the_pods_they_mean() -> None:
    labels = {
        document["metadata"]["name"].removeprefix("hexa-"): document["spec"]["template"]["metadata"]
        ["labels"]
        for _, document in manifests()
        if document["kind"] in ("Deployment", "Job")
    }  # fmt: skip
    for _, document in manifests():
        if document["kind"] in ("PodDisruptionBudget", "NetworkPolicy"):
            selector = (document["spec"].get("selector") or document["spec"]["podSelector"])[
                "matchLabels"
            ]
            target = labels[document["metadata"]["name"].removeprefix("hexa-")]
            assert selector.items() <= target.items(), document["metadata"]["name"]
        if document["kind"] == "HorizontalPodAutoscaler":
            assert document["spec"]["scaleTargetRef"]["name"] in {
                d["metadata"]["name"] for _, d in manifests() if d["kind"] == "Deployment"
            }


def test_the_image_runs_as_the_user_the_pods_require() -> None:
    [user] = instructions("USER")
    uid = int(user.split(":")[0])

    assert uid >= 10000
    for _, document in manifests():
        if document["kind"] in ("Deployment", "Job"):
            assert pod_spec(document)["securityContext"]["runAsUser"] == uid
