"""Where each technology is wired: one module of this package per family, found by name.

A project made from the template without MongoDB, Redis, S3 or the worker has no module for
them (nor their adapters), so the root never imports one at module level: it looks the
family up here when the settings ask for it, and a setting that names a family the
project left out is one clear line, not an ImportError.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Protocol, cast

from hexa.adapters.unit_of_work import Backend
from hexa.config import ConfigError, Settings

# What a family is called in messages, by the name of its module here.
TECHNOLOGIES = {
    "memory": "in-memory stores",
    "sql": "SQL databases",
    "mongo": "MongoDB",
    "redis": "Redis",
    "arq": "the arq worker",
    "s3": "the S3 blob store",
}


class Database(Backend, Protocol):
    async def ping(self) -> None: ...

    async def close(self) -> None: ...


class BackendFamily(Protocol):
    async def open_backend(self, settings: Settings) -> Database: ...


def family(name: str, setting: str) -> object:
    """The wiring module of family `name`; `setting` is what asked for it, for the message
    a project without that family gives."""
    module = f"{__package__}.{name}"
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as missing:
        if missing.name != module:
            raise
        raise ConfigError(
            f"{setting}: this project was made without {TECHNOLOGIES.get(name, name)} "
            f"(no {module} module); choose another backend"
        ) from None


def kept(name: str) -> bool:
    """Whether this project has the wiring of family `name`."""
    return importlib.util.find_spec(f"{__package__}.{name}") is not None


def backend_family(name: str, setting: str) -> BackendFamily:
    return cast(BackendFamily, family(name, setting))
