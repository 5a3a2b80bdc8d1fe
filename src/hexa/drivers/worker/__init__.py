"""The background worker (arq): `hexa worker`, or `arq hexa.drivers.worker.WorkerSettings`."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # arq reads WorkerSettings as a class of options; they come from the environment,
    # so they are built when asked for, never at import.
    if name == "WorkerSettings":
        from hexa.config import load_settings
        from hexa.drivers.worker.settings import worker_settings_class

        return worker_settings_class(load_settings())
    raise AttributeError(name)
