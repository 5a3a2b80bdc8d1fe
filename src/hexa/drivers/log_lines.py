"""Log lines written by a thread of their own, so the event loop never waits on a write.

A line is handed over by appending it to a list (no syscall, no lock); the thread takes
what has gathered within GATHER_SECONDS in one slice and writes it in one `write`, doing
no work per line: under the GIL, every step the thread takes is a step the event loop
does not. `flush` returns once every line handed over before it is written; `close`
(which `logging.shutdown` calls at exit) writes what is left first: a clean stop loses
no line. A process killed outright loses at most the lines of the moment it died; one
that will be (uvicorn ends by raising the signal that stopped it again, after its last
lines and with no exit hooks) turns to `write_through` first.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import TextIO

# How long a closing writer may take to write what is left before the process goes on.
CLOSE_SECONDS = 5.0
# How long a line may wait for others to be written with it.
GATHER_SECONDS = 0.02
# A wake-up lost to two threads handing lines over at once delays them this long at most.
IDLE_SECONDS = 1.0


class LineWriter:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        # Appends (any thread) and the writer's slice-then-delete of the head are each one
        # atomic list operation under the GIL: nothing handed over is taken twice or lost.
        self._lines: list[str] = []
        self._flushes: list[threading.Event] = []
        self._wake = threading.Event()
        self._stopping = False
        self._through = False
        self._thread = threading.Thread(target=self._run, name="hexa-log-lines", daemon=True)
        self._thread.start()

    def put(self, line: str) -> None:
        """Hands one line (ending in a newline) over to be written."""
        if self._through:
            self._write([line])
            return
        lines = self._lines
        lines.append(line)
        if len(lines) == 1:  # the writer may be waiting for a first line
            self._wake.set()

    def flush(self) -> None:
        if not self._thread.is_alive():
            return
        written = threading.Event()
        self._flushes.append(written)
        self._wake.set()
        written.wait(CLOSE_SECONDS)

    def write_through(self) -> None:
        """Writes what was handed over, then every later line as it comes, on the
        caller's thread: for a process about to end without running its exit hooks."""
        self.flush()
        self._through = True
        self.flush()  # a line handed over while the first flush ran

    def close(self) -> None:
        if self._thread.is_alive():
            self._stopping = True
            self._wake.set()
            self._thread.join(CLOSE_SECONDS)

    def _run(self) -> None:
        while True:
            if not (self._lines or self._flushes or self._stopping):
                self._wake.wait(IDLE_SECONDS)
            self._wake.clear()
            stopping = self._stopping
            if not (self._flushes or stopping):
                # Let the lines of a busy moment gather: one write and one hand-over of
                # the interpreter for them all, not one per line.
                time.sleep(GATHER_SECONDS)
            # Flushes first: every line handed over before a flush is in the slice.
            flushes = self._flushes[:]
            del self._flushes[: len(flushes)]
            taken = len(self._lines)
            lines = self._lines[:taken]
            del self._lines[:taken]
            self._write(lines)
            for written in flushes:
                written.set()
            if stopping:
                return

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
