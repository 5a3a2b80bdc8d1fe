"""Packets: many inspections in one file, one row per reading, judged row by row.

Two formats: CSV, `inspection,subject,key,value,unit` with that header, values as text;
and JSON lines, one object per line with those five fields, values keeping their JSON
type. The rows of one inspection sit together (the reader refuses a reference that comes
back after another), and there are at most MAX_READINGS of them, as for an inspection
recorded one by one; so a packet can be judged in one pass over a stream, holding one
bounded inspection at a time.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hexa.domain.errors import ValidationError
from hexa.domain.inspections import MAX_READINGS, Reading, ReadingValue
from hexa.domain.rules import Rule, Severity
from hexa.domain.text import flaw

HEADER = ("inspection", "subject", "key", "value", "unit")
MAX_REFERENCE = 200


class PacketFormat(StrEnum):
    CSV = "csv"
    JSON_LINES = "jsonl"

    @classmethod
    def of(cls, filename: str, content_type: str) -> PacketFormat:
        """JSON lines when the file says so by its media type or name; CSV otherwise."""
        media = content_type.split(";")[0].strip().lower()
        if media in _JSON_LINES_TYPES or filename.lower().endswith((".jsonl", ".ndjson")):
            return cls.JSON_LINES
        return cls.CSV


_JSON_LINES_TYPES = frozenset(
    {
        "application/jsonl",
        "application/x-ndjson",
        "application/x-jsonlines",
        "application/jsonlines",
    }
)


@dataclass(frozen=True, slots=True)
class PacketRow:
    line: int
    inspection: str
    subject: str
    reading: Reading


@dataclass(frozen=True, slots=True)
class PacketFinding:
    """A broken rule. `line` is the offending row, or None when the reading is absent."""

    line: int | None
    inspection: str
    subject: str
    key: str
    value: ReadingValue | None
    rule: str
    rule_name: str
    severity: Severity
    message: str


def csv_fields(line: str) -> list[str]:
    """The fields of one CSV line, as `csv.reader` reads them (and raising as it does).
    Only a quote, a carriage return or a NUL needs the csv module; other lines are plain
    comma-separated fields, and splitting them is several times faster."""
    if '"' in line or "\r" in line or "\x00" in line:
        [fields] = list(csv.reader([line], strict=True))
        return fields
    return line.split(",")


class PacketReader:
    """Turns a packet's bytes, fed in chunks of any size, into checked rows.

    Raises `ValidationError` naming the first bad line. A quoted CSV value may not hold a
    line break: a row is a line.

    `trusted`: these bytes were read by a checking reader before (at upload), so rows are
    built without checking the packet's rules again (references, grouping, sizes); each
    Reading still holds its own invariants. The worker reads a packet this way.
    """

    def __init__(
        self, packet_format: PacketFormat = PacketFormat.CSV, *, trusted: bool = False
    ) -> None:
        self._csv = packet_format is PacketFormat.CSV
        self._trusted = trusted
        self._partial = b""
        self._line = 0
        self._rows = 0
        self._header_seen = not self._csv  # JSON lines have none
        self._current: str | None = None
        self._current_rows = 0
        # References already closed; bounded by the upload size, and only kept at upload.
        self._finished: dict[str, int] = {}

    @property
    def rows(self) -> int:
        return self._rows

    def feed(self, data: bytes) -> list[PacketRow]:
        # Splitting bytes is safe: a newline byte never occurs inside a UTF-8 sequence.
        *lines, self._partial = (self._partial + data).split(b"\n")
        return self._parse(lines)

    def finish(self) -> list[PacketRow]:
        """The last rows; raises if the packet turns out empty or cut short."""
        tail, self._partial = self._partial, b""
        rows = self._parse([tail] if tail else [])
        if not self._header_seen:
            raise ValidationError("the packet is empty: expected the header " + ",".join(HEADER))
        if self._rows == 0 and self._csv:
            raise ValidationError("the packet has a header but no readings")
        if self._rows == 0:
            raise ValidationError("the packet is empty: expected one JSON object per line")
        return rows

    def _parse(self, lines: list[bytes]) -> list[PacketRow]:
        rows: list[PacketRow] = []
        for raw in lines:
            self._line += 1
            if self._line == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            try:
                line = raw.removesuffix(b"\r").decode()
            except UnicodeDecodeError:
                raise self._bad("not UTF-8 text") from None
            if not line or line.isspace():
                continue
            if not self._csv:
                rows.append(self._json_row(line))
                continue
            try:
                fields = csv_fields(line)
            except (csv.Error, ValueError):
                raise self._bad("not a CSV row (an unclosed quote?)") from None
            if not self._header_seen:
                self._check_header(fields)
                self._header_seen = True
                continue
            rows.append(self._csv_row(fields))
        return rows

    def _check_header(self, fields: list[str]) -> None:
        if tuple(f.strip().lower() for f in fields) != HEADER:
            raise self._bad(f"expected the header {','.join(HEADER)}, got {','.join(fields)[:80]}")

    def _csv_row(self, fields: list[str]) -> PacketRow:
        if len(fields) != len(HEADER):
            raise self._bad(f"expected {len(HEADER)} fields, got {len(fields)}")
        inspection, subject, key, value, unit = [f.strip() for f in fields]
        return self._row(inspection, subject, key, value, unit or None)

    def _json_row(self, line: str) -> PacketRow:
        try:
            record: Any = json.loads(line)
        except RecursionError:  # nesting deep enough to exhaust the parser
            raise self._bad("not a JSON object: nested too deeply") from None
        except ValueError:
            raise self._bad("not a JSON object") from None
        if not isinstance(record, dict):
            raise self._bad("not a JSON object")
        if unexpected := sorted(set(record) - set(HEADER)):
            raise self._bad(
                f"unexpected field {unexpected[0]!r}: the fields are {', '.join(HEADER)}"
            )
        text = {}
        for name in ("inspection", "subject", "key"):
            if not isinstance(record.get(name), str):
                raise self._bad(f"{name} must be a string")
            text[name] = record[name].strip()
        value, unit = record.get("value"), record.get("unit")
        if value is None or isinstance(value, dict | list):
            raise self._bad("value must be a string, a number or true/false")
        if unit is not None and not isinstance(unit, str):
            raise self._bad("unit must be a string or null")
        if isinstance(value, str):
            value = value.strip()  # as in CSV
        unit = unit.strip() if unit else None
        return self._row(text["inspection"], text["subject"], text["key"], value, unit or None)

    def _row(
        self, inspection: str, subject: str, key: str, value: ReadingValue, unit: str | None
    ) -> PacketRow:
        if self._trusted:
            self._rows += 1
            return PacketRow(self._line, inspection, subject, Reading(key, value, unit))
        if not inspection or len(inspection) > MAX_REFERENCE:
            raise self._bad(f"the inspection reference must have 1 to {MAX_REFERENCE} characters")
        if not subject:
            raise self._bad("the subject is empty")
        if why := flaw(inspection):
            raise self._bad(f"the inspection reference {why}")
        if why := flaw(subject):
            raise self._bad(f"the subject {why}")
        try:
            reading = Reading(key=key, value=value, unit=unit)
        except ValidationError as error:
            raise self._bad(error.detail) from None
        self._follow(inspection)
        self._rows += 1
        return PacketRow(self._line, inspection, subject, reading)

    def _follow(self, inspection: str) -> None:
        if inspection == self._current:
            self._current_rows += 1
            if self._current_rows > MAX_READINGS:
                raise self._bad(
                    f"inspection {inspection!r} has more than {MAX_READINGS} readings, "
                    "the most an inspection holds"
                )
            return
        self._current_rows = 1
        if inspection in self._finished:
            raise self._bad(
                f"inspection {inspection!r} already ended at line "
                f"{self._finished[inspection]}: keep an inspection's rows together"
            )
        if self._current is not None:
            self._finished[self._current] = self._line - 1
        self._current = inspection

    def _bad(self, why: str) -> ValidationError:
        return ValidationError(f"line {self._line}: {why}")


def inspections_of(rows: Iterable[PacketRow]) -> Iterator[list[PacketRow]]:
    """Consecutive rows of the same inspection, as one list each."""
    group: list[PacketRow] = []
    for row in rows:
        if group and row.inspection != group[0].inspection:
            yield group
            group = []
        group.append(row)
    if group:
        yield group


def judge(rules: Iterable[Rule], rows: list[PacketRow]) -> list[PacketFinding]:
    """The findings of one inspection's rows, as `evaluate` would find them, each tied to
    its row (or to no row, when the rule's reading is missing)."""
    first = rows[0]
    findings: list[PacketFinding] = []
    for rule in rules:
        if not rule.enabled:
            continue
        matching: list[PacketRow | None] = [row for row in rows if row.reading.key == rule.key]
        for row in matching or [None]:
            value = row.reading.value if row is not None else None
            if rule.check.is_broken_by(value):
                findings.append(
                    PacketFinding(
                        line=row.line if row is not None else None,
                        inspection=first.inspection,
                        subject=first.subject,
                        key=rule.key,
                        value=value,
                        rule=rule.id,
                        rule_name=rule.name,
                        severity=rule.severity,
                        message=f"{rule.key}: {rule.check.explain(value)}",
                    )
                )
    return findings
