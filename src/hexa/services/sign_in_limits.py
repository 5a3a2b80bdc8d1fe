"""Sign-in attempts counted per account and per client address: past the limit within
the window, a sign-in is refused (429) before any password is checked, and the first
refusal of a burst is audited."""

from __future__ import annotations

import logging

from hexa.domain.errors import RateLimited
from hexa.ports.clock import Clock
from hexa.ports.security import RateLimiter
from hexa.ports.uow import UnitOfWorkFactory
from hexa.services.audit import record
from hexa.services.auth_policy import AuthPolicy

log = logging.getLogger(__name__)


class SignInLimits:
    def __init__(
        self, limiter: RateLimiter, uow: UnitOfWorkFactory, clock: Clock, policy: AuthPolicy
    ) -> None:
        self._limiter = limiter
        self._uow = uow
        self._clock = clock
        self._policy = policy

    async def attempt(self, email: str, address: str) -> None:
        """Counts a sign-in to `email` from `address`; `RateLimited` past either limit."""
        await self._hit(f"login:account:{email}", self._policy.attempts_per_account, email)
        await self._hit(f"login:address:{address}", self._policy.attempts_per_address, email)

    async def succeeded(self, email: str) -> None:
        """The account's count starts again (the address's does not)."""
        await self._limiter.reset(f"login:account:{email}")

    async def _hit(self, key: str, limit: int, email: str) -> None:
        window = self._policy.attempts_window
        decision = await self._limiter.hit(key, limit=limit, window=window)
        if decision.allowed:
            return
        if decision.attempts == limit + 1:  # the first refusal of a burst, not every one
            log.warning("sign-in attempts throttled: %s", key)
            async with self._uow() as uow:
                await record(
                    uow, self._clock, "system", "auth.login_throttled", key,
                    email=email, limit=limit,
                )  # fmt: skip
                await uow.commit()
        raise RateLimited(
            "too many sign-in attempts; try again later", decision.retry_after_seconds
        )
