"""Packets: accepting an upload of many inspections, judging it in one streamed pass,
and reading back its report.

Neither the upload nor the judging holds the file: bytes go to the blob store as they
arrive (checked on the way, so a malformed packet is refused before it is accepted), and
the worker reads them back chunk by chunk, one inspection at a time, writing the findings
to a report blob as it goes. Memory stays flat whatever the packet's size.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any

from hexa.domain.identity import new_id
from hexa.domain.jobs import Job, JobProgress, JobStatus
from hexa.domain.packets import PacketFinding, PacketFormat, PacketReader, PacketRow, judge
from hexa.domain.rules import Severity
from hexa.domain.validation import VALIDATE_INSPECTION, VALIDATE_PACKET
from hexa.ports.blobs import BlobStore
from hexa.ports.clock import Clock
from hexa.ports.inspections import InspectionsUnitOfWorkFactory
from hexa.ports.jobs import ProgressStore
from hexa.services.audit import record as audit
from hexa.services.dispatch import JobDispatcher
from hexa.services.inspection_stats import InspectionCounts
from hexa.services.job_traces import add_traced, progressed

REPORT_FIELDS = (
    "line", "inspection", "subject", "key", "value", "rule", "rule_name", "severity", "message",
)  # fmt: skip


def packet_blob(job_id: str, packet_format: PacketFormat = PacketFormat.CSV) -> str:
    return f"packet-{job_id}.{packet_format.value}"


def report_blob(job_id: str) -> str:
    return f"report-{job_id}.jsonl"


def blobs_of(job: Job) -> tuple[str, ...]:
    """The blobs a job owns, which go when its record does: its report, and its packet
    unless that is another job's (a retry reads the packet of the job it retries)."""
    if job.kind != VALIDATE_PACKET:
        return ()
    packet = job.payload.get("blob") or packet_blob(job.id)
    return (packet, report_blob(job.id)) if job.id in packet else (report_blob(job.id),)


def report_of(job: JobProgress) -> str | None:
    """The blob of a finished packet job's report (what `report_url` links to)."""
    if job.kind == VALIDATE_PACKET and job.status is JobStatus.DONE:
        return report_blob(job.id)
    return None


class PacketService:
    def __init__(
        self,
        uow: InspectionsUnitOfWorkFactory,
        clock: Clock,
        blobs: BlobStore,
        dispatcher: JobDispatcher,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._blobs = blobs
        self._dispatcher = dispatcher

    async def accept(
        self,
        chunks: AsyncIterable[bytes],
        *,
        packet_format: PacketFormat = PacketFormat.CSV,
        filename: str = "",
        actor: str = "system",
        request_id: str | None = None,
    ) -> JobProgress:
        """Stores the packet and accepts its validation job, which keeps `request_id` (the
        accepting request's) for its logs. Raises `ValidationError` naming the first bad
        line; then nothing is kept."""
        job_id = new_id()
        reader = PacketReader(packet_format)
        blob = packet_blob(job_id, packet_format)

        async def checked() -> AsyncIterator[bytes]:
            async for chunk in chunks:
                reader.feed(chunk)
                yield chunk
            reader.finish()

        size = await self._blobs.put(blob, checked())
        payload = {"blob": blob, "bytes": size, "format": packet_format.value}
        job = Job(job_id, VALIDATE_PACKET, payload, request_id=request_id)
        entry = self._dispatcher.accepted(job, total=reader.rows, started_by=actor)
        try:
            async with self._uow() as uow:
                entry = await add_traced(uow.outbox, entry)
                await audit(
                    uow, self._clock, actor, "job.accepted", job_id,
                    kind=job.kind, rows=reader.rows, bytes=size, filename=filename[:200],
                    format=packet_format.value,
                )  # fmt: skip
                await uow.commit()
        except BaseException:
            await self._blobs.delete(blob)
            raise
        await self._dispatcher.hand_over(entry)
        return entry.queued()

    async def report(self, job: JobProgress) -> AsyncGenerator[dict[str, Any], None]:
        """The findings of a finished job, one dict per finding (`REPORT_FIELDS`)."""
        if job.kind == VALIDATE_INSPECTION:
            for finding in job.result.get("findings", []):
                yield {name: finding.get(name) for name in REPORT_FIELDS} | {
                    "inspection": job.result.get("inspection_id"),
                    # Results recorded before findings named their rule `rule`.
                    "rule": finding.get("rule", finding.get("rule_id")),
                }
            return
        pending = ""
        async for chunk in self._blobs.read(report_blob(job.id)):
            *lines, pending = (pending + chunk.decode()).split("\n")
            for line in lines:
                if line:
                    yield json.loads(line)


@dataclass(frozen=True, slots=True)
class FindingFilter:
    """Which findings of a report to keep: each given field must match exactly."""

    rule: str | None = None
    severity: str | None = None
    inspection: str | None = None

    def keeps(self, finding: dict[str, Any]) -> bool:
        return (
            (self.rule is None or finding.get("rule") == self.rule)
            and (self.severity is None or finding.get("severity") == self.severity)
            and (self.inspection is None or finding.get("inspection") == self.inspection)
        )


async def findings_page(
    findings: AsyncIterator[dict[str, Any]],
    *,
    keep: FindingFilter,
    after: int | None,
    limit: int,
) -> tuple[list[tuple[int, dict[str, Any]]], int | None]:
    """One page of a report's findings that `keep` keeps, each with its position in the
    report (0 for the first), from after position `after`; and the position to continue
    after, when more may follow. The report is read as a stream, never whole: a page
    costs the reading of the report up to its last finding."""
    found: list[tuple[int, dict[str, Any]]] = []
    position = -1
    async for finding in findings:
        position += 1
        if (after is not None and position <= after) or not keep.keeps(finding):
            continue
        if len(found) == limit:
            return found, found[-1][0]
        found.append((position, finding))
    return found, None


class PacketJudge:
    """Runs one packet job: reads the stored packet, judges each inspection by the enabled
    rules, writes the report, and saves progress every `progress_every` rows."""

    def __init__(
        self,
        uow: InspectionsUnitOfWorkFactory,
        blobs: BlobStore,
        progress: ProgressStore,
        *,
        progress_every: int = 1000,
        clock: Clock | None = None,
        counts: InspectionCounts | None = None,
    ) -> None:
        """`counts`, with the `clock`: where the findings are counted, by rule and
        severity, once the report is written."""
        self._uow = uow
        self._blobs = blobs
        self._progress = progress
        self._every = progress_every
        self._clock = clock
        self._counts = counts

    async def run(self, job: Job, progress: JobProgress) -> dict[str, Any]:
        async with self._uow(read_only=True) as uow:
            rules = await uow.rules.enabled()
        tally = {"rows": 0, "inspections": 0, "failed_inspections": 0, "errors": 0, "warnings": 0}
        by_rule: Counter[tuple[str, str]] = Counter()

        def record(rows: list[PacketRow]) -> bytes:
            findings = judge(rules, rows)
            by_rule.update((f.rule, f.severity.value) for f in findings)
            tally["inspections"] += 1
            errors = sum(f.severity is Severity.ERROR for f in findings)
            tally["errors"] += errors
            tally["warnings"] += len(findings) - errors
            tally["failed_inspections"] += errors > 0
            return b"".join(_line(f) for f in findings)

        packet_format = PacketFormat(job.payload.get("format", PacketFormat.CSV))
        reader = PacketReader(packet_format, trusted=True)  # checked at upload
        group: list[PacketRow] = []

        def take(rows: list[PacketRow]) -> bytes:
            """Judges every inspection these rows close; keeps the last one open."""
            nonlocal group
            out = []
            for row in rows:
                if group and row.inspection != group[0].inspection:
                    out.append(record(group))
                    group = []
                group.append(row)
            return b"".join(out)

        async def report() -> AsyncIterator[bytes]:
            reported = 0
            async for chunk in self._blobs.read(job.payload["blob"]):
                _honour_cancel()
                yield take(reader.feed(chunk))
                if reader.rows - reported >= self._every:
                    reported = reader.rows
                    await self._progress.save(progress.advanced(processed=reported))
                    progressed(reported, progress.total)
            yield take(reader.finish())
            if group:
                yield record(group)

        await self._blobs.put(report_blob(job.id), report())
        if self._counts is not None and self._clock is not None:
            self._counts.found(by_rule, self._clock.now())
        tally["rows"] = reader.rows
        failed = tally["failed_inspections"] > 0
        return tally | {"verdict": "failed" if failed else "passed"}


def _honour_cancel() -> None:
    """Raises the cancel this task was asked for but never given. Python 3.11's
    `asyncio.wait_for`, which redis-py uses to send each command with a timeout, returns
    the command's result instead of raising when a cancel lands as the command completes
    (fixed in 3.12): the cancel stays requested but is never delivered, and a packet ran
    to its end through a shutdown or a lost lease. Checked once per chunk read."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def _line(finding: PacketFinding) -> bytes:
    return (
        json.dumps(
            {name: getattr(finding, name) for name in REPORT_FIELDS}
            | {"severity": finding.severity.value},
            separators=(",", ":"),
        ).encode()
        + b"\n"
    )
