"""The Dockerfile and the compose file agree with the code and with k8s/: the port, the
user, the command, what the image is built from; the test servers listen on loopback."""

from __future__ import annotations

import json
import re

from hexa.cli import _parser
from hexa.config import Settings
from tests.ops.files import DOCKERFILE, ROOT, compose, compose_hexa_services, manifests, pod_spec

TEXT = DOCKERFILE.read_text()
VERBS = set(_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


def _instructions(name: str) -> list[str]:
    joined = TEXT.replace("\\\n", " ")
    return re.findall(rf"^{name} (.+)$", joined, flags=re.MULTILINE)


def test_the_image_exposes_and_sets_the_port_the_app_listens_on() -> None:
    assert _instructions("EXPOSE") == [str(Settings().port)]
    assert f"PORT={Settings().port}" in _instructions("ENV")[-1]
    assert "HOST=0.0.0.0" in _instructions("ENV")[-1]


def test_the_image_serves_by_default_in_exec_form() -> None:
    [command] = _instructions("CMD")
    assert json.loads(command) == ["hexa", "serve"]
    assert "/health" in _instructions("HEALTHCHECK")[0]


def test_the_image_runs_as_the_user_the_pods_require() -> None:
    [user] = _instructions("USER")
    uid = int(user.split(":")[0])

    assert uid >= 10000
    for _, document in manifests():
        if document["kind"] in ("Deployment", "Job"):
            assert pod_spec(document)["securityContext"]["runAsUser"] == uid


def test_the_image_installs_the_hashed_lock_and_copies_only_what_dockerignore_allows() -> None:
    allowed = {
        line.strip("!/").rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    copied = [args.split()[0] for args in _instructions("COPY") if "--from" not in args]

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
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)
        if name not in compose_hexa_services() or name in ("app", "worker"):
            assert "healthcheck" in service or name == "app", name  # app: the image's


def test_the_compose_app_services_are_behind_a_profile_and_run_hexa_verbs() -> None:
    for name, service in compose_hexa_services().items():
        assert service["profiles"] == ["app"], name
        assert service["command"][0] == "hexa" and service["command"][1] in VERBS
