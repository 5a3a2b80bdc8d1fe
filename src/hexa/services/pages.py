"""Keyset pages: the items, and the id to continue after when there are more."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)

MAX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_after: str | None


async def fetch_page(fetch: Callable[[int], Awaitable[list[T]]], limit: int) -> Page[T]:
    """Asks for one item more than the page holds, to learn whether another page follows."""
    limit = max(1, min(limit, MAX_LIMIT))
    items = await fetch(limit + 1)
    if len(items) > limit:
        return Page(items[:limit], items[limit - 1].id)
    return Page(items, None)
