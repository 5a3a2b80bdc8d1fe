"""API keys: issuing, rotating and revoking them, and checking one on every request.

The check is the hot path. A malformed token or a bad checksum is refused before any
storage read; a known key is kept in a small in-process cache that is dropped the moment
the shared change counter moves (every revoke and rotate bumps it), so a revocation takes
effect at once on every replica. `last_used_at` is written at most once a minute per key.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from hexa.domain.access import Principal, PrincipalKind, Scope, parse_scopes
from hexa.domain.api_keys import ApiKey, KeyToken, Verification, secret_digest
from hexa.domain.errors import Conflict, NotFound, Unauthenticated, Unavailable, ValidationError
from hexa.ports.clock import Clock
from hexa.ports.security import ChangeCounter
from hexa.ports.uow import UnitOfWorkFactory
from hexa.services.audit import record
from hexa.services.pages import Page, fetch_page

LAST_USED_EVERY = timedelta(minutes=1)
DEFAULT_GRACE = timedelta(hours=24)
MAX_GRACE = timedelta(days=30)
_CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: ApiKey
    token: str  # shown once


class ApiKeyService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, *, pepper: bytes, changes: ChangeCounter
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._pepper = pepper
        self._changes = changes
        self._cache: OrderedDict[str, ApiKey] = OrderedDict()
        self._cache_generation: int | None = None
        self._verifications: Counter[Verification] = Counter()

    async def create(
        self, actor: Principal, *, name: str, scopes: frozenset[Scope], expires_at: datetime | None
    ) -> IssuedKey:
        scopes = parse_scopes(sorted(scopes))  # unknown scopes: a 422, never a stored key
        now = self._clock.now()
        if expires_at is not None and expires_at <= now:
            raise ValidationError("expires_at must be in the future")
        token = KeyToken.generate()
        key = ApiKey(
            kid=token.kid,
            name=name,
            scopes=scopes,
            secret_hash=secret_digest(token.secret, self._pepper),
            created_at=now,
            created_by=actor.actor,
            expires_at=expires_at,
        )
        async with self._uow() as uow:
            await uow.api_keys.add(key)
            await record(
                uow,
                self._clock,
                actor.actor,
                "api_key.created",
                f"api_key:{key.kid}",
                name=name,
                scopes=sorted(scopes),
            )
            await uow.commit()
        return IssuedKey(key, str(token))

    async def get(self, kid: str) -> ApiKey:
        async with self._uow(read_only=True) as uow:
            return await uow.api_keys.get(kid)

    async def page(self, *, limit: int, after: str | None = None) -> Page[ApiKey]:
        async with self._uow(read_only=True) as uow:
            return await fetch_page(lambda n: uow.api_keys.page(limit=n, after=after), limit)

    async def revoke(self, actor: Principal, kid: str) -> ApiKey:
        async with self._uow() as uow:
            current = await uow.api_keys.get(kid)
            revoked = current.revoke(now=self._clock.now())
            await uow.api_keys.update(revoked, expected_version=current.version)
            await record(uow, self._clock, actor.actor, "api_key.revoked", f"api_key:{kid}")
            await uow.commit()
        await self._changes.bump()
        return revoked

    async def rotate(
        self, actor: Principal, kid: str, *, grace: timedelta = DEFAULT_GRACE
    ) -> IssuedKey:
        if not timedelta(0) <= grace <= MAX_GRACE:
            raise ValidationError(f"the grace period is 0 to {MAX_GRACE.days} days")
        token = KeyToken.generate(kid)
        async with self._uow() as uow:
            current = await uow.api_keys.get(kid)
            rotated = current.rotate(
                secret_digest(token.secret, self._pepper), grace=grace, now=self._clock.now()
            )
            await uow.api_keys.update(rotated, expected_version=current.version)
            await record(
                uow,
                self._clock,
                actor.actor,
                "api_key.rotated",
                f"api_key:{kid}",
                grace_seconds=int(grace.total_seconds()),
            )
            await uow.commit()
        await self._changes.bump()
        return IssuedKey(rotated, str(token))

    def verifications(self) -> Mapping[Verification, int]:
        """How many checks this process made, by outcome, since it started (metrics)."""
        return dict(self._verifications)

    async def authenticate(self, token: str) -> Principal:
        """The principal a key token stands for, or `Unauthenticated`."""
        parsed = KeyToken.parse(token)
        if parsed is None:
            self._verifications[Verification.MALFORMED] += 1
            raise Unauthenticated("not a valid API key")
        key = await self._known(parsed.kid)
        now = self._clock.now()
        outcome = (
            Verification.UNKNOWN
            if key is None
            else key.verify(secret_digest(parsed.secret, self._pepper), now)
        )
        self._verifications[outcome] += 1
        if key is None or outcome is not Verification.ACCEPTED:
            # One message for every refusal: a caller learns nothing about other keys.
            raise Unauthenticated("the API key is unknown, revoked or expired")
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_EVERY:
            await self._note_use(key, now)
        return Principal(PrincipalKind.API_KEY, key.kid, key.scopes)

    async def _known(self, kid: str) -> ApiKey | None:
        try:
            generation: int | None = await self._changes.current()
        except Unavailable:  # Redis away: nothing cached can be trusted; read the store
            generation = None
        if generation is None or generation != self._cache_generation:
            self._cache.clear()
            self._cache_generation = generation
        key = self._cache.get(kid)
        if key is None:
            async with self._uow(read_only=True) as uow:
                key = await uow.api_keys.find(kid)
            # Read before a change another request has since announced: not kept.
            if key is not None and generation is not None and generation == self._cache_generation:
                self._remember(key)
        return key

    def _remember(self, key: ApiKey) -> None:
        self._cache[key.kid] = key
        self._cache.move_to_end(key.kid)
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)

    async def _note_use(self, key: ApiKey, now: datetime) -> None:
        # Best effort: losing a race to another replica's write is fine, and so is the
        # key having changed meanwhile (its next use records the time).
        self._remember(key.used(now=now))
        try:
            async with self._uow() as uow:
                current = await uow.api_keys.get(key.kid)
                await uow.api_keys.update(current.used(now=now), expected_version=current.version)
                await uow.commit()
        except (Conflict, NotFound):
            pass
