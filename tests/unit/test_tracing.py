"""Tracing: the OTEL_* variables read, the sampler, and one trace from a job's
acceptance through the outbox and the queue to its run (`hexa.services.job_traces`)."""

from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind

from hexa.adapters.clock import FrozenClock
from hexa.adapters.local_blobs import LocalBlobStore
from hexa.adapters.memory.database import MemoryDatabase
from hexa.adapters.memory.jobs import InProcessJobQueue, MemoryProgressStore
from hexa.adapters.unit_of_work import PORTS, unit_of_work_factory
from hexa.config import ConfigError
from hexa.domain.jobs import Job, OutboxEntry
from hexa.drivers import logs
from hexa.drivers.span_export import Losses, counted
from hexa.drivers.tracing import tracing_settings
from hexa.ports.uow import UnitOfWorkFactory
from hexa.services.dispatch import JobDispatcher
from hexa.services.housekeeping import Housekeeping
from hexa.services.job_traces import add_traced
from tests.builders import ONE_JOB, T0
from tests.contract.test_jobs import TRACEPARENT
from tests.tracing import Spans


@dataclass
class Outbox:
    uow: UnitOfWorkFactory
    clock: FrozenClock
    dispatcher: JobDispatcher
    housekeeping: Housekeeping


@pytest.fixture
async def outbox(tmp_path: Path) -> AsyncIterator[Outbox]:
    uow = unit_of_work_factory({"memory": MemoryDatabase()}, dict.fromkeys(PORTS, "memory"))
    clock = FrozenClock(T0)
    queue = InProcessJobQueue()  # never started: what is handed over waits there
    progress = MemoryProgressStore()
    housekeeping = Housekeeping(uow, clock, LocalBlobStore(tmp_path), progress)
    yield Outbox(uow, clock, JobDispatcher(uow, clock, queue, progress), housekeeping)
    await queue.close()


ENDPOINT = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}


def test_no_endpoint_no_tracing() -> None:
    assert tracing_settings("hexa-api", {}) is None
    assert tracing_settings("hexa-api", ENDPOINT | {"OTEL_SDK_DISABLED": "true"}) is None
    assert tracing_settings("hexa-api", ENDPOINT | {"OTEL_TRACES_EXPORTER": "none"}) is None


def test_the_standard_variables_are_read() -> None:
    found = tracing_settings("hexa-api", ENDPOINT)
    assert found is not None
    assert (found.endpoint, found.service, found.sampler, found.ratio, found.timeout_seconds) == (
        "http://collector:4318/v1/traces", "hexa-api", "parentbased_always_on", 1.0, 10.0
    )  # fmt: skip
    chosen = tracing_settings(
        "hexa-worker",
        {
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://otel.example/traces",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://ignored:4318",
            "OTEL_SERVICE_NAME": "inspections-worker",
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG": "0.1",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "2500",  # milliseconds, as the specification says
        },
    )
    assert chosen is not None
    assert (chosen.endpoint, chosen.service, chosen.sampler, chosen.ratio) == (
        "https://otel.example/traces", "inspections-worker", "parentbased_traceidratio", 0.1
    )  # fmt: skip
    assert chosen.timeout_seconds == 2.5


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, "OTLP endpoint"),
        ({"OTEL_TRACES_SAMPLER": "sometimes"}, "OTEL_TRACES_SAMPLER"),
        ({"OTEL_TRACES_SAMPLER_ARG": "ten percent"}, "OTEL_TRACES_SAMPLER_ARG"),
        ({"OTEL_TRACES_SAMPLER_ARG": "10"}, "OTEL_TRACES_SAMPLER_ARG"),
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "OTEL_EXPORTER_OTLP_PROTOCOL"),
        ({"OTEL_EXPORTER_OTLP_TIMEOUT": "-1"}, "OTEL_EXPORTER_OTLP_TIMEOUT"),
        ({"OTEL_TRACES_EXPORTER": "zipkin"}, "OTEL_TRACES_EXPORTER"),
    ],
)
def test_a_value_the_sdk_would_replace_silently_stops_start_up(
    variables: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        tracing_settings("hexa-api", ENDPOINT | variables)


def test_unconfigured_nothing_of_the_sdk_is_imported() -> None:
    """A request, a submit and its job, with no OTEL_* set: no SDK module loaded, no
    provider set, every span the API's no-op."""
    script = textwrap.dedent(
        """
        import asyncio, os, sys, httpx
        from opentelemetry import trace
        from hexa.config import load_settings
        from hexa.drivers.http.app import create_app

        async def main():
            settings = load_settings(persistence="memory", env="test", queue_backend="inprocess",
                                     jwt_secret="s" * 40, api_key_pepper="s" * 40)
            app = create_app(settings)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                    assert (await http.get("/health")).status_code == 200
                    assert (await http.get("/api/admin/users")).status_code == 401
            assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
            print(sorted(m for m in sys.modules if m.startswith(("opentelemetry.sdk",
                  "opentelemetry.exporter", "opentelemetry.instrumentation"))))

        asyncio.run(main())
        """
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    ran = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=clean, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "[]"


def test_a_call_outside_any_span_starts_no_trace(spans: Spans) -> None:
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("poll", kind=SpanKind.CLIENT):
        pass  # a relay's or a queue's poll
    with (
        tracer.start_as_current_span("work"),
        tracer.start_as_current_span("SELECT", kind=SpanKind.CLIENT),
    ):
        pass
    assert [span.name for span in spans.finished()] == ["SELECT", "work"]


async def test_the_relay_publishes_in_one_span_linked_to_each_job(
    outbox: Outbox, spans: Spans
) -> None:
    tracer = trace.get_tracer("test")
    for n in range(2):  # two requests whose hand-over failed: pending, each in its trace
        entry = OutboxEntry(Job(f"job-{n}", ONE_JOB, {}), total=1, created_at=T0)
        with tracer.start_as_current_span(f"request {n}"):
            async with outbox.uow() as uow:
                await add_traced(uow.outbox, entry)
                await uow.commit()
    outbox.clock.advance(timedelta(minutes=1))
    assert await outbox.dispatcher.relay() == 2

    publish = spans.one("publish")
    assert publish.parent is None  # the relay's own trace, not one of the jobs'
    creates = {span.context.span_id for span in spans.named(f"create {ONE_JOB}")}
    assert len(creates) == 2
    assert {link.context.span_id for link in publish.links} == creates
    assert publish.attributes is not None
    assert publish.attributes["messaging.batch.message_count"] == 2


async def test_a_relay_with_nothing_to_move_makes_no_span(outbox: Outbox, spans: Spans) -> None:
    assert await outbox.dispatcher.relay() == 0
    assert spans.finished() == []


async def test_purge_is_a_trace_of_its_own(outbox: Outbox, spans: Spans) -> None:
    with trace.get_tracer("test").start_as_current_span("something current"):
        await outbox.housekeeping.purge()
    assert spans.one("purge").parent is None


def test_lines_logged_in_a_span_name_it(spans: Spans, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "_tracing", True)
    assert logs.trace_ids() == {}
    with trace.get_tracer("test").start_as_current_span("work") as span:
        context = span.get_span_context()
        event = logs.add_trace_ids(logging.getLogger(), "info", {"event": "hello"})
    assert event == {
        "event": "hello",
        "trace_id": f"{context.trace_id:032x}",
        "span_id": f"{context.span_id:016x}",
    }


class Refusing(SpanExporter):
    def __init__(self) -> None:
        self.result = SpanExportResult.FAILURE

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.result


def test_a_collector_that_refuses_is_said_once_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    collector, losses = Refusing(), Losses()
    exporter = counted(collector, "http://collector:4318/v1/traces", losses)
    span = trace.get_tracer("test").start_span("x")
    with caplog.at_level(logging.INFO, logger="hexa.tracing"):
        for _ in range(3):
            exporter.export([span])  # type: ignore[list-item]
        collector.result = SpanExportResult.SUCCESS
        exporter.export([span])  # type: ignore[list-item]
    assert [r.getMessage() for r in caplog.records] == [
        "tracing: the collector at http://collector:4318/v1/traces did not take 1 spans "
        "(no answer); spans are dropped until it does",
        "tracing: the collector at http://collector:4318/v1/traces takes spans again",
    ]
    assert losses.refused == 3


class Stuck(SpanExporter):
    """A collector that holds the first batch until told to let go."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.release.wait(5)
        return SpanExportResult.SUCCESS


def test_a_full_queue_is_said_once_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    """The SDK's batch processor, its queue of 4 full while the exporter is stuck."""
    losses, collector = Losses(), Stuck()
    exporter = counted(collector, "http://collector:4318/v1/traces", losses)
    provider = TracerProvider()
    processor = BatchSpanProcessor(exporter, max_queue_size=4, max_export_batch_size=2)
    provider.add_span_processor(processor)
    tracer = provider.get_tracer("test")
    with caplog.at_level(logging.WARNING):
        for _ in range(30):
            tracer.start_span("x").end()
        collector.release.set()
        provider.shutdown()
    assert [r.getMessage() for r in caplog.records] == [
        "tracing: the span queue is full (OTEL_BSP_MAX_QUEUE_SIZE): spans are dropped, "
        "counted until tracing stops"
    ]
    assert 20 <= losses.dropped <= 26  # 30, less what the queue and the stuck batch held


def test_an_untraced_job_is_called_as_before_jobs_carried_a_trace() -> None:
    """A worker of the release before runs it: no argument it does not take."""
    queue = pytest.importorskip("hexa.adapters.redis.arq_queue")  # a project without Redis
    untraced = Job("job-1", ONE_JOB, {"inspection_id": "i-1"}, request_id="req-1")
    assert queue.job_arguments(untraced) == ("job-1", ONE_JOB, {"inspection_id": "i-1"}, "req-1")
    assert queue.job_keywords(untraced) == {}
    traced = dataclasses.replace(untraced, traceparent=TRACEPARENT)
    assert queue.job_keywords(traced) == {"traceparent": TRACEPARENT}
