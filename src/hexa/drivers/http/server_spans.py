"""`ServerSpans`: one SERVER span per request, in place only when tracing is configured.

Named by the route template the router matched (`GET /api/v1/inspections/{id}`), read
from the scope once the app is done: no second routing pass. No span per `send` or
`receive`; a WebSocket is one span for its whole connection. `/health`, `/healthz`,
`/readyz` and `/metrics` are left out: probes and scrapes would be most of the traces.
It sits outside `RequestLog`, so the access event and every line of the request carry
its ids, and reads back what that one settled: the request id, the caller, the route.

Attributes say what the access event says, or less: never a raw path, the query string
or a header (tokens travel in some).
"""

from __future__ import annotations

from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import SpanKind, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hexa.drivers.http.request_log import caller

# Probes and scrapes: most of the traces, and none worth a look.
UNTRACED = frozenset({"/health", "/healthz", "/readyz", "/metrics"})


class _ScopeHeaders(Getter[Scope]):
    def get(self, carrier: Scope, key: str) -> list[str] | None:
        name = key.lower().encode("latin-1")
        found = [value.decode("latin-1") for header, value in carrier["headers"] if header == name]
        return found or None

    def keys(self, carrier: Scope) -> list[str]:
        return [header.decode("latin-1") for header, _ in carrier["headers"]]


_HEADERS = _ScopeHeaders()
_NO_PARENT = context.Context()


class ServerSpans:
    def __init__(self, app: ASGIApp, tracer: trace.Tracer) -> None:
        self.app = app
        self._tracer = tracer
        # The headers the configured propagators read (traceparent, tracestate, baggage):
        # a request with none of them starts a trace without asking each propagator.
        fields = propagate.get_global_textmap().fields
        self._carriers = frozenset(name.lower().encode("latin-1") for name in fields)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in UNTRACED:
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")  # a WebSocket handshake is a GET
        carried = any(name in self._carriers for name, _ in scope["headers"])
        span = self._tracer.start_span(
            method,
            context=propagate.extract(scope, getter=_HEADERS) if carried else _NO_PARENT,
            kind=SpanKind.SERVER,
            attributes={
                "http.request.method": method,
                "url.scheme": scope.get("scheme", "http"),
                "network.protocol.version": scope.get("http_version", "1.1"),
                "client.address": (scope.get("client") or ("",))[0],
            },
        )
        token = context.attach(trace.set_span_in_context(span))
        try:
            if span.is_recording():
                await self._recorded(span, method, scope, receive, send)
            else:  # sampled out: its context still says so to every call made within
                await self.app(scope, receive, send)
        finally:
            context.detach(token)

    async def _recorded(
        self, span: trace.Span, method: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        status: int | None = None

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "websocket.close":
                status = message.get("code", 1000)
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:  # not a cancellation: a client that went away is no fault
            # Its type, never its text: a driver's message can quote a row (the log has it).
            span.set_status(StatusCode.ERROR, type(error).__name__)
            raise
        finally:
            route = getattr(scope.get("route"), "path", None)
            span.set_attributes(_settled(scope, route, status))
            span.update_name(f"{method} {route}" if route else method)
            if scope["type"] == "http" and status is not None and status >= 500:
                span.set_status(StatusCode.ERROR)
            span.end()


def _settled(scope: Scope, route: str | None, status: int | None) -> dict[str, Any]:
    """What the app settled of the request: route, status, request id, caller's kind.
    An unmatched path is not named at all (a mistyped URL may hold anything)."""
    state = scope.get("state", {})
    attributes: dict[str, Any] = {} if route is None else {"http.route": route}
    if status is not None:
        key = "http.response.status_code" if scope["type"] == "http" else "hexa.websocket.close"
        attributes[key] = status
    if request_id := state.get("request_id"):
        attributes["hexa.request_id"] = request_id
    if kind := caller(scope)["principal_kind"]:
        attributes["hexa.principal.kind"] = kind
    return attributes
