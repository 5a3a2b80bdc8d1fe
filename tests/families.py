"""Which adapters a contract suite runs over: those of the families this project kept.

A project made from the template without MongoDB, Redis or the worker has no wiring
module for them (`hexa.bootstrap.families`), so their cases are not collected at all,
rather than skipped as if a server were missing.
"""

from __future__ import annotations

from hexa.bootstrap.families import kept

# The family behind each adapter a suite may name; the others are always kept.
FAMILY = {"mongo": "mongo", "mongo-fake": "mongo", "redis": "redis", "arq": "arq", "s3": "s3"}


def kept_adapters(*names: str) -> list[str]:
    return [name for name in names if name not in FAMILY or kept(FAMILY[name])]
