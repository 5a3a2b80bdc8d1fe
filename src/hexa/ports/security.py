"""Security services the core needs: password hashing, access tokens, mail, rate limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from hexa.domain.access import Scope


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str:
        """A salted, slow hash that embeds its own parameters."""
        ...

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches; False (never an exception) when it does not."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with parameters older than the current ones."""
        ...

    def burn(self, password: str) -> None:
        """Costs what a `verify` costs, for answers about unknown emails that must take
        as long as answers about known ones."""
        ...


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: str
    scopes: frozenset[Scope]
    token_id: str
    kind: str  # "user": a person, checked against the user store; "service": an operator token
    session_id: str | None = None


class AccessTokens(Protocol):
    def issue(
        self,
        subject: str,
        scopes: frozenset[Scope],
        *,
        kind: str = "user",
        session_id: str | None = None,
        lifetime: timedelta | None = None,
    ) -> str:
        """A signed, short-lived access token."""
        ...

    def read(self, token: str) -> AccessClaims:
        """The verified claims. Raises `Unauthenticated` for any token that is not one
        this service issued and still honours (bad signature, algorithm, audience,
        issuer, expiry, missing claims, malformed)."""
        ...


class Mailer(Protocol):
    async def send(self, *, to: str, subject: str, body: str) -> None:
        """Delivers one plain-text message, or raises `Unavailable`."""
        ...


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    retry_after_seconds: int = 0
    attempts: int = 1  # in the current window, this one included


class RateLimiter(Protocol):
    async def hit(self, key: str, *, limit: int, window: timedelta) -> RateDecision:
        """Counts one attempt under `key`; refused once `limit` attempts fall within
        `window` (a fixed window, shared by every replica that shares the store)."""
        ...

    async def reset(self, key: str) -> None:
        """Forgets the attempts under `key` (after a successful sign-in, say)."""
        ...


class ChangeCounter(Protocol):
    """A number that rises whenever a watched set of objects changes (API keys, say), so
    every replica can keep a cache and drop it the moment the number moves."""

    async def current(self) -> int:
        """The number now; reading it must be cheap (one round trip at most)."""
        ...

    async def bump(self) -> None:
        """Announces a change; every replica sees the new number on its next read."""
        ...
