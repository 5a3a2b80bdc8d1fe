"""The worker's manifests held to the worker's code: its command, grace, heartbeat probe,
and the queue its autoscalers watch. (Left out with the worker, or with k8s/.)"""

from __future__ import annotations

from hexa.adapters.redis.arq_queue import QUEUE_NAME
from hexa.drivers.worker.settings import BEAT_EVERY_SECONDS
from tests.ops.files import ROOT, config_map, hexa_containers, manifest, pod_spec

CONTAINERS = dict(hexa_containers())


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


def test_workers_share_no_volume_with_the_app_so_blobs_live_in_sql() -> None:
    assert config_map()["BLOB_BACKEND"] == "sql"
    assert config_map()["QUEUE_BACKEND"] == "arq"


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
