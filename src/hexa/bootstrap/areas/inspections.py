"""The example domain: inspections judged by rules, one at a time or by the packet."""

from __future__ import annotations

from datetime import timedelta

from hexa.bootstrap.areas import Area, Core
from hexa.domain.validation import VALIDATE_INSPECTION, VALIDATE_PACKET
from hexa.services.attachments import AttachmentService
from hexa.services.inspection_stats import InspectionCounts, InspectionStats
from hexa.services.inspections import InspectionService
from hexa.services.jobs import InUnit
from hexa.services.packets import PacketJudge, PacketService, blobs_of, report_of
from hexa.services.rules import RuleService
from hexa.services.validation import InspectionJudge


def wire(core: Core) -> Area:
    settings = core.settings
    rule_changes = core.counters("rules")
    counts = InspectionCounts(core.stats)
    packets = PacketJudge(
        core.uow,
        core.blobs,
        core.progress,
        progress_every=settings.packet_progress_every,
        clock=core.clock,
        counts=counts,
    )
    judge = InspectionJudge(core.clock, rule_changes, counts=counts)
    attachments = AttachmentService(
        core.uow,
        core.clock,
        core.blobs,
        max_bytes=settings.attachment_max_bytes,
        per_inspection=settings.attachments_per_inspection,
        link_ttl=timedelta(seconds=settings.s3_presign_ttl),
    )
    return Area(
        services=(
            RuleService(core.uow, core.clock, rule_changes),
            InspectionService(core.uow, core.clock, core.dispatcher, core.blobs, counts=counts),
            InspectionStats(core.uow, core.stats),
            attachments,
            PacketService(core.uow, core.clock, core.blobs, core.dispatcher),
        ),
        jobs={
            VALIDATE_INSPECTION: InUnit(judge.judge, judge.committed),
            VALIDATE_PACKET: packets.run,
        },
        blobs_of=blobs_of,
        chores=(attachments.purge_abandoned,),
        report_of=report_of,
    )
