"""Repositories and services of identity: users, sessions, API keys, the audit log.

Repository semantics follow `hexa.ports.repositories`: writes are staged in the unit of
work and versions guard updates where the write happens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from hexa.domain.api_keys import ApiKey
from hexa.domain.audit import AuditEntry
from hexa.domain.sessions import Session
from hexa.domain.users import User


class UserRepository(Protocol):
    async def get(self, user_id: str) -> User:
        """Raises `NotFound`."""
        ...

    async def by_email(self, email: str) -> User | None:
        """The user with this (normalized) email, or None."""
        ...

    async def add(self, user: User) -> None:
        """Raises `Conflict` if the id or the email is taken."""
        ...

    async def update(self, user: User, *, expected_version: int) -> None:
        """Raises `NotFound` or `StaleVersion`."""
        ...

    async def page(self, *, limit: int, after: str | None = None) -> list[User]:
        """Up to `limit` users in id order, after the id `after`."""
        ...


class ApiKeyRepository(Protocol):
    async def get(self, kid: str) -> ApiKey:
        """Raises `NotFound`."""
        ...

    async def find(self, kid: str) -> ApiKey | None:
        """The key, or None: the hot path of every API-key request."""
        ...

    async def add(self, key: ApiKey) -> None:
        """Raises `Conflict` if the kid is taken."""
        ...

    async def update(self, key: ApiKey, *, expected_version: int) -> None:
        """Raises `NotFound` or `StaleVersion`."""
        ...

    async def page(self, *, limit: int, after: str | None = None) -> list[ApiKey]:
        """Up to `limit` keys in kid order, after the kid `after`."""
        ...

    async def purge_expired(self, *, before: datetime) -> int:
        """Deletes every key whose `expires_at` or `revoked_at` is earlier than `before`;
        answers how many. Like any write, the deletions last only if the unit of work
        commits; a store that checks at commit refuses it if one of those keys changed
        meanwhile. Purging again finds nothing more: idempotent."""
        ...


class SessionRepository(Protocol):
    async def get(self, session_id: str) -> Session:
        """Raises `NotFound`."""
        ...

    async def add(self, session: Session) -> None:
        """Raises `Conflict` if the id is taken."""
        ...

    async def by_token_hash(self, token_hash: str) -> Session | None:
        """The session whose current or any spent refresh token has this hash."""
        ...

    async def update(self, session: Session, *, expected_version: int) -> None:
        """Raises `NotFound` or `StaleVersion` (two refreshes racing: one loses)."""
        ...

    async def of_user(self, user_id: str) -> list[Session]:
        """Every session of the user that is not revoked, in id order."""
        ...

    async def purge_expired(self, *, before: datetime) -> int:
        """Deletes every session whose `expires_at` is earlier than `before`, revoked or
        not, with all its refresh tokens; answers how many. A revoked session that has not
        yet expired stays, so a replay of its tokens is still recognised as reuse. Like any
        write, the deletions last only if the unit of work commits; a store that checks at
        commit refuses it if one of those sessions changed meanwhile. Idempotent."""
        ...


class AuditLog(Protocol):
    async def append(self, entry: AuditEntry) -> None:
        """Records an entry; it lasts only if the unit of work commits."""
        ...

    async def page(
        self,
        *,
        limit: int,
        before: str | None = None,
        action: str | None = None,
        actor: str | None = None,
    ) -> list[AuditEntry]:
        """Newest first: up to `limit` entries with ids below `before`; given `action`
        or `actor`, only the entries whose field equals it exactly (both: both match)."""
        ...
