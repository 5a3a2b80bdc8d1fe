"""One trace from a submit through the outbox and the queue to the job's run, over the
in-memory adapters (`hexa.services.job_traces`)."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from tests.tracing import Spans
from tests.unit import test_services
from tests.unit.test_services import App

app = test_services.app  # the services over the in-memory adapters


async def test_a_submit_and_its_run_are_one_trace(app: App, spans: Spans) -> None:
    inspection = await app.inspections.record(subject="boiler")
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("POST /api/v1/inspections/{id}/submit") as request:
        job = await app.inspections.submit(inspection.id, actor="user:1", request_id="req-7")
    app.queue.start(app.validation.run)
    await app.queue.drain()

    create = spans.one("create validate_inspection")
    assert create.kind is SpanKind.PRODUCER
    assert create.parent is not None and create.parent.span_id == request.get_span_context().span_id
    assert create.attributes is not None and create.attributes["messaging.message.id"] == job.id
    async with app.uow(read_only=True) as uow:
        kept = (await uow.outbox.get(job.id)).job.traceparent
    trace_id = f"{create.context.trace_id:032x}"
    assert kept is not None
    assert kept.startswith(f"00-{trace_id}-{create.context.span_id:016x}-")  # then flags

    publish = spans.one("publish")
    assert publish.kind is SpanKind.PRODUCER
    assert (
        publish.parent is not None and publish.parent.span_id == request.get_span_context().span_id
    )
    assert [link.context.span_id for link in publish.links] == [create.context.span_id]

    run = spans.one("process validate_inspection")
    assert run.kind is SpanKind.CONSUMER
    assert run.context.trace_id == create.context.trace_id
    assert run.parent is not None and run.parent.span_id == create.context.span_id
    assert dict(run.attributes or {}) == {
        "messaging.system": "hexa",
        "messaging.operation.type": "process",
        "messaging.destination.name": "validate_inspection",
        "messaging.message.id": job.id,
        "hexa.job.attempt": 1,
        "hexa.request_id": "req-7",
        "hexa.job.status": "done",
    }


async def test_a_job_accepted_outside_any_trace_runs_in_a_trace_of_its_own(
    app: App, spans: Spans
) -> None:
    inspection = await app.inspections.record(subject="boiler")
    await app.inspections.submit(inspection.id)  # no span current: create is a root
    app.queue.start(app.validation.run)
    await app.queue.drain()
    create, run = spans.one("create validate_inspection"), spans.one("process validate_inspection")
    assert create.parent is None
    assert run.parent is not None and run.parent.span_id == create.context.span_id


async def test_a_failed_job_marks_its_span(app: App, spans: Spans) -> None:
    inspection = await app.inspections.record(subject="boiler")
    await app.inspections.submit(inspection.id)
    async with app.uow() as uow:  # gone by the time the job runs
        await uow.inspections.delete(inspection.id)
        await uow.commit()
    app.queue.start(app.validation.run)
    await app.queue.drain()
    run = spans.one("process validate_inspection")
    assert run.status.status_code is StatusCode.ERROR
    assert run.attributes is not None and run.attributes["hexa.job.status"] == "failed"
