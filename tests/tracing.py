"""Spans recorded in this test process: OpenTelemetry's SDK with an in-memory exporter.

OpenTelemetry allows one global provider per process, so the first test that asks sets
one for the whole run, built as `hexa serve` builds its own (`tracer_provider`: the same
sampler and batch processor), and keeps spans only while a test listens.
"""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from hexa.drivers.tracing import TracingSettings, tracer_provider

SETTINGS = TracingSettings(
    endpoint="http://127.0.0.1:9/v1/traces",  # never used: spans go to `Recorder`
    service="hexa-test",
    sampler="parentbased_always_on",
    ratio=1.0,
    timeout_seconds=1.0,
)


class Recorder(SpanExporter):
    def __init__(self) -> None:
        self.listening = False
        self.kept: list[ReadableSpan] = []

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self.listening:
            self.kept.extend(spans)
        return SpanExportResult.SUCCESS


class Spans:
    """What a test reads: the spans finished since it began listening."""

    def __init__(self, provider: TracerProvider, recorder: Recorder) -> None:
        self.provider = provider
        self._recorder = recorder

    def finished(self) -> list[ReadableSpan]:
        self.provider.force_flush()
        return list(self._recorder.kept)

    def named(self, name: str) -> list[ReadableSpan]:
        return [span for span in self.finished() if span.name == name]

    def one(self, name: str) -> ReadableSpan:
        [span] = self.named(name)
        return span


_recording: tuple[TracerProvider, Recorder] | None = None


def recording() -> tuple[TracerProvider, Recorder]:
    global _recording
    if _recording is None:
        recorder = Recorder()
        provider = tracer_provider(SETTINGS, recorder)
        trace.set_tracer_provider(provider)
        _recording = provider, recorder
    return _recording
