"""`create_app`: the FastAPI application, with the service graph built in its lifespan."""

from __future__ import annotations

import asyncio
import gc
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.telemetry import TelemetryConfig
from opentelemetry import trace
from starlette.types import ASGIApp

from hexa import bootstrap
from hexa.config import Settings, load_settings
from hexa.drivers.http import openapi, problems, routes
from hexa.drivers.http.limits import MAX_JSON_BYTES, BodySizeLimit
from hexa.drivers.http.metrics import RequestMetrics, app_registry
from hexa.drivers.http.request_log import RequestLog
from hexa.drivers.http.route_index import RouteIndex
from hexa.drivers.http.server_spans import ServerSpans
from hexa.drivers.logs import configure_logging, write_through
from hexa.drivers.tracing import start_tracing


class _HexaApp(FastAPI):
    """FastAPI with `RequestLog` outermost. Starlette's error middleware, which answers
    an unexpected error with the 500 problem, wraps every middleware added the usual way:
    this one wraps it in turn, so that answer too carries the request id, is counted in
    the access event, and its error line is logged within the request's context. With
    tracing on, `ServerSpans` wraps it all: the access event carries the span's ids."""

    def build_middleware_stack(self) -> ASGIApp:
        stack: ASGIApp = RequestLog(super().build_middleware_stack())
        tracer = getattr(self.state, "tracer", None)
        return stack if tracer is None else ServerSpans(stack, tracer)


# FastAPI's own telemetry would trace every request a second time, through its general
# routing path: ours is `ServerSpans`, on when OTEL_* configure tracing (drivers.tracing).
_NO_FASTAPI_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}


def create_app(
    settings: Settings | None = None,
    hexa: bootstrap.Hexa | None = None,
    *,
    tracer: trace.Tracer | None = None,
) -> FastAPI:
    """Builds the app. Given `hexa`, it serves that graph (tests); otherwise it builds
    one from `settings` (or the environment) at start-up and closes it at shutdown, and
    traces as OTEL_* say (a server span per request from `tracer`, when given)."""
    if settings is None:
        settings = hexa.settings if hexa is not None else load_settings()
    tracing = start_tracing("hexa-api") if hexa is None else None
    if tracing is not None:
        tracer = tracing.provider.get_tracer("hexa.http")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if hexa is not None:
            app.state.hexa = hexa
            yield
            return
        configure_logging(settings)  # a server started without `hexa serve` (uvicorn --factory)
        try:
            async with bootstrap.build(settings) as built:
                app.state.hexa = built
                # What start-up made (modules, the graph, pools) lives as long as the
                # process: out of the collector's sight, full collections stop walking it
                # per request.
                gc.freeze()
                yield
        finally:
            if tracing is not None:
                await asyncio.to_thread(tracing.close)
            write_through()  # uvicorn may end the process by its signal, without exit hooks

    docs = settings.env == "dev" or settings.allow_public_docs
    app = _HexaApp(
        title="Hexa API",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
        telemetry=_NO_FASTAPI_TELEMETRY,
    )
    app.state.tracer = tracer
    if hexa is not None:
        app.state.hexa = hexa
    problems.install(app)
    areas = routes.areas()
    limits: dict[str, int] = {
        path: limit
        for area in areas
        if hasattr(area, "body_limits")
        for path, limit in area.body_limits(settings).items()
    }

    # A path ending in `/` stands for every path under it (`/api/v1/blobs/{token}`).
    prefixes = sorted((p for p in limits if p.endswith("/")), key=len, reverse=True)

    def body_limit(path: str) -> int:
        if path in limits:
            return limits[path]
        return next((limits[p] for p in prefixes if path.startswith(p)), MAX_JSON_BYTES)

    app.add_middleware(BodySizeLimit, limit_for=body_limit)
    # Added last, so outermost: it also counts what the body limit refuses.
    app.state.metrics_registry = app_registry()
    app.add_middleware(RequestMetrics, registry=app.state.metrics_registry)
    # Each router's routes go straight into the app's: their prefixes are their own, so
    # paths are whole, and a request is matched against one flat list, busiest areas
    # first, instead of through a nested router per area (a third of a read's time).
    for area in areas:
        app.router.routes.extend(area.router.routes)
    api_routes = [
        route for area in areas for route in area.router.routes if isinstance(route, APIRoute)
    ]
    app.state.route_methods = [(route.path_regex, route.methods) for route in api_routes]
    openapi.install(app, api_routes)
    _install_admin_ui(app, settings)
    app.router.routes.insert(0, RouteIndex(list(app.router.routes)))
    return app


def _install_admin_ui(app: FastAPI, settings: Settings) -> None:
    """The admin UI, where the project kept it (a project made without it has no module)."""
    try:
        admin_ui = importlib.import_module(f"{__package__}.admin_ui")
    except ModuleNotFoundError as missing:
        if missing.name != f"{__package__}.admin_ui":
            raise
        return
    admin_ui.install(app, settings)
