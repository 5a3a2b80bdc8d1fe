"""SQL repositories of identity: users, API keys, sessions, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hexa.adapters.records import (
    api_key_from,
    api_key_record,
    audit_from,
    audit_record,
    session_from,
    session_record,
    user_from,
    user_record,
)
from hexa.adapters.sql.repositories import Connect, SqlRepository, translated_errors
from hexa.adapters.sql.tables import api_keys, audit_entries, refresh_tokens, sessions, users
from hexa.domain.api_keys import ApiKey
from hexa.domain.audit import AuditEntry
from hexa.domain.sessions import Session
from hexa.domain.users import User


class SqlUserRepository(SqlRepository[User]):
    kind = "user"
    table = users
    _record = staticmethod(user_record)
    _entity = staticmethod(user_from)

    async def by_email(self, email: str) -> User | None:
        found = await self._rows(sa.select(self.table).where(self.table.c.email == email))
        return found[0] if found else None

    async def page(self, *, limit: int, after: str | None = None) -> list[User]:
        return await self._rows(self._page_query(limit, after))


class SqlApiKeyRepository(SqlRepository[ApiKey]):
    kind = "API key"
    table = api_keys
    _record = staticmethod(api_key_record)
    _entity = staticmethod(api_key_from)

    async def page(self, *, limit: int, after: str | None = None) -> list[ApiKey]:
        return await self._rows(self._page_query(limit, after))

    async def purge_expired(self, *, before: datetime) -> int:
        ended = sa.or_(self.table.c.expires_at < before, self.table.c.revoked_at < before)
        async with translated_errors(self.kind):
            connection = await self._connect()
            return (await connection.execute(sa.delete(self.table).where(ended))).rowcount


class SqlSessionRepository(SqlRepository[Session]):
    kind = "session"
    table = sessions
    _record = staticmethod(session_record)
    _entity = staticmethod(session_from)

    async def add(self, entity: Session) -> None:
        await super().add(entity)
        await self._remember_tokens(entity)

    async def update(self, entity: Session, *, expected_version: int) -> None:
        await super().update(entity, expected_version=expected_version)
        await self._remember_tokens(entity)

    async def _remember_tokens(self, session: Session) -> None:
        async with translated_errors(self.kind):
            connection = await self._connect()
            known = set(
                (
                    await connection.scalars(
                        sa.select(refresh_tokens.c.token_hash).where(
                            refresh_tokens.c.session_id == session.id
                        )
                    )
                ).all()
            )
            new = [
                {"token_hash": h, "session_id": session.id}
                for h in (session.token_hash, *session.spent_hashes)
                if h not in known
            ]
            if new:
                await connection.execute(sa.insert(refresh_tokens), new)

    async def by_token_hash(self, token_hash: str) -> Session | None:
        query = (
            sa.select(self.table)
            .join(refresh_tokens, refresh_tokens.c.session_id == self.table.c.id)
            .where(refresh_tokens.c.token_hash == token_hash)
        )
        found = await self._rows(query)
        return found[0] if found else None

    async def of_user(self, user_id: str) -> list[Session]:
        query = (
            sa.select(self.table)
            .where(self.table.c.user_id == user_id, self.table.c.revoked_at.is_(None))
            .order_by(self.table.c.id)
        )
        return await self._rows(query)

    async def purge_expired(self, *, before: datetime) -> int:
        expired = self.table.c.expires_at < before
        doomed = sa.select(self.table.c.id).where(expired)
        async with translated_errors(self.kind):
            connection = await self._connect()
            await connection.execute(
                sa.delete(refresh_tokens).where(refresh_tokens.c.session_id.in_(doomed))
            )
            return (await connection.execute(sa.delete(self.table).where(expired))).rowcount


# Built once: an entry goes with most writes, and its values are bound, not compiled in.
_APPEND = sa.insert(audit_entries)


class SqlAuditLog:
    def __init__(self, connect: Connect) -> None:
        self._connect = connect

    async def append(self, entry: AuditEntry) -> None:
        async with translated_errors("audit entry"):
            connection = await self._connect()
            await connection.execute(_APPEND, audit_record(entry))

    async def page(
        self,
        *,
        limit: int,
        before: str | None = None,
        action: str | None = None,
        actor: str | None = None,
    ) -> list[AuditEntry]:
        query: Any = sa.select(audit_entries).order_by(audit_entries.c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(audit_entries.c.id < before)
        if action is not None:
            query = query.where(audit_entries.c.action == action)
        if actor is not None:
            query = query.where(audit_entries.c.actor == actor)
        async with translated_errors("audit entry"):
            result = await (await self._connect()).execute(query)
            return [audit_from(row._mapping) for row in result]


# What a SQL session finds here, by port (`hexa.adapters.sql.database`).
REPOSITORIES = {
    "users": SqlUserRepository,
    "api_keys": SqlApiKeyRepository,
    "sessions": SqlSessionRepository,
    "audit": SqlAuditLog,
}
