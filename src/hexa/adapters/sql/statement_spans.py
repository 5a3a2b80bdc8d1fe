"""A CLIENT span for each SQL statement, from the dialect's `do_execute` events.

OpenTelemetry's contrib instrumentation for SQLAlchemy declares `sqlalchemy<2.1` and, on
2.1, silently instruments nothing; these hooks do what a trace needs of it. They sit on
the dialect's execution events, not the connection's `before/after_cursor_execute`: a
listener there sends every statement down SQLAlchemy's slower path with events, 15-20 µs
of CPU each whether a span is recorded or not; a `do_execute` listener costs a call, and
outside a recorded span it only looks at the context and lets SQLAlchemy execute.

The statement is recorded as SQLAlchemy sends it, with its placeholders: never a
parameter's value (password hashes, token digests). Attached only when tracing is on
(`SqlDatabase`).
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

tracer = trace.get_tracer("hexa.sql")
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

    def traced(statement: str, execute: Any, *arguments: Any) -> bool | None:
        if not trace.get_current_span().is_recording():
            return None  # outside any span, or in a trace not sampled: SQLAlchemy executes it
        operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        attributes = {**common, "db.operation.name": operation, "db.query.text": statement}
        with tracer.start_as_current_span(
            operation,
            kind=SpanKind.CLIENT,
            attributes=attributes,
            # A driver's message can quote the row it refused (a unique email, a hash):
            # the span says the error's type, never its text or traceback.
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                execute(*arguments)
            except Exception as error:
                span.set_status(StatusCode.ERROR, type(error).__name__)
                raise
        return True  # executed here

    def one(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
        return traced(statement, context.dialect.do_execute, cursor, statement, parameters, context)

    def many(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
        execute = context.dialect.do_executemany
        return traced(statement, execute, cursor, statement, parameters, context)

    def bare(cursor: Any, statement: str, context: Any) -> bool | None:
        execute = context.dialect.do_execute_no_params
        return traced(statement, execute, cursor, statement, context)

    event.listen(engine.sync_engine, "do_execute", one)
    event.listen(engine.sync_engine, "do_executemany", many)
    event.listen(engine.sync_engine, "do_execute_no_params", bare)
