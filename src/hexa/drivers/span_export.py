"""What becomes of spans on their way out: counted when lost, and said once.

The SDK logs a line for each batch its OTLP exporter fails to send (and each retry), and
one for each span its batch processor drops from a full queue: under load with the
collector down, a flood of lines that costs more than the spans. Here each loss is said
once when it starts (and once when the collector takes spans again), counted, and the
counts are said when tracing stops (`Tracing.close`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExporter

log = logging.getLogger("hexa.tracing")
# The SDK exporter's own lines, one a failed batch: ours say it once.
_EXPORTER_LOGGERS = (
    "opentelemetry.exporter.otlp.proto.http.trace_exporter",
    "opentelemetry.exporter.otlp.proto.http",
)
# Where the batch processor says "Queue full, dropping span." for every span it drops.
_QUEUE_LOGGER = "opentelemetry.sdk._shared_internal"


@dataclass
class Losses:
    dropped: int = 0  # from a full queue, before any export
    refused: int = 0  # in batches the collector did not take


def counted(exporter: SpanExporter, endpoint: str, losses: Losses) -> SpanExporter:
    """`exporter`, its failures counted in `losses` and said once; the processor's drops
    from a full queue as well."""
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    reason = _LastReason()
    for name in _EXPORTER_LOGGERS:
        _install(logging.getLogger(name), reason)
    # First: the SDK's own filter there lets one line a while through, and drops the rest
    # before anything else could count them.
    _install(logging.getLogger(_QUEUE_LOGGER), _QueueFull(losses))

    class Counted(SpanExporter):
        def __init__(self) -> None:
            self.failing = False

        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            try:
                result = exporter.export(spans)
            except Exception:  # an exporter must not raise into the batch processor
                result = SpanExportResult.FAILURE
            if result is SpanExportResult.SUCCESS:
                if self.failing:
                    log.info("tracing: the collector at %s takes spans again", endpoint)
                self.failing = False
                return result
            losses.refused += len(spans)
            if not self.failing:
                log.warning(
                    "tracing: the collector at %s did not take %d spans (%s); spans are "
                    "dropped until it does",
                    endpoint,
                    len(spans),
                    reason.last or "no answer",
                )
            self.failing = True
            return result

        def shutdown(self) -> None:
            exporter.shutdown()

        def force_flush(self, timeout_millis: int = 30_000) -> bool:
            return exporter.force_flush(timeout_millis)

    return Counted()


def _install(logger: logging.Logger, new: logging.Filter) -> None:
    """`new` as the logger's first filter, in place of one of its kind a previous
    provider installed: one count a process, the latest provider's."""
    for previous in [f for f in logger.filters if type(f) is type(new)]:
        logger.removeFilter(previous)
    logger.filters.insert(0, new)


class _LastReason(logging.Filter):
    """Keeps the exporter's last line (an HTTP status and its reason, a connection error),
    for the one warning to say why, and lets none through: one a batch and retry."""

    def __init__(self) -> None:
        super().__init__()
        self.last = ""

    def filter(self, record: logging.LogRecord) -> bool:
        self.last = record.getMessage()[:200]
        return False


class _QueueFull(logging.Filter):
    """Counts the batch processor's "Queue full" lines, one a dropped span, and lets the
    first one through, reworded."""

    def __init__(self, losses: Losses) -> None:
        super().__init__()
        self._losses = losses

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("Queue full"):
            return True
        self._losses.dropped += 1
        if self._losses.dropped > 1:
            return False
        record.name = log.name
        record.msg = (
            "tracing: the span queue is full (OTEL_BSP_MAX_QUEUE_SIZE): spans are dropped, "
            "counted until tracing stops"
        )
        record.args = ()
        return True
