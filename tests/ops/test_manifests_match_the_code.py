"""The manifests and the compose file name what the code has: settings by their Settings
names, secrets from the Secret, commands the CLI knows, the port it listens on, the queue
arq fills and the heartbeat the worker writes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hexa.adapters.redis.arq_queue import QUEUE_NAME
from hexa.cli import _parser
from hexa.config import Settings
from hexa.drivers.worker.settings import BEAT_EVERY_SECONDS
from tests.ops.files import (
    OPSHANDOFF,
    OTHER_VARIABLES,
    ROOT,
    SECRET_SETTINGS,
    SETTINGS,
    compose_hexa_services,
    config_map,
    hexa_containers,
    manifest,
    manifests,
    pod_spec,
)

VERBS = set(_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
CONTAINERS = dict(hexa_containers())


def _env_names(container: dict[str, Any]) -> set[str]:
    return {entry["name"] for entry in container.get("env", [])}


def _opshandoff_variables() -> set[str]:
    text = OPSHANDOFF.read_text()
    backticked = re.findall(r"`([A-Z][A-Z0-9_]{2,})(?:=[^`]*)?`", text)
    assigned = re.findall(r"(?<![A-Za-z0-9_$-])([A-Z][A-Z0-9_]{2,})=", text)
    return set(backticked) | set(assigned)


def test_the_configmap_holds_only_settings_and_no_secret() -> None:
    names = set(config_map())

    assert names <= SETTINGS, names - SETTINGS
    assert not names & SECRET_SETTINGS


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


def test_the_compose_stack_sets_only_settings() -> None:
    for name, service in compose_hexa_services().items():
        environment = set(service.get("environment", {}))
        assert environment <= SETTINGS, (name, environment - SETTINGS)


def test_every_variable_opshandoff_names_is_a_setting_or_read_where_it_says() -> None:
    named = _opshandoff_variables()
    others = named - SETTINGS

    assert others <= set(OTHER_VARIABLES), others - set(OTHER_VARIABLES)
    for variable, reader in OTHER_VARIABLES.items():
        assert variable in (ROOT / reader).read_text(), (variable, reader)
    assert named >= SECRET_SETTINGS


@pytest.mark.parametrize("name", sorted(CONTAINERS))
def test_every_command_is_a_hexa_verb(name: str) -> None:
    command = CONTAINERS[name]["command"]
    assert command[0] == "hexa" and command[1] in VERBS
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        if "exec" in CONTAINERS[name].get(probe, {}):
            probe_command = CONTAINERS[name][probe]["exec"]["command"]
            assert probe_command[0] == "hexa" and probe_command[1] in VERBS


def test_compose_commands_are_hexa_verbs() -> None:
    for service in compose_hexa_services().values():
        for command in (service["command"], service.get("healthcheck", {}).get("test", [])[1:]):
            if command:
                assert command[0] == "hexa" and command[1] in VERBS, command


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


def test_the_worker_outlasts_its_shutdown_grace_and_is_probed_by_its_heartbeat() -> None:
    worker = manifest("Deployment", "hexa-worker")
    container = CONTAINERS["Deployment/hexa-worker/worker"]
    grace = int(config_map()["WORKER_SHUTDOWN_GRACE_SECONDS"])

    assert container["command"] == ["hexa", "worker"]
    assert pod_spec(worker)["terminationGracePeriodSeconds"] > grace
    assert container["livenessProbe"]["exec"]["command"] == ["hexa", "worker-alive"]
    assert container["livenessProbe"]["periodSeconds"] > BEAT_EVERY_SECONDS
    [port] = container["ports"]
    assert port["containerPort"] == int(config_map()["WORKER_METRICS_PORT"])
    policy = manifest("NetworkPolicy", "hexa-worker")
    assert policy["spec"]["ingress"][0]["ports"][0]["port"] == port["containerPort"]


def test_the_migrate_job_migrates() -> None:
    assert CONTAINERS["Job/hexa-migrate/migrate"]["command"] == ["hexa", "migrate"]


def test_workers_share_no_volume_with_the_app_so_blobs_live_in_sql() -> None:
    assert config_map()["BLOB_BACKEND"] == "sql"
    assert config_map()["QUEUE_BACKEND"] == "arq"


def test_one_image_everywhere() -> None:
    images = {container["image"] for container in CONTAINERS.values()}

    assert len(images) == 1


def test_worker_autoscaling_watches_the_queue_arq_fills() -> None:
    keda = manifest("ScaledObject", "hexa-worker")
    [trigger] = keda["spec"]["triggers"]
    external = manifest("HorizontalPodAutoscaler", "hexa-worker")
    [metric] = external["spec"]["metrics"]
    metrics_source = (ROOT / "src/hexa/drivers/http/metrics.py").read_text()

    assert trigger["type"] == "redis"
    assert trigger["metadata"]["listName"] == QUEUE_NAME
    assert keda["spec"]["scaleTargetRef"]["name"] == "hexa-worker"
    assert external["spec"]["scaleTargetRef"]["name"] == "hexa-worker"
    assert f'"{metric["external"]["metric"]["name"]}"' in metrics_source


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
