"""`hexa worker --processes N`: N worker processes under one parent. A worker's jobs share
one event loop, and judging is Python: one process uses one core at most, so a machine
(or a pod) with more cores runs more processes.

The parent starts each child as `python -m <package>.cli worker`, passes SIGTERM and
SIGINT on (each child then finishes the job in hand within its grace), starts again a
child that stopped by itself, and exits once every child has stopped. Child i serves
its process metrics on WORKER_METRICS_PORT + i, when that is set.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from types import FrameType

from hexa.config import Settings

log = logging.getLogger("hexa.worker")
RESTART_DELAY_SECONDS = 1.0
POLL_SECONDS = 0.2


def supervise(settings: Settings, processes: int) -> int:
    package = __package__.split(".")[0] if __package__ else "hexa"
    command = [sys.executable, "-m", f"{package}.cli", "worker"]
    stopping = threading.Event()
    children: dict[int, subprocess.Popen[bytes]] = {}

    def start(index: int) -> None:
        environment = dict(os.environ)
        if settings.worker_metrics_port:
            environment["WORKER_METRICS_PORT"] = str(settings.worker_metrics_port + index)
        children[index] = subprocess.Popen(command, env=environment)

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.set()
        for child in children.values():
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    for index in range(processes):
        start(index)
    log.info("started %d worker processes", processes)
    while children:
        for index, child in list(children.items()):
            code = child.poll()
            if code is None:
                continue
            if stopping.is_set():
                del children[index]
            else:
                log.warning("worker process %d ended (%s); starting another", child.pid, code)
                stopping.wait(RESTART_DELAY_SECONDS)
                if not stopping.is_set():
                    start(index)
                else:
                    del children[index]
        time.sleep(POLL_SECONDS)
    return 0
