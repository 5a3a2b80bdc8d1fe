"""The example domain: inspections judged by rules, one at a time or by the packet."""

from __future__ import annotations

from hexa.bootstrap.areas import Area, Core
from hexa.domain.validation import VALIDATE_INSPECTION, VALIDATE_PACKET
from hexa.services.inspections import InspectionService
from hexa.services.packets import PacketJudge, PacketService, blobs_of
from hexa.services.rules import RuleService
from hexa.services.validation import InspectionJudge


def wire(core: Core) -> Area:
    settings = core.settings
    packets = PacketJudge(
        core.uow, core.blobs, core.progress, progress_every=settings.packet_progress_every
    )
    return Area(
        services=(
            RuleService(core.uow, core.clock),
            InspectionService(core.uow, core.clock, core.dispatcher),
            PacketService(core.uow, core.clock, core.blobs, core.dispatcher),
        ),
        jobs={
            VALIDATE_INSPECTION: InspectionJudge(core.uow, core.clock).run,
            VALIDATE_PACKET: packets.run,
        },
        blobs_of=blobs_of,
    )
