"""Domain objects as flat records of plain values, and back: the shape SQL rows and
Mongo documents share."""

from __future__ import annotations

from typing import Any

from hexa.domain.access import Role, Scope
from hexa.domain.api_keys import ApiKey
from hexa.domain.audit import AuditEntry
from hexa.domain.jobs import Job, JobKind, JobProgress, JobStatus, OutboxEntry
from hexa.domain.sessions import Session
from hexa.domain.users import User


def user_record(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "password_hash": user.password_hash,
        "role": user.role.value,
        "verified": user.verified,
        "active": user.active,
        "version": user.version,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def user_from(record: Any) -> User:
    return User(
        id=record["id"],
        email=record["email"],
        password_hash=record["password_hash"],
        role=Role(record["role"]),
        verified=record["verified"],
        active=record["active"],
        version=record["version"],
        created_at=record["created_at"],
        updated_at=record["updated_at"],
    )


def api_key_record(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.kid,
        "name": key.name,
        "scopes": sorted(key.scopes),
        "secret_hash": key.secret_hash,
        "created_at": key.created_at,
        "created_by": key.created_by,
        "expires_at": key.expires_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
        "previous_secret_hash": key.previous_secret_hash,
        "previous_valid_until": key.previous_valid_until,
        "version": key.version,
    }


def api_key_from(record: Any) -> ApiKey:
    return ApiKey(
        kid=record["id"],
        name=record["name"],
        scopes=frozenset(Scope(s) for s in record["scopes"]),
        secret_hash=record["secret_hash"],
        created_at=record["created_at"],
        created_by=record["created_by"],
        expires_at=record["expires_at"],
        last_used_at=record["last_used_at"],
        revoked_at=record["revoked_at"],
        previous_secret_hash=record["previous_secret_hash"],
        previous_valid_until=record["previous_valid_until"],
        version=record["version"],
    )


def session_record(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "user_id": session.user_id,
        "token_hash": session.token_hash,
        "spent_hashes": list(session.spent_hashes),
        "created_at": session.created_at,
        "expires_at": session.expires_at,
        "revoked_at": session.revoked_at,
        "revoked_reason": session.revoked_reason,
        "version": session.version,
    }


def session_from(record: Any) -> Session:
    return Session(
        id=record["id"],
        user_id=record["user_id"],
        token_hash=record["token_hash"],
        created_at=record["created_at"],
        expires_at=record["expires_at"],
        spent_hashes=tuple(record["spent_hashes"]),
        revoked_at=record["revoked_at"],
        revoked_reason=record["revoked_reason"],
        version=record["version"],
    )


def audit_record(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "detail": entry.detail,
    }


def audit_from(record: Any) -> AuditEntry:
    return AuditEntry(
        id=record["id"],
        at=record["at"],
        actor=record["actor"],
        action=record["action"],
        target=record["target"],
        detail=dict(record["detail"]),
    )


def outbox_record(entry: OutboxEntry) -> dict[str, Any]:
    end = entry.outcome
    return {
        "id": entry.job.id,
        "kind": entry.job.kind,
        "payload": entry.job.payload,
        "request_id": entry.job.request_id,
        "traceparent": entry.job.traceparent,
        "total": entry.total,
        "created_at": entry.created_at,
        "dispatched_at": entry.dispatched_at,
        "outcome": None if end is None else end.status.value,
        "processed": None if end is None else end.processed,
        "started_at": None if end is None else end.started_at,
        "finished_at": None if end is None else end.finished_at,
        "result": None if end is None else end.result,
        "error": None if end is None else end.error,
        "attempts": None if end is None else end.attempts,
        "version": entry.version,
        "started_by": entry.started_by,
        "retry_of": entry.retry_of,
    }


def outbox_from(record: Any) -> OutboxEntry:
    # .get: Mongo documents written before jobs recorded their end (or their request)
    # have no such fields.
    job = Job(
        record["id"],
        JobKind(record["kind"]),
        dict(record["payload"]),
        record.get("request_id"),
        record.get("traceparent"),
    )
    outcome = record.get("outcome")
    return OutboxEntry(
        job=job,
        total=record["total"],
        created_at=record["created_at"],
        dispatched_at=record["dispatched_at"],
        outcome=None
        if outcome is None
        else JobProgress(
            id=job.id,
            kind=job.kind,
            status=JobStatus(outcome),
            created_at=record["created_at"],
            processed=record["processed"],
            total=record["total"],
            started_at=record["started_at"],
            finished_at=record["finished_at"],
            result=dict(record["result"] or {}),
            error=record["error"],
            attempts=record.get("attempts") or 0,
        ),
        version=record["version"],
        started_by=record.get("started_by"),
        retry_of=record.get("retry_of"),
    )
