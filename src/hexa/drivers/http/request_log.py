"""Each request's id, and the one access event that tells what became of the request.

The id is the client's `X-Request-ID` when it is sane (short, of a plain charset: it goes
into log lines and job records), or a fresh one. It is bound into the log context for the
whole request, kept in the request state for routes that hand it to a job, and echoed on
the answer, whoever wrote it: a route, a problem handler, the body limit's 413, or
Starlette's 500 (`create_app` puts this middleware outside that one).

The access event replaces uvicorn's access line: method, route template (never the raw
path of a matched route, so ids and query strings stay out), status, duration, and the
caller as `auth` resolved it (kind and id: a user id, an API key's kid, a service's
subject; never a credential). A WebSocket gets one event too, when it ends, with the
close code the app sent. Pure ASGI, no awaits of its own: it costs a few dict lookups.
"""

from __future__ import annotations

import logging
import random
import re
import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hexa.domain.access import Principal
from hexa.drivers.logs import access
from hexa.ports.blobs import APP_LINKS

HEADER = b"x-request-id"
_random_bits = random.Random().getrandbits  # seeded from the OS in each process
_SANE = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_UNROUTED_PATH_CHARS = 200  # enough to recognise a mistyped URL, not enough to flood a line

# Where the 500 handler (`problems._unexpected`) marks the error it logged: `RequestLog`
# keeps that one from the server (Starlette raises it again after the 500), only that one.
LOGGED_ERROR = "hexa.logged_error"
# A plain `logging` logger, its fields passed as `extra`: a disabled level costs one check,
# and a process that never configured structlog gets no lines on stdout.
log = logging.getLogger("hexa.access")


def request_id_of(scope: Scope) -> str:
    """The client's id when it sent one sane id, else a fresh uuid4 hex."""
    given: list[bytes] = [value for name, value in scope["headers"] if name == HEADER]
    if len(given) == 1 and _SANE.fullmatch(given[0]):
        return given[0].decode("ascii")
    # 128 random bits, unique enough for a log key (seeded from the OS per process), at
    # a tenth of the cost of a syscall for os.urandom on every request.
    return f"{_random_bits(128):032x}"


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        echoed = (HEADER, request_id.encode("ascii"))
        started = time.perf_counter()
        status: int | None = 500 if scope["type"] == "http" else None

        async def identified(message: Message) -> None:
            nonlocal status
            kind = message["type"]
            if kind in ("http.response.start", "websocket.accept"):
                message = {**message, "headers": [*message.get("headers", ()), echoed]}
                status = message.get("status", 101)
            elif kind == "websocket.close":
                status = message.get("code", 1000)
            await send(message)

        # Set and reset through tokens: `bound_contextvars` copies the whole context
        # each time, a cost every request would pay.
        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, identified)
        except Exception as error:
            # Starlette's error middleware answered the 500 and our handler logged the
            # error; it raises it again only for the server, which would log it twice.
            # Any other (a handler that failed itself, a WebSocket's) goes on to be logged.
            if scope.get("state", {}).get(LOGGED_ERROR) is not error:
                raise
        finally:
            if log.isEnabledFor(logging.INFO):
                event = "request" if scope["type"] == "http" else "websocket"
                seconds = time.perf_counter() - started
                access(event, _fields(scope, status, seconds))
            structlog.contextvars.reset_contextvars(**tokens)


def _fields(scope: Scope, status: int | None, seconds: float) -> dict[str, Any]:
    return {
        "method": scope.get("method", "GET"),  # a WebSocket handshake is a GET
        "route": route_template(scope),
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
        "client": (scope.get("client") or ("",))[0],
        **caller(scope),
    }


def route_template(scope: Scope) -> str:
    """What a log line may say of the path: the matched route's template, else the path
    itself, cut short, unless it is a signed link's (its token is a credential)."""
    route = getattr(scope.get("route"), "path", None)
    if isinstance(route, str):
        return route
    path: str = scope.get("path", "")
    if path.startswith(APP_LINKS):
        return APP_LINKS + "{token}"
    return path[:_UNROUTED_PATH_CHARS]


def caller(scope: Scope) -> dict[str, Any]:
    """Who `auth` found the caller to be, if it got that far: never what they presented."""
    principal = scope.get("state", {}).get("principal")
    if not isinstance(principal, Principal):
        return {"principal_kind": None, "principal_id": None}
    return {"principal_kind": principal.kind.value, "principal_id": principal.subject}
