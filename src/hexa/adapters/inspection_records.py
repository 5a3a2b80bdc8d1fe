"""Inspections, rules and attachments as plain records, for every store."""

from __future__ import annotations

from typing import Any

from hexa.domain.attachments import Attachment, AttachmentStatus
from hexa.domain.checks import check_from
from hexa.domain.inspections import Inspection, InspectionStatus, Reading
from hexa.domain.rules import Rule, Severity


def inspection_record(inspection: Inspection) -> dict[str, Any]:
    return {
        "id": inspection.id,
        "subject": inspection.subject,
        "inspector": inspection.inspector,
        "status": inspection.status.value,
        "readings": reading_records(inspection.readings),
        "notes": inspection.notes,
        "version": inspection.version,
        "created_at": inspection.created_at,
        "updated_at": inspection.updated_at,
        "submitted_at": inspection.submitted_at,
    }


def reading_records(readings: tuple[Reading, ...]) -> list[dict[str, Any]]:
    return [{"key": r.key, "value": r.value, "unit": r.unit} for r in readings]


def inspection_from(record: Any) -> Inspection:
    return Inspection(
        id=record["id"],
        subject=record["subject"],
        inspector=record["inspector"],
        readings=tuple(Reading(r["key"], r["value"], r.get("unit")) for r in record["readings"]),
        notes=record["notes"],
        status=InspectionStatus(record["status"]),
        version=record["version"],
        created_at=record["created_at"],
        updated_at=record["updated_at"],
        submitted_at=record["submitted_at"],
    )


def rule_record(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "key": rule.key,
        "kind": rule.check.kind,
        "params": rule.check.params(),
        "severity": rule.severity.value,
        "enabled": rule.enabled,
        "description": rule.description,
        "version": rule.version,
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }


def rule_from(record: Any) -> Rule:
    return Rule(
        id=record["id"],
        name=record["name"],
        key=record["key"],
        check=check_from(record["kind"], record["params"]),
        severity=Severity(record["severity"]),
        enabled=record["enabled"],
        version=record["version"],
        created_at=record["created_at"],
        updated_at=record["updated_at"],
        description=record["description"],
    )


def attachment_record(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "inspection_id": attachment.inspection_id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "status": attachment.status.value,
        "created_by": attachment.created_by,
        "version": attachment.version,
        "created_at": attachment.created_at,
        "updated_at": attachment.updated_at,
        "stored_at": attachment.stored_at,
    }


def attachment_from(record: Any) -> Attachment:
    return Attachment(
        id=record["id"],
        inspection_id=record["inspection_id"],
        filename=record["filename"],
        content_type=record["content_type"],
        size=record["size"],
        status=AttachmentStatus(record["status"]),
        created_by=record["created_by"],
        version=record["version"],
        created_at=record["created_at"],
        updated_at=record["updated_at"],
        stored_at=record["stored_at"],
    )
