"""In-memory repositories of identity: users, API keys, sessions, the audit log."""

from __future__ import annotations

from datetime import datetime

from hexa.adapters.memory.repositories import MemoryRepository
from hexa.adapters.memory.tables import MemoryTables
from hexa.domain.api_keys import ApiKey
from hexa.domain.audit import AuditEntry
from hexa.domain.sessions import Session
from hexa.domain.users import User


class MemoryUserRepository(MemoryRepository[User]):
    async def by_email(self, email: str) -> User | None:
        found = self._visible(lambda u: u.email == email)
        return found[0] if found else None

    async def page(self, *, limit: int, after: str | None = None) -> list[User]:
        return self._page(limit, after, lambda _: True)


class MemoryApiKeyRepository(MemoryRepository[ApiKey]):
    async def find(self, kid: str) -> ApiKey | None:
        return self._current(kid)

    async def page(self, *, limit: int, after: str | None = None) -> list[ApiKey]:
        return self._page(limit, after, lambda _: True)

    async def purge_expired(self, *, before: datetime) -> int:
        return self._purge(lambda k: k.ended_before(before))


class MemorySessionRepository(MemoryRepository[Session]):
    async def by_token_hash(self, token_hash: str) -> Session | None:
        found = self._visible(lambda s: s.token_hash == token_hash or token_hash in s.spent_hashes)
        return found[0] if found else None

    async def of_user(self, user_id: str) -> list[Session]:
        return self._visible(lambda s: s.user_id == user_id and s.revoked_at is None)

    async def purge_expired(self, *, before: datetime) -> int:
        return self._purge(lambda s: s.expires_at < before)


class MemoryAuditLog:
    def __init__(self, committed: list[AuditEntry]) -> None:
        self._committed = committed
        self.staged: list[AuditEntry] = []

    async def append(self, entry: AuditEntry) -> None:
        self.staged.append(entry)

    async def page(
        self,
        *,
        limit: int,
        before: str | None = None,
        action: str | None = None,
        actor: str | None = None,
    ) -> list[AuditEntry]:
        entries = sorted(self._committed + self.staged, key=lambda e: e.id, reverse=True)
        chosen = [e for e in entries if e.matches(action=action, actor=actor)]
        return [e for e in chosen if before is None or e.id < before][:limit]

    def commit(self) -> None:
        self._committed.extend(self.staged)
        self.staged.clear()


def _users(tables: MemoryTables) -> MemoryUserRepository:
    return MemoryUserRepository(*tables.open("users", "user", unique=("email",)))


def _api_keys(tables: MemoryTables) -> MemoryApiKeyRepository:
    return MemoryApiKeyRepository(*tables.open("api_keys", "API key"))


def _sessions(tables: MemoryTables) -> MemorySessionRepository:
    return MemorySessionRepository(*tables.open("sessions", "session"))


# What a memory session finds here, by port (`hexa.adapters.memory.database`); the
# audit log is the session's own.
REPOSITORIES = {"users": _users, "api_keys": _api_keys, "sessions": _sessions}
