"""Sign-in sessions: a family of rotating refresh tokens.

Each refresh hands out a new token and spends the old one. A spent token presented again
means it was copied: the whole family is revoked, the thief's copy and the owner's alike
(refresh-token rotation with reuse detection, OAuth 2.0 Security BCP §4.14).
Tokens are kept only as SHA-256 hashes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from hexa.domain.errors import InvalidTransition


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    """One sign-in. `id` is the family id; `token_hash` the one live refresh token."""

    id: str
    user_id: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    spent_hashes: tuple[str, ...] = ()
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    version: int = 1

    @classmethod
    def open(
        cls, *, id: str, user_id: str, token_hash: str, lifetime: timedelta, now: datetime
    ) -> Session:
        return cls(id, user_id, token_hash, now, now + lifetime)

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def rotated(self, new_hash: str, *, lifetime: timedelta, now: datetime) -> Session:
        if not self.is_live(now):
            raise InvalidTransition(f"session {self.id} has ended")
        return dataclasses.replace(
            self,
            token_hash=new_hash,
            spent_hashes=(*self.spent_hashes, self.token_hash)[-50:],
            expires_at=now + lifetime,
            version=self.version + 1,
        )

    def revoked(self, reason: str, *, now: datetime) -> Session:
        if self.revoked_at is not None:
            return self
        return dataclasses.replace(
            self, revoked_at=now, revoked_reason=reason, version=self.version + 1
        )
