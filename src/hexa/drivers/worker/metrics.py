"""The worker's Prometheus metrics, served on WORKER_METRICS_PORT when it is set."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

JOBS = Counter(
    "hexa_jobs_total", "Jobs run by the worker, by kind and outcome", ["kind", "outcome"]
)
DURATION = Histogram(
    "hexa_job_duration_seconds",
    "Time from a job's start to its end, by kind",
    ["kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
QUEUE_LENGTH = Gauge("worker_queue_length", "Jobs waiting in the queue, as the worker last saw")
