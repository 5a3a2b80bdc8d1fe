"""Housekeeping: deleting the identity records that can no longer be used.

Sessions go as soon as their refresh lifetime has ended. API keys that expired or were
revoked stay for `key_retention` first, so a key the audit log names can still be looked
up for a while. Meant to be run now and then by a background task.
"""

from __future__ import annotations

from datetime import timedelta

from hexa.ports.clock import Clock
from hexa.ports.uow import UnitOfWorkFactory
from hexa.services.audit import record

DEFAULT_KEY_RETENTION = timedelta(days=30)


class Housekeeping:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        key_retention: timedelta = DEFAULT_KEY_RETENTION,
    ) -> None:
        if key_retention < timedelta(0):
            raise ValueError("key_retention cannot be negative: live keys would be purged")
        self._uow = uow
        self._clock = clock
        self._key_retention = key_retention

    async def purge(self) -> dict[str, int]:
        """Deletes ended sessions and long-ended API keys in one unit of work; answers how
        many of each. An audit entry records a purge that deleted anything."""
        now = self._clock.now()
        async with self._uow() as uow:
            purged = {
                "sessions": await uow.sessions.purge_expired(before=now),
                "api_keys": await uow.api_keys.purge_expired(before=now - self._key_retention),
            }
            if any(purged.values()):
                await record(
                    uow, self._clock, "system", "identity.purged", "housekeeping", **purged
                )
            await uow.commit()
        return purged
