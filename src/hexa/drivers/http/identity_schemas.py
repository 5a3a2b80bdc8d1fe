"""The JSON shapes of the auth and admin APIs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool
from pydantic.config import JsonDict

from hexa.domain.access import Role, Scope
from hexa.domain.api_keys import ApiKey
from hexa.domain.audit import AuditEntry
from hexa.domain.users import MAX_PASSWORD, MIN_PASSWORD, User
from hexa.drivers.http.openapi_inputs import NOT_BLANK, SPACES
from hexa.drivers.http.schemas import Whole


def _text_only(value: Any) -> Any:
    if not isinstance(value, str):  # pydantic would read a number as Unix time
        raise ValueError("a date-time must be an RFC 3339 string")
    return value


# A time as the schema says it: text, e.g. "2026-12-31T23:59:59Z".
TimeText = Annotated[datetime, BeforeValidator(_text_only)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# What `normalized_email` takes, for the schema only: the domain refuses the rest, with a
# clearer message than a pattern's.
_NOT = f"{SPACES}\\u0000"
EMAIL: JsonDict = {"pattern": f"^[{SPACES}]*[^@{_NOT}]+@[^{_NOT}]*\\.[^{_NOT}]*[{SPACES}]*$"}
NEW_PASSWORD: JsonDict = {"minLength": MIN_PASSWORD}


class Credentials(_In):
    """A sign-up: an email address and a new password."""

    email: str = Field(max_length=254, description="an email address", json_schema_extra=EMAIL)
    password: str = Field(max_length=MAX_PASSWORD, json_schema_extra=NEW_PASSWORD)


class SignIn(_In):
    """A sign-in: any password is tried, whatever the policy says of new ones (a policy
    raised since must not lock a client out of asking)."""

    email: str = Field(max_length=254, description="an email address", json_schema_extra=EMAIL)
    password: str = Field(max_length=MAX_PASSWORD)


class TokenIn(_In):
    token: str = Field(max_length=512)


class RefreshIn(_In):
    refresh_token: str | None = Field(None, max_length=512)


class EmailIn(_In):
    email: str = Field(max_length=254, description="an email address", json_schema_extra=EMAIL)


class PasswordReset(_In):
    token: str = Field(max_length=512)
    password: str = Field(max_length=MAX_PASSWORD, json_schema_extra=NEW_PASSWORD)


class UserOut(BaseModel):
    id: str
    email: str
    role: Role
    scopes: list[Scope]
    verified: bool
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            email=user.email,
            role=user.role,
            scopes=sorted(user.scopes),
            verified=user.verified,
            active=user.active,
            version=user.version,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


class Registered(UserOut):
    verification_token: str | None = Field(
        None, description="only when ENV is dev or test; otherwise it is mailed"
    )


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


class UserChange(_In):
    role: Role | None = None
    active: StrictBool | None = None


class ApiKeyIn(_In):
    name: str = Field(min_length=1, max_length=200, json_schema_extra={"pattern": NOT_BLANK})
    scopes: list[Scope] = Field(min_length=1)
    expires_at: TimeText | None = None


class RotateIn(_In):
    grace_seconds: Whole = Field(24 * 3600, ge=0, le=30 * 24 * 3600)


class ApiKeyOut(BaseModel):
    kid: str
    name: str
    scopes: list[Scope]
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    previous_valid_until: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls(
            kid=key.kid,
            name=key.name,
            scopes=sorted(key.scopes),
            created_at=key.created_at,
            created_by=key.created_by,
            expires_at=key.expires_at,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
            previous_valid_until=key.previous_valid_until,
        )


class IssuedKeyOut(ApiKeyOut):
    token: str = Field(description="the secret token, shown this once")


class AuditOut(BaseModel):
    id: str
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, object]
    actor_name: str | None = Field(
        None, description="what people call the actor (a user's email, a key's name)"
    )
    target_name: str | None = Field(None, description="what people call the target, if known")

    @classmethod
    def of(cls, entry: AuditEntry, names: Mapping[str, str] | None = None) -> AuditOut:
        names = names or {}
        return cls(
            id=entry.id,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            target=entry.target,
            detail=entry.detail,
            actor_name=names.get(entry.actor),
            target_name=names.get(entry.target),
        )
