"""One trace from an upload to the worker's SQL, received by a real OTLP/HTTP endpoint:
`hexa serve` and `hexa worker` as processes over PostgreSQL and Redis, exporting to
`tests.otlp_receiver`; and the same stack with its collector down."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_cli import ADMIN, _free_port
from tests.e2e import test_background_jobs
from tests.e2e.test_background_jobs import SECRET, a_packet, running_stack, wait_for
from tests.otlp_receiver import ReceivedSpan, Receiver, otlp_receiver, tree
from tests.processes import OwnRedis, Stack

own_redis = test_background_jobs.own_redis
empty_postgres = test_background_jobs.empty_postgres
# Spans leave a process within a tenth of a second, not the default five.
QUICK = {"OTEL_BSP_SCHEDULE_DELAY": "100"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with otlp_receiver() as running:
        yield running


@pytest.fixture
def traced(
    tmp_path: Path, own_redis: OwnRedis, empty_postgres: str, receiver: Receiver
) -> Iterator[Stack]:
    env = QUICK | {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url}
    with running_stack(tmp_path, own_redis, empty_postgres, env) as stack:
        yield stack


def test_an_upload_is_one_trace_from_the_request_to_the_workers_sql(
    traced: Stack, receiver: Receiver
) -> None:
    packet, _ = a_packet(1200, hot_every=100)  # progress every 500 rows read
    with traced.http() as http:
        accepted = http.post(
            "/api/v1/packets",
            files={"file": ("p.csv", packet, "text/csv")},
            headers={"X-Request-ID": "e2e-trace-1"},
        )
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["job_id"]
    wait_for(traced, job_id, lambda job: job["status"] == "done", timeout=60)

    def complete(spans: list[ReceivedSpan]) -> bool:
        run = [s for s in spans if s.name == "process validate_packet"]
        return bool(run) and any(s.parent_id == run[0].span_id for s in spans)

    assert receiver.wait_for(complete, timeout=20), traced.logs()
    [create] = [
        s
        for s in receiver.spans
        if s.name == "create validate_packet" and s.attributes["messaging.message.id"] == job_id
    ]
    spans = receiver.trace(create.trace_id)
    print(tree(spans))

    def one(name: str) -> ReceivedSpan:
        [span] = [s for s in spans if s.name == name]
        return span

    request = one("POST /api/v1/packets")
    assert (request.kind, request.service, request.parent_id) == ("SERVER", "hexa-api", "")
    assert request.attributes["hexa.request_id"] == "e2e-trace-1"
    assert request.attributes["http.response.status_code"] == 202
    assert (create.kind, create.service, create.parent_id) == (
        "PRODUCER",
        "hexa-api",
        request.span_id,
    )
    outbox_insert = [s for s in spans if s.parent_id == create.span_id and s.kind == "CLIENT"]
    assert [s.attributes["db.operation.name"] for s in outbox_insert] == ["INSERT"]
    assert str(outbox_insert[0].attributes["db.query.text"]).startswith("INSERT INTO job_outbox")

    publish = one("publish")
    assert (publish.kind, publish.parent_id, publish.links) == (
        "PRODUCER", request.span_id, (create.span_id,)
    )  # fmt: skip
    redis_calls = [s for s in spans if s.parent_id == publish.span_id]
    assert redis_calls and {s.kind for s in redis_calls} == {"CLIENT"}
    assert all(s.attributes.get("db.system") == "redis" for s in redis_calls)

    run = one("process validate_packet")
    assert (run.kind, run.service, run.parent_id) == ("CONSUMER", "hexa-worker", create.span_id)
    assert run.attributes["hexa.job.attempt"] == 1
    assert run.attributes["hexa.request_id"] == "e2e-trace-1"
    assert run.attributes["hexa.job.status"] == "done"
    assert "progress" in run.events  # an event on the run, not a span of its own
    worker_sql = [
        s for s in spans if s.parent_id == run.span_id and s.attributes.get("db.system.name")
    ]
    assert {s.attributes["db.system.name"] for s in worker_sql} == {"postgresql"}
    assert {s.service for s in spans} == {"hexa-api", "hexa-worker"}

    said = " ".join(
        f"{s.name} {s.attributes} {s.events} {s.event_attributes} {s.status_message}"
        for s in receiver.spans
    )
    for secret in (ADMIN[1], traced.token, SECRET):  # password, bearer token, signing key
        assert secret not in said

    # The request's log lines carry its trace, its access event included.
    lines = [json.loads(line) for line in (traced.directory / "serve.log").read_text().splitlines()]
    [access] = [
        e
        for e in lines
        if e.get("logger") == "hexa.access" and e.get("request_id") == "e2e-trace-1"
    ]
    assert (access["trace_id"], access["span_id"]) == (request.trace_id, request.span_id)


def test_a_collector_down_leaves_requests_alone_and_holds_no_shutdown(
    tmp_path: Path, own_redis: OwnRedis, empty_postgres: str
) -> None:
    nobody = f"http://127.0.0.1:{_free_port()}"
    # Each export gives up after a second: the first refusal is known within the test.
    env = QUICK | {"OTEL_EXPORTER_OTLP_ENDPOINT": nobody, "OTEL_EXPORTER_OTLP_TIMEOUT": "1000"}
    with running_stack(tmp_path, own_redis, empty_postgres, env) as stack:
        with stack.http() as http:
            for _ in range(30):
                assert http.get("/api/v1/auth/me").status_code == 200
        time.sleep(2.5)  # a batch or two refused meanwhile
        started = time.monotonic()
        stack.stop("serve")
        assert time.monotonic() - started < 10  # the flush gives up after 5 s
    said = (tmp_path / "serve.log").read_text()
    assert said.count(f"tracing: the collector at {nobody}/v1/traces did not take") == 1, said
