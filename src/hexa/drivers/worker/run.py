"""`hexa worker`: runs arq's worker, and outlives Redis outages.

arq's worker stops when Redis drops. Jobs are safe meanwhile (in the queue, or in the
outbox), so rather than exit and rely on a supervisor, the worker waits, with back-off,
and starts again; SIGTERM or SIGINT during the wait ends it.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading

from redis.exceptions import RedisError

from hexa.config import Settings
from hexa.drivers.tracing import start_tracing
from hexa.drivers.worker.settings import close_graph, worker_options

log = logging.getLogger("hexa.worker")
MAX_BACKOFF_SECONDS = 30.0


def run_worker(settings: Settings) -> int:
    if settings.worker_metrics_port:
        # The worker process's own CPU, memory and GC figures; job counts are on the app's
        # /metrics, which reads the tally every worker writes.
        from prometheus_client import start_http_server

        start_http_server(settings.worker_metrics_port, addr=settings.host)
    # Once per process, not per start of arq's worker: the provider outlives a Redis outage.
    tracing = start_tracing("hexa-worker")
    try:
        return _run_until_stopped(settings)
    finally:
        if tracing is not None:
            tracing.close()


def _run_until_stopped(settings: Settings) -> int:
    from arq.worker import Worker

    stopping = threading.Event()
    delay = 1.0
    while not stopping.is_set():
        worker = Worker(**worker_options(settings))
        try:
            worker.run()
            return 0  # stopped by a signal, after its grace period
        except (RedisError, OSError) as error:
            # arq's close gives up before its shutdown hook when Redis is gone: close the
            # graph here, or each outage would leak its pools.
            with contextlib.suppress(Exception):
                worker.loop.run_until_complete(close_graph(worker.ctx))
            log.warning(
                "Redis failed (%s); the worker starts again in %.0f s",
                type(error).__name__,
                delay,
            )
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stopping.set())
        stopping.wait(delay)
        delay = min(delay * 2, MAX_BACKOFF_SECONDS)
    return 0
