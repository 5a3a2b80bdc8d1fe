"""One module per area of the API, each with its `router`, found by the app at start.

A module may say how busy its routes are (`BUSY`, lower first: a request is matched
against one flat list, so the busiest areas go first) and which of its paths take a
body larger than JSON's limit (`body_limits(settings)`). An area added to the project is
a module here; one left out of it is a module gone.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

DEFAULT_BUSY = 50


def areas() -> list[ModuleType]:
    """Every routes module, the busiest first."""
    modules = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__))
    ]
    return sorted(modules, key=lambda module: getattr(module, "BUSY", DEFAULT_BUSY))
