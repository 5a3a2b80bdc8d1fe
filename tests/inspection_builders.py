"""Builders of the example domain's objects for its tests."""

from __future__ import annotations

from typing import Any

from hexa.domain.attachments import Attachment
from hexa.domain.checks import check_from
from hexa.domain.identity import new_id
from hexa.domain.inspections import Inspection, Reading
from hexa.domain.rules import Rule, Severity
from tests.builders import T0


def an_inspection(subject: str = "boiler 7", *readings: Reading, **fields: Any) -> Inspection:
    return Inspection.draft(
        id=fields.pop("id", None) or new_id(),
        subject=subject,
        readings=readings or (Reading("temp", 71.5, "C"), Reading("seal", "intact")),
        now=fields.pop("now", T0),
        **fields,
    )


def a_rule(
    kind: str = "max",
    key: str = "temp",
    severity: Severity = Severity.ERROR,
    *,
    name: str | None = None,
    enabled: bool = True,
    **params: Any,
) -> Rule:
    defaults = {"min": {"min": 0}, "max": {"max": 80}, "range": {"min": 0, "max": 80}}
    return Rule.new(
        id=new_id(),
        name=name or f"{key} {kind} {new_id()[-6:]}",
        key=key,
        check=check_from(kind, params or defaults.get(kind, {})),
        severity=severity,
        enabled=enabled,
        now=T0,
    )


def an_attachment(inspection_id: str = "i-1", **fields: Any) -> Attachment:
    return Attachment.declared(
        id=fields.pop("id", None) or new_id(),
        inspection_id=inspection_id,
        filename=fields.pop("filename", "gauge.png"),
        content_type=fields.pop("content_type", "image/png"),
        size=fields.pop("size", 1234),
        max_bytes=fields.pop("max_bytes", 10_000),
        created_by=fields.pop("created_by", "user:ana"),
        now=fields.pop("now", T0),
    )
