"""Prometheus metrics: the app's own request counters, and the service readings of a scrape.

Each app has its own registry (tests build many apps in one process). Request metrics are
labelled by route template, never by raw path, so ids in URLs cannot blow up the number
of series. The readings are gathered per scrape: the queue length and the job tally come
from shared state (Redis, when there is one), so they are cluster-wide figures, the same
on every replica (aggregate them with max, not sum); request and API-key counts are this
process's own.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from itertools import accumulate
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hexa.domain.api_keys import Verification
from hexa.domain.jobs import DURATION_BUCKETS
from hexa.services.metrics import Readings

UNROUTED = "unrouted"  # refused before routing (body too large), or no route matched
# Clients choose the method: any other word is "other", so no client can mint new series.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def app_registry() -> CollectorRegistry:
    """A registry with this process's CPU, memory and garbage-collector figures."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    return registry


class RequestMetrics:
    """Counts requests and times them, by method, route template and status."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter(
            "hexa_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "hexa_http_request_duration_seconds",
            "Time to answer an HTTP request, body included, by method and route template",
            ["method", "route"],
            registry=registry,
        )
        # Bounded: methods, route templates and statuses are finite sets.
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an error that escapes the app becomes a 500 further out

        async def noted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noted)
        finally:
            # The router records the matched route in the scope it was given.
            route = getattr(scope.get("route"), "path", UNROUTED)
            method = scope["method"] if scope["method"] in _METHODS else "other"
            labels = (method, route, status)
            series = self._series.get(labels)
            if series is None:  # labels() takes a lock and builds keys: once per series
                series = self._series[labels] = (
                    self.requests.labels(method, route, str(status)),
                    self.latency.labels(method, route),
                )
            series[0].inc()
            series[1].observe(time.perf_counter() - started)


class _ReadingsCollector(Collector):
    def __init__(self, readings: Readings, pool: Mapping[str, int] | None) -> None:
        self._readings = readings
        self._pool = pool

    def collect(self) -> Iterable[Metric]:
        if self._pool is not None:
            yield from _pool_families(self._pool)
        readings = self._readings
        sources = GaugeMetricFamily(
            "hexa_metrics_source_up",
            "Whether this scrape could read a shared source (0: its metrics are missing)",
            labels=["source"],
        )
        sources.add_metric(["queue"], int(readings.queue_length is not None))
        sources.add_metric(["job_tally"], int(readings.jobs is not None))
        yield sources
        if readings.queue_length is not None:
            yield GaugeMetricFamily(
                "worker_queue_length",
                "Jobs accepted and not yet started by a worker",
                value=readings.queue_length,
            )
        if readings.jobs is not None:
            yield from _job_families(readings)
        verifications = CounterMetricFamily(
            "hexa_api_key_verifications",
            "API keys presented to this process, by outcome",
            labels=["outcome"],
        )
        for outcome in Verification:
            verifications.add_metric(
                [outcome.value], readings.api_key_verifications.get(outcome, 0)
            )
        yield verifications


def _job_families(readings: Readings) -> Iterable[Metric]:
    assert readings.jobs is not None
    jobs = CounterMetricFamily(
        "hexa_jobs",
        "Job attempts by kind and outcome (done, failed, retried), across all workers",
        labels=["kind", "outcome"],
    )
    for (kind, outcome), count in sorted(readings.jobs.outcomes.items()):
        jobs.add_metric([kind, outcome.value], count)
    yield jobs
    durations = HistogramMetricFamily(
        "hexa_job_duration_seconds",
        "Time from a job's start to its end, by kind, across all workers",
        labels=["kind"],
    )
    bounds = [*(str(float(bound)) for bound in DURATION_BUCKETS), "+Inf"]
    for kind, histogram in sorted(readings.jobs.durations.items()):
        cumulative = accumulate(histogram.counts)
        durations.add_metric(
            [kind],
            buckets=list(zip(bounds, cumulative, strict=True)),
            sum_value=histogram.total_seconds,
        )
    yield durations


def _pool_families(pool: Mapping[str, int]) -> Iterable[Metric]:
    connections = GaugeMetricFamily(
        "hexa_db_pool_connections",
        "This process's SQL connections, by state (in_use, idle)",
        labels=["state"],
    )
    connections.add_metric(["in_use"], pool["in_use"])
    connections.add_metric(["idle"], pool["idle"])
    yield connections
    yield GaugeMetricFamily(
        "hexa_db_pool_limit",
        "The most SQL connections this process opens (DB_POOL_SIZE + DB_MAX_OVERFLOW)",
        value=pool["limit"],
    )


def exposition(
    registry: CollectorRegistry, readings: Readings, pool: Mapping[str, int] | None = None
) -> bytes:
    """The Prometheus text page: the app's registry, then this scrape's readings."""
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_ReadingsCollector(readings, pool))
    return generate_latest(registry) + generate_latest(scrape)
