"""How a store family finds the repositories of every area: by the modules it has.

Each module of a family (`hexa.adapters.sql.inspections`, `...sql.identity`) declares
the repositories it serves in a `REPOSITORIES` table, by port name. A family's sessions
look a port up in the union of those tables, read once, at first use. So an area added
to the project (`make aggregate`) is a new module, and a part left out of it (the example
domain) is a module gone: no list to edit either way.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Mapping
from typing import Any


@functools.cache
def declared(package: str, name: str) -> tuple[Any, ...]:
    """The `name` attribute of each module of `package` that has one, by module name."""
    found = []
    for info in sorted(pkgutil.iter_modules(importlib.import_module(package).__path__)):
        module = importlib.import_module(f"{package}.{info.name}")
        if hasattr(module, name):
            found.append(getattr(module, name))
    return tuple(found)


@functools.cache
def repositories(package: str) -> Mapping[str, Any]:
    """Every port's repository factory in family `package`; a port served twice is a
    mistake worth stopping for."""
    table: dict[str, Any] = {}
    for declared_here in declared(package, "REPOSITORIES"):
        for port, factory in declared_here.items():
            if port in table:
                raise RuntimeError(f"{package}: two modules serve the {port} port")
            table[port] = factory
    return table
