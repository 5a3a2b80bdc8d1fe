"""Log lines written by a thread of their own, so the event loop never waits on a write.

A line is handed over with a queue put (no syscall, no lock held while writing); the
thread writes what has gathered within GATHER_SECONDS in one `write` and flushes. `flush` returns once
every line handed over before it is written; `close` (which `logging.shutdown` calls at
exit) writes what is left first: a clean stop loses no line. A process killed outright
loses at most the lines of the moment it died.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from typing import TextIO

# How long a closing writer may take to write what is left before the process goes on.
CLOSE_SECONDS = 5.0
# How long a line may wait for others to be written with it.
GATHER_SECONDS = 0.02
_STOP = object()


class LineWriter:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="hexa-log-lines", daemon=True)
        self._thread.start()

    def put(self, line: str) -> None:
        """Hands one line (ending in a newline) over to be written."""
        self._queue.put(line)

    def flush(self) -> None:
        if not self._thread.is_alive():
            return
        written = threading.Event()
        self._queue.put(written)
        written.wait(CLOSE_SECONDS)

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(CLOSE_SECONDS)

    def _run(self) -> None:
        while True:
            lines: list[str] = []
            item = self._queue.get()
            if isinstance(item, str):
                # Let the lines of a busy moment gather: one write and one hand-over of
                # the interpreter for them all, not one per line.
                time.sleep(GATHER_SECONDS)
            while True:
                if isinstance(item, str):
                    lines.append(item)
                else:  # a flush's event, or the stop: what came before is written first
                    self._write(lines)
                    lines = []
                    if item is _STOP:
                        return
                    assert isinstance(item, threading.Event)
                    item.set()
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            self._write(lines)

    def _write(self, lines: list[str]) -> None:
        if not lines:
            return
        with contextlib.suppress(ValueError, OSError):  # a stream closed under us
            self._stream.write("".join(lines))
            self._stream.flush()


class LineHandler(logging.Handler):
    """A `logging` handler that formats on the caller's thread and writes on the writer's."""

    def __init__(self, lines: LineWriter) -> None:
        super().__init__()
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.put(self.format(record) + "\n")
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        self.lines.flush()

    def close(self) -> None:
        self.lines.close()
        super().close()
