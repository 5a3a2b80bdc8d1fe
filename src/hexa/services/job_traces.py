"""One trace from a job's acceptance to its run, across the outbox and the queue.

Spans follow OpenTelemetry's messaging conventions, through its API only: with no SDK
configured (the default) every call here is a no-op. A job is accepted in a PRODUCER
span `create {kind}` around its outbox insert; the W3C `traceparent` of that span is kept
with the job (its outbox row, and so what a relay hands over again), and the run is a
CONSUMER span `process {kind}`, its child. Handing jobs to the queue is a PRODUCER span
`publish`, linked to every job it moves: a relay moves jobs of many traces at once, so
links, not parents. A relay's polling makes no span (see `hexa.drivers.tracing`: a
database call with no parent starts no trace).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from hexa.domain.jobs import Job, OutboxEntry
from hexa.ports.outbox import JobOutbox

tracer = trace.get_tracer("hexa.jobs")
# W3C Trace Context whatever OTEL_PROPAGATORS says: the outbox keeps this one format.
_W3C = TraceContextTextMapPropagator()
SYSTEM = "hexa"


async def add_traced(outbox: JobOutbox, entry: OutboxEntry) -> OutboxEntry:
    """Adds `entry` to `outbox` within a span `create {kind}` and answers the entry as
    added: its job carries that span's trace context (unchanged when nothing traces)."""
    job = entry.job
    with _span(f"create {job.kind}", kind=SpanKind.PRODUCER, attributes=_message(job, "create")):
        carrier: dict[str, str] = {}
        _W3C.inject(carrier)
        if "traceparent" in carrier:
            entry = entry.traced(carrier["traceparent"])
        await outbox.add(entry)
    return entry


@contextmanager
def publishing(entries: Sequence[OutboxEntry]) -> Iterator[Span]:
    """A span `publish` around handing `entries` to the queue, linked to each one's
    acceptance; a child of what is current (the accepting request, for its hand-over).
    The caller says how many it published (`published`)."""
    links = [Link(context) for entry in entries if (context := _accepted(entry.job))]
    attributes: dict[str, Any] = {
        "messaging.system": SYSTEM,
        "messaging.operation.type": "send",
        "messaging.operation.name": "publish",
        "messaging.batch.message_count": len(entries),
    }
    if len(entries) == 1:
        attributes |= _message(entries[0].job, "send")
    with _span("publish", kind=SpanKind.PRODUCER, links=links, attributes=attributes) as span:
        yield span


def published(span: Span, sent: int, due: int) -> None:
    """Notes how many of the `due` jobs reached the queue: the rest wait for the relay."""
    span.set_attribute("messaging.batch.message_count", sent)
    if sent < due:
        span.set_status(StatusCode.ERROR, "the queue could not be reached")


@contextmanager
def processing(job: Job, *, attempt: int) -> Iterator[Span]:
    """The span `process {kind}` of one run of `job`: a child of its acceptance when that
    was traced, else a trace of its own. An error that leaves it marks it failed."""
    attributes = _message(job, "process") | {"hexa.job.attempt": attempt}
    if job.request_id is not None:
        attributes["hexa.request_id"] = job.request_id
    accepted = _accepted(job)
    parent = trace.set_span_in_context(trace.NonRecordingSpan(accepted)) if accepted else Context()
    with _span(
        f"process {job.kind}", context=parent, kind=SpanKind.CONSUMER, attributes=attributes
    ) as span:
        yield span


@contextmanager
def scheduled(name: str) -> Iterator[Span]:
    """The span of scheduled work (`purge`): a trace of its own, whatever is current."""
    with _span(
        name, context=Context(), kind=SpanKind.INTERNAL, attributes={"hexa.scheduled": True}
    ) as span:
        yield span


def ended(status: str, error: str | None) -> None:
    """Notes on the current span how its job ended (failed: an error status)."""
    span = trace.get_current_span()
    span.set_attribute("hexa.job.status", status)
    if error is not None:  # its kind ("Unavailable", "gave up after 3 attempts"), no more
        span.set_status(StatusCode.ERROR, error.split(":", 1)[0])


def progressed(processed: int, total: int) -> None:
    """Notes a job's progress on the current span: an event, not a span of its own."""
    span = trace.get_current_span()
    if span.is_recording():
        span.add_event("progress", {"hexa.job.processed": processed, "hexa.job.total": total})


@contextmanager
def _span(name: str, **options: Any) -> Iterator[Span]:
    """A current span that an error leaving marks failed by its type alone: an error's
    text (a driver's, an SMTP server's) can quote data that must not leave the process,
    which the SDK's recorded exception would carry whole. A cancellation (a run out of
    time, a lease lost, a shutdown) is marked too: the SDK would let it pass unmarked."""
    with tracer.start_as_current_span(
        name, record_exception=False, set_status_on_exception=False, **options
    ) as span:
        try:
            yield span
        except Exception as error:
            span.set_status(StatusCode.ERROR, type(error).__name__)
            raise
        except asyncio.CancelledError:
            span.set_status(StatusCode.ERROR, "cancelled")
            raise


def _message(job: Job, operation: str) -> dict[str, Any]:
    return {
        "messaging.system": SYSTEM,
        "messaging.operation.type": operation,
        "messaging.destination.name": str(job.kind),
        "messaging.message.id": job.id,
    }


def _accepted(job: Job) -> trace.SpanContext | None:
    if not job.traceparent:
        return None
    context = trace.get_current_span(_W3C.extract({"traceparent": job.traceparent}))
    span_context = context.get_span_context()
    return span_context if span_context.is_valid else None
