"""Signing people up and in: registration, verification, sessions, password reset.

Answers never reveal whether an email is registered, by message or by timing: a failed
sign-in costs one password hash whether or not the account exists, and a reset request
answers the same way at once, mailing in the background.
"""

from __future__ import annotations

import logging

from hexa.domain import one_time_tokens
from hexa.domain.access import Principal, PrincipalKind
from hexa.domain.errors import (
    Forbidden,
    NotFound,
    StaleVersion,
    Unauthenticated,
    ValidationError,
)
from hexa.domain.identity import new_id
from hexa.domain.sessions import Session, new_refresh_token, token_hash
from hexa.domain.users import User, check_password_strength, normalized_email
from hexa.ports.clock import Clock
from hexa.ports.security import AccessTokens, Mailer, PasswordHasher, RateLimiter
from hexa.ports.uow import UnitOfWork, UnitOfWorkFactory
from hexa.services.audit import record
from hexa.services.auth_policy import AuthPolicy, SignedIn
from hexa.services.mailed_tokens import MailedTokens
from hexa.services.principals import PrincipalCache
from hexa.services.sign_in_limits import SignInLimits

log = logging.getLogger(__name__)

WRONG_CREDENTIALS = "wrong email or password"


class AuthService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        hasher: PasswordHasher,
        tokens: AccessTokens,
        mailer: Mailer,
        limiter: RateLimiter,
        token_key: bytes,
        policy: AuthPolicy,
        principals: PrincipalCache,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self._tokens = tokens
        self._policy = policy
        self._principals = principals
        self._mailed = MailedTokens(mailer, clock, token_key)
        self._limits = SignInLimits(limiter, uow, clock, policy)

    # -- registration ---------------------------------------------------------------

    async def register(self, email: str, password: str) -> tuple[User, str | None]:
        """A new unverified viewer; the verification token is mailed (and returned when the
        policy reveals it)."""
        check_password_strength(password)
        now = self._clock.now()
        user = User.register(
            id=new_id(), email=email, password_hash=self._hasher.hash(password), now=now
        )
        async with self._uow() as uow:
            await uow.users.add(user)
            await record(uow, self._clock, f"user:{user.id}", "user.registered", f"user:{user.id}")
            await uow.commit()
        token = self._mailed.make(
            one_time_tokens.VERIFY, user, lifetime=self._policy.verify_lifetime
        )
        self._mailed.mail_later(
            user.email,
            "Verify your Hexa account",
            f"Your verification token: {token}\n"
            f'POST {self._policy.public_url}/api/v1/auth/verify {{"token": "{token}"}}',
        )
        return user, token if self._policy.reveal_mail_tokens else None

    async def verify(self, token: str) -> User:
        async with self._uow() as uow:
            user = await self._mailed.user_for(uow, one_time_tokens.VERIFY, token)
            verified = user.verify(now=self._clock.now())
            await uow.users.update(verified, expected_version=user.version)
            await record(uow, self._clock, f"user:{user.id}", "user.verified", f"user:{user.id}")
            await uow.commit()
        return verified

    # -- sessions ---------------------------------------------------------------------

    async def login(self, email: str, password: str, *, address: str) -> SignedIn:
        try:
            email = normalized_email(email)
        except ValidationError:
            self._hasher.burn(password)
            raise Unauthenticated(WRONG_CREDENTIALS) from None
        await self._limits.attempt(email, address)
        async with self._uow() as uow:
            user = await uow.users.by_email(email)
            if user is None:
                self._hasher.burn(password)
                raise Unauthenticated(WRONG_CREDENTIALS)
            if not self._hasher.verify(user.password_hash, password):
                raise Unauthenticated(WRONG_CREDENTIALS)
            if not user.active:
                raise Forbidden("this account is disabled")
            if not user.verified:
                raise Forbidden("verify your email address first")
            if self._hasher.needs_rehash(user.password_hash):
                rehashed = user.with_password_hash(
                    self._hasher.hash(password), now=self._clock.now()
                )
                await uow.users.update(rehashed, expected_version=user.version)
                user = rehashed
            signed_in = await self._open_session(uow, user)
            await uow.commit()
        await self._limits.succeeded(email)
        return signed_in

    async def refresh(self, refresh_token: str) -> SignedIn:
        """Rotates the session's refresh token. A spent token revokes its whole family."""
        digest = token_hash(refresh_token)
        now = self._clock.now()
        async with self._uow() as uow:
            session = await uow.sessions.by_token_hash(digest)
            if session is None:
                raise Unauthenticated("unknown refresh token")
            if digest != session.token_hash:
                await self._revoke_family(uow, session, "refresh token reused")
                await uow.commit()
                await self._principals.changed()
                raise Unauthenticated("this refresh token was already used; signed out")
            if not session.is_live(now):
                raise Unauthenticated("the session has ended")
            user = await uow.users.get(session.user_id)
            if not user.may_sign_in:
                raise Unauthenticated("the account cannot sign in")
            token = new_refresh_token()
            rotated = session.rotated(
                token_hash(token), lifetime=self._policy.refresh_lifetime, now=now
            )
            try:
                await uow.sessions.update(rotated, expected_version=session.version)
                await uow.commit()
            except StaleVersion:
                raise Unauthenticated("this refresh token was just used") from None
        return self._signed_in(user, rotated, token)

    async def logout(
        self, *, session_id: str | None = None, refresh_token: str | None = None
    ) -> None:
        async with self._uow() as uow:
            session = None
            if refresh_token is not None:
                session = await uow.sessions.by_token_hash(token_hash(refresh_token))
            elif session_id is not None:
                session = await _session(uow, session_id)
            if session is None or session.revoked_at is not None:
                return
            revoked = session.revoked("signed out", now=self._clock.now())
            await uow.sessions.update(revoked, expected_version=session.version)
            await uow.commit()
        await self._principals.changed()

    async def principal(self, access_token: str) -> Principal:
        """The caller an access token stands for. A person's account and session are read
        once per process and kept until any sign-in state changes (`PrincipalCache`), so a
        disabled account, a changed role or a closed session takes effect at once;
        operator tokens (`hexa token`) stand on their own."""
        claims = self._tokens.read(access_token)
        if claims.kind != "user":
            return Principal(PrincipalKind.SERVICE, claims.subject, claims.scopes)
        key = (claims.subject, claims.session_id)
        generation = await self._principals.generation()
        known = self._principals.get(key)
        if known is not None:
            return known
        principal = await self._read_principal(claims.subject, claims.session_id)
        self._principals.keep(key, principal, generation)
        return principal

    async def _read_principal(self, user_id: str, session_id: str | None) -> Principal:
        async with self._uow(read_only=True) as uow:
            try:
                user = await uow.users.get(user_id)
            except NotFound:
                raise Unauthenticated("the account no longer exists") from None
            if session_id is not None:
                session = await _session(uow, session_id)
                if session is None or session.revoked_at is not None:
                    raise Unauthenticated("the session has ended")
        if not user.may_sign_in:
            raise Unauthenticated("the account cannot sign in")
        return Principal(PrincipalKind.USER, user.id, user.scopes, session_id=session_id)

    async def me(self, principal: Principal) -> User:
        if principal.kind is not PrincipalKind.USER:
            raise Forbidden("only people have a profile")
        async with self._uow(read_only=True) as uow:
            return await uow.users.get(principal.subject)

    # -- password reset ---------------------------------------------------------------

    async def forgot_password(self, email: str) -> str | None:
        """Mails a reset token if the account exists; answers alike either way. Text that
        is no email address at all is refused: that says nothing about any account."""
        email = normalized_email(email)
        async with self._uow(read_only=True) as uow:
            user = await uow.users.by_email(email)
        if user is None or not user.active:
            return None
        token = self._mailed.make(one_time_tokens.RESET, user, lifetime=self._policy.reset_lifetime)
        self._mailed.mail_later(
            user.email, "Reset your Hexa password", f"Your reset token: {token}"
        )
        return token if self._policy.reveal_mail_tokens else None

    async def reset_password(self, token: str, password: str) -> None:
        check_password_strength(password)
        now = self._clock.now()
        async with self._uow() as uow:
            user = await self._mailed.user_for(uow, one_time_tokens.RESET, token)
            changed = user.with_password_hash(self._hasher.hash(password), now=now)
            await uow.users.update(changed, expected_version=user.version)
            for session in await uow.sessions.of_user(user.id):
                await self._revoke_family(uow, session, "password reset", audit=False)
            await record(
                uow, self._clock, f"user:{user.id}", "user.password_reset", f"user:{user.id}"
            )
            await uow.commit()
        await self._principals.changed()

    # -- helpers ----------------------------------------------------------------------

    async def _open_session(self, uow: UnitOfWork, user: User) -> SignedIn:
        token = new_refresh_token()
        session = Session.open(
            id=new_id(),
            user_id=user.id,
            token_hash=token_hash(token),
            lifetime=self._policy.refresh_lifetime,
            now=self._clock.now(),
        )
        await uow.sessions.add(session)
        return self._signed_in(user, session, token)

    def _signed_in(self, user: User, session: Session, refresh_token: str) -> SignedIn:
        access = self._tokens.issue(
            user.id, user.scopes, session_id=session.id, lifetime=self._policy.access_lifetime
        )
        expires_in = int(self._policy.access_lifetime.total_seconds())
        return SignedIn(access, refresh_token, expires_in, session.id)

    async def _revoke_family(
        self, uow: UnitOfWork, session: Session, reason: str, *, audit: bool = True
    ) -> None:
        await uow.sessions.update(
            session.revoked(reason, now=self._clock.now()), expected_version=session.version
        )
        if audit:
            await record(
                uow,
                self._clock,
                f"user:{session.user_id}",
                "auth.session_revoked",
                f"session:{session.id}",
                reason=reason,
            )


async def _session(uow: UnitOfWork, session_id: str) -> Session | None:
    try:
        return await uow.sessions.get(session_id)
    except NotFound:
        return None
