"""Administering people: listing them, changing roles, disabling accounts."""

from __future__ import annotations

from hexa.domain.access import Principal, PrincipalKind, Role
from hexa.domain.errors import Conflict, StaleVersion
from hexa.domain.identity import new_id
from hexa.domain.users import User, check_password_strength
from hexa.ports.clock import Clock
from hexa.ports.security import PasswordHasher
from hexa.ports.uow import UnitOfWorkFactory
from hexa.services.audit import record
from hexa.services.pages import Page, fetch_page
from hexa.services.principals import PrincipalCache


class UserAdminService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        hasher: PasswordHasher,
        principals: PrincipalCache,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self._principals = principals

    async def page(self, *, limit: int, after: str | None = None) -> Page[User]:
        async with self._uow(read_only=True) as uow:
            return await fetch_page(lambda n: uow.users.page(limit=n, after=after), limit)

    async def get(self, user_id: str) -> User:
        async with self._uow(read_only=True) as uow:
            return await uow.users.get(user_id)

    async def change(
        self,
        actor: Principal,
        user_id: str,
        *,
        role: Role | None = None,
        active: bool | None = None,
        if_version: int | None = None,
    ) -> User:
        """Sets the role and/or the active flag. Disabling also closes every session, and
        the account's access tokens stop working on their next request. An admin may not
        demote or disable their own account (`Conflict`): another admin must, so the last
        admin cannot lock everyone out by a slip."""
        if actor.kind is PrincipalKind.USER and actor.subject == user_id:
            if role is not None and role is not Role.ADMIN:
                raise Conflict("you cannot change your own role: ask another admin")
            if active is False:
                raise Conflict("you cannot disable your own account: ask another admin")
        now = self._clock.now()
        async with self._uow() as uow:
            current = await uow.users.get(user_id)
            if if_version is not None and if_version != current.version:
                raise StaleVersion(
                    f"user {user_id} is at version {current.version}, not {if_version}"
                )
            changed = current
            if role is not None and role is not current.role:
                changed = changed.with_role(role, now=now)
                await record(
                    uow,
                    self._clock,
                    actor.actor,
                    "user.role_changed",
                    f"user:{user_id}",
                    role=role.value,
                    was=current.role.value,
                )
            if active is not None and active != current.active:
                changed = changed.enable(now=now) if active else changed.disable(now=now)
                await record(
                    uow,
                    self._clock,
                    actor.actor,
                    "user.enabled" if active else "user.disabled",
                    f"user:{user_id}",
                )
                if not active:
                    for session in await uow.sessions.of_user(user_id):
                        await uow.sessions.update(
                            session.revoked("account disabled", now=now),
                            expected_version=session.version,
                        )
            if changed is not current:
                await uow.users.update(changed, expected_version=current.version)
            await uow.commit()
        await self._principals.changed()  # the next request of theirs sees the change
        return changed

    async def create_admin(self, email: str, password: str) -> User:
        """An active, verified admin, for `hexa create-admin`."""
        check_password_strength(password)
        now = self._clock.now()
        user = User.register(
            id=new_id(),
            email=email,
            password_hash=self._hasher.hash(password),
            role=Role.ADMIN,
            now=now,
        ).verify(now=now)
        async with self._uow() as uow:
            await uow.users.add(user)
            await record(uow, self._clock, "cli", "user.admin_created", f"user:{user.id}")
            await uow.commit()
        return user
