"""The example domain in SQL: the inspections, rules and attachments tables, and their
repositories."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hexa.adapters.inspection_records import (
    attachment_from,
    attachment_record,
    inspection_from,
    inspection_record,
    reading_records,
    rule_from,
    rule_record,
)
from hexa.adapters.sql.repositories import SqlRepository, translated_errors
from hexa.adapters.sql.tables import UtcDateTime, metadata
from hexa.domain.attachments import Attachment, AttachmentStatus
from hexa.domain.inspections import DraftEdit, Inspection, InspectionFilter, InspectionStatus
from hexa.domain.rules import Rule

inspections = sa.Table(
    "inspections",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("subject", sa.String(500), nullable=False),
    sa.Column("inspector", sa.String(200), nullable=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("readings", sa.JSON, nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("submitted_at", UtcDateTime, nullable=True),
)


rules = sa.Table(
    "rules",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, index=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)


attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("inspection_id", sa.String(36), nullable=False, index=True),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("stored_at", UtcDateTime, nullable=True),
    sa.Index("ix_attachments_status_created_at", "status", "created_at"),
)


class SqlInspectionRepository(SqlRepository[Inspection]):
    kind = "inspection"
    table = inspections

    _record = staticmethod(inspection_record)
    _entity = staticmethod(inspection_from)

    async def revise_draft(
        self, inspection_id: str, edit: DraftEdit, *, expected_version: int, now: datetime
    ) -> Inspection | None:
        changes = edit.changes()
        values: dict[str, Any] = {f"v_{name}": value for name, value in changes.items()}
        if edit.readings is not None:
            values["v_readings"] = reading_records(edit.readings)
        values |= {"w_id": inspection_id, "w_version": expected_version, "v_updated_at": now}
        async with translated_errors(self.kind):
            connection = await self._connect()
            result = await connection.execute(_revision(frozenset(changes)), values)
            row = result.first()
        return None if row is None else inspection_from(row._mapping)

    async def page(
        self, *, limit: int, after: str | None = None, where: InspectionFilter | None = None
    ) -> list[Inspection]:
        query = self._page_query(limit, after)
        where = where or InspectionFilter()
        c = self.table.c
        if where.status is not None:
            query = query.where(c.status == where.status.value)
        if where.since is not None:
            query = query.where(c.created_at >= where.since)
        if where.until is not None:
            query = query.where(c.created_at < where.until)
        if where.subject_contains is not None:
            # The database's lower() on both sides, so both fold alike: SQLite's folds
            # ASCII only, and leaves "É" as it is on either side.
            pattern = "%" + _escaped(where.subject_contains) + "%"
            query = query.where(
                sa.func.lower(c.subject).like(sa.func.lower(sa.literal(pattern)), escape="/")
            )
        return await self._rows(query)


@functools.cache
def _revision(fields: frozenset[str]) -> sa.Update:
    """The one statement of a draft's edit that changes `fields`: built once per set of
    fields, so each call finds its compiled SQL at once (as `SqlRepository` does)."""
    c = inspections.c
    return (
        sa.update(inspections)
        .where(
            c.id == sa.bindparam("w_id"),
            c.version == sa.bindparam("w_version"),
            c.status == InspectionStatus.DRAFT.value,
        )
        .values(
            {name: sa.bindparam(f"v_{name}") for name in sorted(fields)}
            | {"version": c.version + 1, "updated_at": sa.bindparam("v_updated_at")}
        )
        .returning(inspections)
    )


def _escaped(text: str) -> str:
    """`text` matched as it is by LIKE (escape character `/`)."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


class SqlRuleRepository(SqlRepository[Rule]):
    kind = "rule"
    table = rules

    _record = staticmethod(rule_record)
    _entity = staticmethod(rule_from)

    async def page(self, *, limit: int, after: str | None = None) -> list[Rule]:
        return await self._rows(self._page_query(limit, after))

    _enabled = sa.select(rules).where(rules.c.enabled.is_(True)).order_by(rules.c.id)

    async def enabled(self) -> list[Rule]:
        return await self._rows(self._enabled)


class SqlAttachmentRepository(SqlRepository[Attachment]):
    kind = "attachment"
    table = attachments

    _record = staticmethod(attachment_record)
    _entity = staticmethod(attachment_from)

    async def of_inspection(self, inspection_id: str) -> list[Attachment]:
        query = (
            sa.select(self.table)
            .where(self.table.c.inspection_id == inspection_id)
            .order_by(self.table.c.id)
        )
        return await self._rows(query)

    async def pending_before(self, before: datetime, *, limit: int) -> list[Attachment]:
        query = (
            sa.select(self.table)
            .where(
                self.table.c.status == AttachmentStatus.PENDING.value,
                self.table.c.created_at < before,
            )
            .order_by(self.table.c.created_at, self.table.c.id)
            .limit(limit)
        )
        return await self._rows(query)


# What a SQL session finds here, by port (`hexa.adapters.sql.database`).
REPOSITORIES = {
    "inspections": SqlInspectionRepository,
    "rules": SqlRuleRepository,
    "attachments": SqlAttachmentRepository,
}
