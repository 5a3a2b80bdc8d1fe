"""Log lines: one format for ours and for every library's, set up by the driver that
starts the process (`hexa serve`, `hexa worker`, or `create_app` building its own graph).

One handler on the root logger renders both structlog events and plain `logging` records
(our services', uvicorn's, arq's, SQLAlchemy's) through structlog's `ProcessorFormatter`:
JSON lines outside dev, for machines to index; readable lines in dev, for people. Fields
bound with `structlog.contextvars` (a request's id, a job's id) ride on every line,
whichever logger wrote it. Lines go to stderr: stdout is for what a command prints
(`hexa token` prints a token there, which must not mix with log lines).

Uvicorn's own access log is silenced here: the request middleware writes one event per
request instead, with the route template and the caller (`hexa.drivers.http.requests`).
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

import orjson
import structlog
from opentelemetry import trace
from structlog.typing import EventDict, Processor, WrappedLogger

from hexa.config import Settings
from hexa.drivers.log_lines import LineHandler, LineWriter

# Libraries that install handlers of their own when run by their own command line; here
# they go through the root handler like everything else.
_LIBRARY_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.asgi", "arq", "arq.worker")
# Chatty at INFO about nothing an operator needs (alembic announces its plugins when the
# app checks the schema): heard from at WARNING, or when LOG_LEVEL is DEBUG.
_CHATTY_LOGGERS = ("alembic",)
# Their DEBUG lines print what they handle verbatim: every statement with its parameters,
# the rows written (password hashes, token digests); each S3 request signed, its
# canonical form and signature, and presigned URLs (bearer links). Never below INFO,
# whatever LOG_LEVEL says.
_VERBATIM_LOGGERS = ("aiosqlite", "botocore", "aiobotocore")
# Tokens can travel in a query string (`/ws/jobs/{id}?token=...`, for clients that cannot
# set headers), and uvicorn names the full URL when it logs a WebSocket handshake; a
# presigned S3 URL carries its signature, credential and session token the same way.
_QUERY_SECRET = re.compile(
    r"((?:token|key|secret|password|signature|credential)=)[^&\s\"']+", re.IGNORECASE
)


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Routes every log record of the process through structlog, at LOG_LEVEL, in
    LOG_FORMAT. Calling it again replaces what the previous call set up."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        hide_query_secrets,
        add_trace_ids,
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,  # a disabled level costs no processing
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    stream = stream or sys.stderr
    lines = LineWriter(stream)
    handler = LineHandler(lines)
    handler.set_name("hexa")
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            # `extra` fields of a plain record (the access event's) become fields too.
            foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), _no_copied_message],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *_rendering(settings.resolved_log_format, stream),
            ],
        )
    )
    root = logging.getLogger()
    for previous in [h for h in root.handlers if h.get_name() == "hexa"]:
        root.removeHandler(previous)
        previous.close()
    root.addHandler(handler)
    global _access_line
    _access_line = _json_access(lines) if settings.resolved_log_format == "json" else None
    root.setLevel(settings.log_level)
    logging.captureWarnings(True)  # a library's warning is a log line like any other
    for name in _LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
        library.setLevel(logging.NOTSET)
    for name in _CHATTY_LOGGERS:
        chatty = logging.DEBUG if settings.log_level == "DEBUG" else logging.WARNING
        logging.getLogger(name).setLevel(chatty)
    for name in _VERBATIM_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False  # no handler anywhere: uvicorn skips its access lines


def write_through() -> None:
    """Every line from now on is written as it is logged (`LineWriter.write_through`):
    `hexa serve` calls this as its app shuts down, uvicorn's last lines still to come."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, LineHandler):
            handler.lines.write_through()


def _rendering(log_format: str, stream: TextIO) -> list[Processor]:
    if log_format == "json":
        # The traceback as one string field: a JSON line stays one line.
        return [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    colors = getattr(stream, "isatty", lambda: False)()
    # Plain tracebacks: the fancy ones print every frame's locals, request headers
    # (credentials) among them.
    plain = structlog.dev.plain_traceback
    return [structlog.dev.ConsoleRenderer(colors=colors, exception_formatter=plain)]


# How the access event is written: rendered straight to JSON (LOG_FORMAT=json), or None
# for the `logging` path (readable lines, or a process that configured no logging).
_access_line: Callable[[str, dict[str, Any]], None] | None = None
_ACCESS = logging.getLogger("hexa.access")


def access(event: str, fields: dict[str, Any]) -> None:
    """Logs one access event with its fields. In JSON, the line every other would be,
    rendered without the `logging` record and formatter chain (a third of a light
    request's time when they were); the same fields, the request's bound context
    included."""
    if not _ACCESS.isEnabledFor(logging.INFO):
        return
    if _access_line is not None:
        _access_line(event, fields)
    else:
        _ACCESS.info(event, extra=fields)


def _json_access(lines: LineWriter) -> Callable[[str, dict[str, Any]], None]:
    def write(event: str, fields: dict[str, Any]) -> None:
        line = {
            "event": event,
            **bound_fields(),
            **(trace_ids() if _tracing else {}),
            **fields,
            "level": "info",
            "logger": "hexa.access",
            "timestamp": _utc_timestamp(),
        }
        lines.put(orjson.dumps(line, default=str, option=orjson.OPT_APPEND_NEWLINE).decode())

    return write


def bound_fields() -> dict[str, Any]:
    """What `structlog.contextvars.get_contextvars` answers, read from structlog's own
    variables only: it walks every variable of the context (asyncio's, SQLAlchemy's...),
    4 of an access line's 7 µs. structlog keeps one variable per bound name, unset as
    Ellipsis (tests/unit/test_logs.py holds the two to the same answer)."""
    if _STRUCTLOG_VARIABLES is None:
        return structlog.contextvars.get_contextvars()
    return {
        name[_PREFIX_LENGTH:]: value
        for name, variable in tuple(_STRUCTLOG_VARIABLES.items())
        if (value := variable.get()) is not Ellipsis
    }


# Private to structlog: a release without it falls back to `get_contextvars`.
_STRUCTLOG_VARIABLES: dict[str, Any] | None = getattr(structlog.contextvars, "_CONTEXT_VARS", None)
_PREFIX_LENGTH = len(structlog.contextvars.STRUCTLOG_KEY_PREFIX)
_second: tuple[int, str] = (0, "")


def _utc_timestamp() -> str:
    """Now, as the other lines' timestamps say it (`2026-12-07T13:29:56.123456Z`), with
    the date and time of day formatted once a second, not once a line."""
    global _second
    now = time.time()
    whole = int(now)
    second = _second  # read once: another thread may replace it meanwhile
    if whole != second[0]:
        second = _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    return f"{second[1]}.{int((now - whole) * 1_000_000):06d}Z"


def _no_copied_message(logger: WrappedLogger, method: str, event: EventDict) -> EventDict:
    """Drops `message`, the raw text a handler that formatted the record first (pytest's,
    a library's) left on it: `ExtraAdder` would copy it as a field, secrets unhidden."""
    event.pop("message", None)
    return event


def carry_trace_ids() -> None:
    """From now on, lines logged within a span name it (`drivers.tracing` calls this
    once it has configured tracing; until then no line pays for the lookup)."""
    global _tracing
    _tracing = True


_tracing = False


def trace_ids() -> dict[str, str]:
    """The current span's trace and span ids, as trace backends print them; {} outside
    any span, or in a trace not sampled (no backend will have it)."""
    context = trace.get_current_span().get_span_context()
    if not (context.is_valid and context.trace_flags.sampled):
        return {}
    return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}


def add_trace_ids(logger: WrappedLogger, method: str, event: EventDict) -> EventDict:
    if _tracing:
        event.update(trace_ids())
    return event


def hide_query_secrets(logger: WrappedLogger, method: str, event: EventDict) -> EventDict:
    """Blanks the value of `token=`, `key=`, `secret=`, `password=`, `signature=` and
    `credential=` (and so `X-Amz-Signature=`...) in a message."""
    message = event.get("event")
    if isinstance(message, str) and "=" in message:
        event["event"] = _QUERY_SECRET.sub(r"\1[hidden]", message)
    return event
