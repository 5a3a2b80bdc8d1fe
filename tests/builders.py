"""Small builders of domain objects for tests, with defaults worth reading past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hexa.domain.access import JOBS_READ
from hexa.domain.api_keys import ApiKey, KeyToken, secret_digest
from hexa.domain.audit import AuditEntry
from hexa.domain.identity import new_id
from hexa.domain.jobs import JobKind
from hexa.domain.sessions import Session, token_hash
from hexa.domain.users import User

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
# Job kinds for the core's tests, which run jobs of any kind: names only.
ONE_JOB = JobKind("validate_inspection")
BATCH_JOB = JobKind("validate_packet")


def a_user(email: str = "ana@example.com", **fields: Any) -> User:
    return User.register(id=new_id(), email=email, password_hash="argon2-hash", now=T0, **fields)


def an_api_key(name: str = "scanner", **fields: Any) -> ApiKey:
    token = KeyToken.generate()
    return ApiKey(
        kid=token.kid,
        name=name,
        scopes=frozenset({JOBS_READ}),
        secret_hash=secret_digest(token.secret, b"pepper" * 6),
        created_at=T0,
        created_by="service:ops",
        **fields,
    )


def a_session(user_id: str = "u1", token: str = "refresh-1") -> Session:
    return Session.open(
        id=new_id(),
        user_id=user_id,
        token_hash=token_hash(token),
        lifetime=timedelta(days=1),
        now=T0,
    )


def an_audit_entry(action: str = "api_key.created", **detail: Any) -> AuditEntry:
    return AuditEntry(new_id(), T0, "service:ops", action, "api_key:k1", detail)
