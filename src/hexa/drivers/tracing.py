"""Tracing for the process a driver owns (`hexa-api`, `hexa-worker`), over OTLP/HTTP.

Configured from OpenTelemetry's standard variables, and only when an endpoint is set:
otherwise nothing of the SDK is imported and every span the code asks for is the API's
no-op (services and adapters use the API alone). The variables read:

- `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (as is), else `OTEL_EXPORTER_OTLP_ENDPOINT` (with
  `/v1/traces` added): where spans go, as protobuf over HTTP (no gRPC);
- `OTEL_SDK_DISABLED=true`, or `OTEL_TRACES_EXPORTER=none`: off, endpoint or not;
- `OTEL_SERVICE_NAME` (default: the process's), `OTEL_RESOURCE_ATTRIBUTES`;
- `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` (default parentbased_always_on);
- `OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT` in milliseconds, as the specification says
  (Python's exporter would read seconds), `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS`, and
  the batch processor's `OTEL_BSP_*`.

A value the SDK would quietly replace by its default stops start-up with one line
(`ConfigError`). A database or Redis call made outside any span starts no trace: the
relay's and the queue's polling would otherwise make a trace of each poll.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from hexa.config import ConfigError
from hexa.drivers.logs import carry_trace_ids
from hexa.drivers.span_export import Losses, counted

if TYPE_CHECKING:  # the SDK is imported only once tracing is configured
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

log = logging.getLogger("hexa.tracing")

SAMPLERS = (
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
)
DEFAULT_TIMEOUT_MS = 10_000
# How long a stopping process gives the collector for the spans it still holds.
FLUSH_SECONDS = 5.0
# What the `otel` extra installs, looked for (not imported) before tracing is promised.
_SDK_MODULES = ("opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.http")


@dataclass(frozen=True, slots=True)
class TracingSettings:
    endpoint: str
    service: str
    sampler: str
    ratio: float
    timeout_seconds: float


def tracing_settings(
    service: str, environ: Mapping[str, str] = os.environ
) -> TracingSettings | None:
    """What the variables ask for; None when tracing is off. Raises `ConfigError` for a
    value that cannot be used."""

    def value(name: str) -> str:
        return environ.get(name, "").strip()

    if value("OTEL_SDK_DISABLED").lower() == "true":
        return None
    exporter = value("OTEL_TRACES_EXPORTER").lower() or "otlp"
    if exporter == "none":
        return None
    if exporter != "otlp":
        raise ConfigError(f"OTEL_TRACES_EXPORTER: {exporter!r} is not available here: otlp or none")
    endpoint = value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if not endpoint and (base := value("OTEL_EXPORTER_OTLP_ENDPOINT")):
        endpoint = base.rstrip("/") + "/v1/traces"
    if not endpoint:
        return None
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"OTLP endpoint: {endpoint!r} is not an http:// or https:// URL")
    if not all(importlib.util.find_spec(module) for module in _SDK_MODULES):
        raise ConfigError(
            "an OTLP endpoint is set, but the SDK is not installed: install the otel extra "
            "(the image has it), or unset the endpoint"
        )
    for name in ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"):
        if value(name) not in ("", "http/protobuf"):
            raise ConfigError(f"{name}: {value(name)!r}: only http/protobuf is installed")
    sampler = value("OTEL_TRACES_SAMPLER").lower() or "parentbased_always_on"
    if sampler not in SAMPLERS:
        raise ConfigError(f"OTEL_TRACES_SAMPLER: {sampler!r} is none of {', '.join(SAMPLERS)}")
    ratio = _number("OTEL_TRACES_SAMPLER_ARG", value("OTEL_TRACES_SAMPLER_ARG") or "1.0")
    if not 0.0 <= ratio <= 1.0:
        raise ConfigError(f"OTEL_TRACES_SAMPLER_ARG: {ratio} is not a ratio from 0 to 1")
    timeout_name = next(
        (
            n
            for n in ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT")
            if value(n)
        ),
        None,
    )
    timeout_ms = _number(timeout_name, value(timeout_name)) if timeout_name else DEFAULT_TIMEOUT_MS
    if timeout_ms <= 0:
        raise ConfigError(f"{timeout_name}: {timeout_ms} is not a positive number of milliseconds")
    return TracingSettings(
        endpoint=endpoint,
        service=value("OTEL_SERVICE_NAME") or service,
        sampler=sampler,
        ratio=ratio,
        timeout_seconds=timeout_ms / 1000,
    )


def _number(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"{name}: {text!r} is not a number") from None


class Tracing:
    """The process's tracer provider, set as OpenTelemetry's global one, and its end."""

    def __init__(self, provider: TracerProvider, losses: Losses | None = None) -> None:
        self.provider = provider
        self.losses = losses or Losses()

    def close(self, grace_seconds: float = FLUSH_SECONDS) -> None:
        """Exports what is buffered and stops, within `grace_seconds` whatever the
        collector does: a collector down must not hold the process's exit. Says how many
        spans were lost, if any."""
        done = threading.Thread(target=self.provider.shutdown, name="otel-shutdown", daemon=True)
        done.start()
        done.join(grace_seconds)
        if done.is_alive():
            log.warning("tracing: spans not exported within %.0f s of shutdown", grace_seconds)
        if self.losses.dropped or self.losses.refused:
            log.warning(
                "tracing: %d spans dropped (queue full), %d refused by the collector",
                self.losses.dropped,
                self.losses.refused,
            )


def start_tracing(service: str, environ: Mapping[str, str] = os.environ) -> Tracing | None:
    """Configures tracing for this process as the variables say, or does nothing (None).
    OpenTelemetry has one provider per process: a second call answers the first's."""
    global _started
    settings = tracing_settings(service, environ)
    if settings is None:
        return None
    if _started is None:
        from opentelemetry import trace

        losses = Losses()
        provider = tracer_provider(settings, environ=environ, losses=losses)
        trace.set_tracer_provider(provider)
        _instrument_redis(provider)
        carry_trace_ids()
        _started = Tracing(provider, losses)
    return _started


_started: Tracing | None = None


def tracer_provider(
    settings: TracingSettings,
    exporter: SpanExporter | None = None,
    environ: Mapping[str, str] = os.environ,
    losses: Losses | None = None,
) -> TracerProvider:
    """A provider that batches spans to `exporter` (the OTLP one by default, tests give
    another), sampled as `settings` say, except that a database or Redis call starts no
    trace of its own."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # OTEL_SERVICE_NAME, else service.name in OTEL_RESOURCE_ATTRIBUTES, else ours.
    named = "service.name=" in environ.get("OTEL_RESOURCE_ATTRIBUTES", "")
    attributes = (
        {} if named and not environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: settings.service}
    )
    provider = TracerProvider(
        resource=Resource.create(attributes),
        sampler=_no_orphan_calls(_sampler(settings)),
        # `Tracing.close` flushes within a grace; the SDK's own hook at exit has none, and
        # would hold the exit for as long as a collector down makes it wait.
        shutdown_on_exit=False,
    )
    if exporter is None:
        losses = losses or Losses()
        otlp = OTLPSpanExporter(endpoint=settings.endpoint, timeout=settings.timeout_seconds)
        exporter = counted(otlp, settings.endpoint, losses)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def _sampler(settings: TracingSettings) -> Any:
    from opentelemetry.sdk.trace import sampling

    base = {
        "always_on": sampling.ALWAYS_ON,
        "always_off": sampling.ALWAYS_OFF,
        "traceidratio": sampling.TraceIdRatioBased(settings.ratio),
    }
    name = settings.sampler.removeprefix("parentbased_")
    chosen = base[name]
    return sampling.ParentBased(chosen) if settings.sampler.startswith("parentbased_") else chosen


def _no_orphan_calls(delegate: Any) -> Any:
    from opentelemetry import trace
    from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult

    class NoOrphanCalls(Sampler):
        """`delegate`, except that a CLIENT span with no parent is dropped: a call made
        outside any traced work (polling) is not worth a trace of its own."""

        def should_sample(
            self,
            parent_context: Any,
            trace_id: int,
            name: str,
            kind: Any = None,
            attributes: Any = None,
            links: Sequence[Any] | None = None,
            trace_state: Any = None,
        ) -> SamplingResult:
            parent = trace.get_current_span(parent_context).get_span_context()
            if kind is trace.SpanKind.CLIENT and not parent.is_valid:
                return SamplingResult(Decision.DROP)
            return delegate.should_sample(  # type: ignore[no-any-return]
                parent_context, trace_id, name, kind, attributes, links, trace_state
            )

        def get_description(self) -> str:
            return f"NoOrphanCalls{{{delegate.get_description()}}}"

    return NoOrphanCalls()


def _instrument_redis(provider: TracerProvider) -> None:
    """Redis commands as CLIENT spans, their arguments as `?` (the contrib instrumentation
    sanitises them). A project made without Redis has no client to instrument."""
    try:
        from opentelemetry.instrumentation.redis import RedisInstrumentor
    except ImportError:
        return
    instrumentor = RedisInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)
