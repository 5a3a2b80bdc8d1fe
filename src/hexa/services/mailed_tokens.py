"""One-time tokens that go by mail: made for a user (verify an address, reset a
password), read back to the user they were made for, and mailed in the background, so
an answer's timing never tells whether an account exists."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from hexa.domain import one_time_tokens
from hexa.domain.errors import NotFound, Unauthenticated
from hexa.domain.users import User
from hexa.ports.clock import Clock
from hexa.ports.security import Mailer
from hexa.ports.uow import UnitOfWork

log = logging.getLogger(__name__)


class MailedTokens:
    def __init__(self, mailer: Mailer, clock: Clock, key: bytes) -> None:
        self._mailer = mailer
        self._clock = clock
        self._key = key
        self._mailing: set[asyncio.Task[None]] = set()

    def make(self, purpose: str, user: User, *, lifetime: timedelta) -> str:
        return one_time_tokens.make(
            self._key, purpose, user, lifetime=lifetime, now=self._clock.now()
        )

    async def user_for(self, uow: UnitOfWork, purpose: str, token: str) -> User:
        """The user `token` was made for, for `purpose`; `Unauthenticated` if it is not a
        valid one (forged, expired, spent: its MAC covers what it changes)."""
        user_id = one_time_tokens.user_id_of(token)
        invalid = Unauthenticated("the token is invalid or has expired")
        if user_id is None:
            raise invalid
        try:
            user = await uow.users.get(user_id)
        except NotFound:
            raise invalid from None
        if not one_time_tokens.is_valid(self._key, purpose, token, user, now=self._clock.now()):
            raise invalid
        return user

    def mail_later(self, to: str, subject: str, body: str) -> None:
        """Sends in the background: the answer's timing must not depend on the mail."""

        async def send() -> None:
            try:
                await self._mailer.send(to=to, subject=subject, body=body)
            except Exception:
                log.exception("mail to %s failed", to)

        task = asyncio.create_task(send())
        self._mailing.add(task)
        task.add_done_callback(self._mailing.discard)
