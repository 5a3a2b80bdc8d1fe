"""Capturing what a process logs, exactly as `hexa.drivers.logs` formats it."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog

from hexa.config import Settings
from hexa.drivers.logs import configure_logging

# Loggers `configure_logging` changes besides the root: restored afterwards, so that the
# tests after this one log as before.
_TOUCHED = ("uvicorn", "uvicorn.error", "uvicorn.asgi", "uvicorn.access", "arq", "arq.worker",
            "alembic", "aiosqlite", "botocore", "aiobotocore")  # fmt: skip


class LogCapture:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        for handler in logging.getLogger().handlers:  # lines are written by a thread
            handler.flush()
        return self.stream.getvalue()

    def events(self) -> list[dict[str, Any]]:
        """Every line as the JSON object it must be (LOG_FORMAT=json)."""
        return [json.loads(line) for line in self.text.splitlines() if line]

    def access(self, request_id: str) -> list[dict[str, Any]]:
        """The access events of one request."""
        return [
            e for e in self.events()
            if e["logger"] == "hexa.access" and e.get("request_id") == request_id
        ]  # fmt: skip


@contextmanager
def captured_logs(settings: Settings) -> Iterator[LogCapture]:
    root = logging.getLogger()
    saved_root = (root.handlers[:], root.level)
    saved = {
        name: (logger.handlers[:], logger.propagate, logger.level)
        for name in _TOUCHED
        for logger in [logging.getLogger(name)]
    }
    capture = LogCapture()
    configure_logging(settings, capture.stream)
    try:
        yield capture
    finally:
        for handler in root.handlers:
            if handler.get_name() == "hexa":
                handler.close()  # writes every line handed over so far
        root.handlers[:], level = saved_root
        root.setLevel(level)
        for name, (handlers, propagate, level) in saved.items():
            logger = logging.getLogger(name)
            logger.handlers[:], logger.propagate = handlers, propagate
            logger.setLevel(level)
        structlog.reset_defaults()
        logging.captureWarnings(False)
