"""Mongo repositories of identity: users, API keys, sessions, the audit log."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from hexa.adapters.mongo.repositories import Document, MongoRepository, translated_errors
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
from hexa.adapters.staging import StagedWrites
from hexa.domain.api_keys import ApiKey
from hexa.domain.audit import AuditEntry
from hexa.domain.sessions import Session
from hexa.domain.users import User


class MongoUserRepository(MongoRepository[User]):
    kind = "user"
    _record = staticmethod(user_record)
    _entity = staticmethod(user_from)

    async def by_email(self, email: str) -> User | None:
        found = self._staged.overlay(await self._find({"email": email}))
        return next((u for u in found if u.email == email), None)

    async def page(self, *, limit: int, after: str | None = None) -> list[User]:
        return await self._page(limit, after, {}, lambda _: True)


class MongoApiKeyRepository(MongoRepository[ApiKey]):
    kind = "API key"
    _record = staticmethod(api_key_record)
    _entity = staticmethod(api_key_from)

    async def find(self, kid: str) -> ApiKey | None:
        return await self._current(kid)

    async def page(self, *, limit: int, after: str | None = None) -> list[ApiKey]:
        return await self._page(limit, after, {}, lambda _: True)

    async def purge_expired(self, *, before: datetime) -> int:
        ended = [{"expires_at": {"$lt": before}}, {"revoked_at": {"$lt": before}}]
        return await self._purge({"$or": ended}, lambda k: k.ended_before(before))


class MongoSessionRepository(MongoRepository[Session]):
    kind = "session"
    _record = staticmethod(session_record)
    _entity = staticmethod(session_from)

    def _document(self, entity: Session) -> Document:
        # Every hash the session ever had, under one multikey index, finds it by any token.
        return super()._document(entity) | {"hashes": [entity.token_hash, *entity.spent_hashes]}

    def _from_document(self, document: Document) -> Session:
        return super()._from_document({k: v for k, v in document.items() if k != "hashes"})

    async def by_token_hash(self, token_hash: str) -> Session | None:
        found = self._staged.overlay(await self._find({"hashes": token_hash}))
        return next(
            (s for s in found if token_hash == s.token_hash or token_hash in s.spent_hashes), None
        )

    async def of_user(self, user_id: str) -> list[Session]:
        found = self._staged.overlay(await self._find({"user_id": user_id, "revoked_at": None}))
        return [s for s in found if s.user_id == user_id and s.revoked_at is None]

    async def purge_expired(self, *, before: datetime) -> int:
        return await self._purge({"expires_at": {"$lt": before}}, lambda s: s.expires_at < before)


class MongoAuditLog:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection
        self._staged: list[AuditEntry] = []

    async def append(self, entry: AuditEntry) -> None:
        self._staged.append(entry)

    async def page(
        self,
        *,
        limit: int,
        before: str | None = None,
        action: str | None = None,
        actor: str | None = None,
    ) -> list[AuditEntry]:
        query: Document = {} if before is None else {"_id": {"$lt": before}}
        query |= {k: v for k, v in (("action", action), ("actor", actor)) if v is not None}
        async with translated_errors("audit entry"):
            cursor = self._collection.find(query).sort("_id", -1).limit(limit)
            stored = [audit_from(d | {"id": d["_id"]}) async for d in cursor]
        staged = [
            e
            for e in self._staged
            if (before is None or e.id < before) and e.matches(action=action, actor=actor)
        ]
        return sorted(stored + staged, key=lambda e: e.id, reverse=True)[:limit]

    async def apply(self) -> None:
        if self._staged:
            documents = [audit_record(e) for e in self._staged]
            async with translated_errors("audit entry"):
                await self._collection.insert_many([{"_id": d.pop("id"), **d} for d in documents])
        self._staged.clear()

    def clear(self) -> None:
        self._staged.clear()


def _users(db: AsyncDatabase[Document]) -> MongoUserRepository:
    return MongoUserRepository(db.users, StagedWrites("user"))


def _api_keys(db: AsyncDatabase[Document]) -> MongoApiKeyRepository:
    return MongoApiKeyRepository(db.api_keys, StagedWrites("API key"))


def _sessions(db: AsyncDatabase[Document]) -> MongoSessionRepository:
    return MongoSessionRepository(db.sessions, StagedWrites("session"))


# What a Mongo session finds here, by port (`hexa.adapters.mongo.database`); the audit
# log is the session's own.
REPOSITORIES = {"users": _users, "api_keys": _api_keys, "sessions": _sessions}
