"""A CLIENT span for each SQL statement, from SQLAlchemy's own events.

OpenTelemetry's contrib instrumentation for SQLAlchemy declares `sqlalchemy<2.1` and, on
2.1, silently instruments nothing; these few hooks do what a trace needs of it. The
statement is recorded as SQLAlchemy sends it, with its placeholders: never a parameter's
value (password hashes, token digests). Attached only when tracing is on, so an untraced
process pays nothing per statement (`SqlDatabase`), and a statement outside a recorded
span costs one look at the context: a request left out by sampling makes no spans.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, StatusCode
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine

tracer = trace.get_tracer("hexa.sql")
_SPAN = "hexa_span"
# The names OpenTelemetry's conventions give these systems (db.system.name).
_SYSTEMS = {"postgresql": "postgresql", "sqlite": "sqlite"}


def tracing_on() -> bool:
    """Whether the process configured an SDK (the API alone answers a proxy)."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


def trace_statements(engine: AsyncEngine) -> None:
    url = engine.url
    common: dict[str, Any] = {
        "db.system.name": _SYSTEMS.get(engine.dialect.name, engine.dialect.name),
        "db.namespace": url.database or "",
    }
    if url.host:
        common |= {"server.address": url.host, "server.port": url.port or 5432}

    def before(_conn: Any, _cursor: Any, statement: str, _p: Any, context: Any, _m: Any) -> None:
        if context is None or not trace.get_current_span().is_recording():
            return  # outside any span, or in a trace not sampled: nothing would be kept
        operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        span = tracer.start_span(
            operation,
            kind=SpanKind.CLIENT,
            attributes={**common, "db.operation.name": operation, "db.query.text": statement},
        )
        setattr(context, _SPAN, span)

    def after(_conn: Any, _cursor: Any, _s: str, _p: Any, context: Any, _m: Any) -> None:
        span: Span | None = getattr(context, _SPAN, None)
        if span is not None:
            span.end()

    def failed(error: ExceptionContext) -> None:
        span: Span | None = getattr(error.execution_context, _SPAN, None)
        if span is not None:
            span.set_status(StatusCode.ERROR, type(error.original_exception).__name__)
            span.end()

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    event.listen(engine.sync_engine, "handle_error", failed)
