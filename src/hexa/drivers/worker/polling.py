"""arq's worker, polling without idle slots under a backlog.

arq reads the queue only while a slot is free: a poll that finds every slot taken reads
nothing and sleeps a whole `poll_delay` (50 ms), and slots that free up meanwhile stay
idle until it wakes. Under a backlog that happens after every `queue_read_limit` (100)
jobs started. This worker waits for a slot to free instead, then polls at once; an idle
worker still polls every `poll_delay`. (On the bench's 2 cores, where a validation job
takes ~3 ms of CPU, it bought a few per cent; it matters more where jobs wait on a
remote database and the worker is not CPU-bound.)
"""

from __future__ import annotations

from arq.worker import Worker


class BacklogWorker(Worker):
    async def _poll_iteration(self) -> None:
        async with self.sem:  # a slot is free: what this poll reads can start now
            pass
        await super()._poll_iteration()
