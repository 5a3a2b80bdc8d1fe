"""The schema, as SQLAlchemy Core tables: the core's here, each area's in its own module
of this family, on the same `metadata`. Alembic migrations must match it exactly (a test
compares them)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, also on SQLite, which stores no offset."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("verified", sa.Boolean, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("scopes", sa.JSON, nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=True),
    sa.Column("last_used_at", UtcDateTime, nullable=True),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    sa.Column("previous_secret_hash", sa.String(64), nullable=True),
    sa.Column("previous_valid_until", UtcDateTime, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(36), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("spent_hashes", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    sa.Column("revoked_reason", sa.String(200), nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
)

# Every refresh token a session ever had, current and spent, so a presented token finds
# its session by primary key (and a spent one is recognised as reuse).
refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("session_id", sa.String(36), nullable=False, index=True),
)

audit_entries = sa.Table(
    "audit_entries",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("target", sa.String(200), nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
    # The log's filters, newest first: one action's or one actor's entries are read
    # from the index in order, not found by a scan of the whole log.
    sa.Index("ix_audit_entries_action_id", "action", "id"),
    sa.Index("ix_audit_entries_actor_id", "actor", "id"),
)

# The transactional outbox: jobs accepted with the change that caused them.
job_outbox = sa.Table(
    "job_outbox",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("dispatched_at", UtcDateTime, nullable=True, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    # The job's end, kept here because its progress (in Redis) may be forgotten.
    sa.Column("outcome", sa.String(10), nullable=True),
    sa.Column("processed", sa.Integer, nullable=True),
    sa.Column("started_at", UtcDateTime, nullable=True),
    sa.Column("finished_at", UtcDateTime, nullable=True, index=True),
    sa.Column("result", sa.JSON, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    # The X-Request-ID of the request that accepted the job, for its logs.
    sa.Column("request_id", sa.String(128), nullable=True),
    # The W3C trace context of the acceptance, which the job's run continues.
    sa.Column("traceparent", sa.String(64), nullable=True),
    # Which run ended the job (1 for the first); who caused it (an audit actor); the
    # failed job it runs again (at most one retry each: a second is refused).
    sa.Column("attempts", sa.Integer, nullable=True),
    sa.Column("started_by", sa.String(200), nullable=True),
    sa.Column("retry_of", sa.String(36), nullable=True, unique=True),
    # Finds the jobs dispatched but not ended without reading the ended ones.
    sa.Index("ix_job_outbox_unfinished", "outcome", "dispatched_at"),
    # The newest jobs with one outcome (the operators' list, filtered), without a sort.
    sa.Index("ix_job_outbox_outcome_id", "outcome", "id"),
)

# Counts of what happened, by series, period (an hour's or a day's start) and key: the
# numbers behind the charts (`hexa.ports.stats`).
stat_counts = sa.Table(
    "stat_counts",
    metadata,
    sa.Column("series", sa.String(50), primary_key=True),
    sa.Column("period", UtcDateTime, primary_key=True),
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("count", sa.BigInteger, nullable=False),
)

# Blobs (packets, reports) in the database, for deployments with no volume every app
# replica and worker share (BLOB_BACKEND=sql). A blob's row is named only once all its
# chunks are written: until then it is a leftover a sweep may remove.
blobs = sa.Table(
    "blobs",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(512), nullable=True, unique=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("chunks", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False, index=True),
)

blob_chunks = sa.Table(
    "blob_chunks",
    metadata,
    sa.Column(
        "blob_id", sa.String(36), sa.ForeignKey("blobs.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)


def schema() -> sa.MetaData:
    """The metadata with every table of every area on it: an area's module adds its
    tables when it is imported, and this imports every module of the family."""
    from hexa.adapters.discovery import repositories

    repositories(__package__)
    return metadata
