"""People's principals, kept by each process between requests.

Reading a person's account and session on every request made each authenticated read
cost two more queries. Instead each process keeps the principals it has built, and
drops them all the moment a shared counter moves: every change that could refuse a
token — a logout, a revoked session family, a password reset, a new role, a disabled
account — bumps it after its commit, so the very next request on every replica reads
the database again.

When the counter cannot be read (Redis down), nothing is kept and every request reads the
database, as before the cache: people keep working through a Redis outage. A change
whose announcement failed is announced again once the counter answers.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from hexa.domain.access import Principal
from hexa.domain.errors import Unavailable
from hexa.ports.security import ChangeCounter

log = logging.getLogger(__name__)

Key = tuple[str, str | None]  # (user id, session id)
_SIZE = 10_000


class PrincipalCache:
    def __init__(self, changes: ChangeCounter, *, size: int = _SIZE) -> None:
        self._changes = changes
        self._size = size
        self._known: OrderedDict[Key, Principal] = OrderedDict()
        self._generation: int | None = None
        self._owed = False  # a change this process could not announce

    async def generation(self) -> int | None:
        """The counter now; what was kept under an older one is dropped. None when it
        cannot be read: then nothing is kept."""
        try:
            if self._owed:
                await self._changes.bump()
                self._owed = False
            generation = await self._changes.current()
        except Unavailable:
            self._known.clear()
            self._generation = None
            return None
        if generation != self._generation:
            self._known.clear()
            self._generation = generation
        return generation

    def get(self, key: Key) -> Principal | None:
        return self._known.get(key)

    def keep(self, key: Key, principal: Principal, generation: int | None) -> None:
        """Keeps what was read under `generation`, unless the counter has moved since:
        then it may predate the change and must be read again."""
        if generation is None or generation != self._generation:
            return
        self._known[key] = principal
        self._known.move_to_end(key)
        if len(self._known) > self._size:
            self._known.popitem(last=False)

    async def changed(self) -> None:
        """Announces a change of sign-in state (call it after the change commits). The
        change is durable already: if the counter is away, this process stops keeping
        principals and owes the announcement, made when the counter is back."""
        self._known.clear()
        try:
            await self._changes.bump()
        except Unavailable:
            log.warning("sign-in change not yet announced to other replicas: Redis is away")
            self._owed = True
            self._generation = None
