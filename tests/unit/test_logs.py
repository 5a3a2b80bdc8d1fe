"""The access line reads structlog's bound fields its own faster way: it must read what
structlog itself would, whatever was bound, rebound, unbound or reset."""

from __future__ import annotations

import asyncio
import contextvars

import structlog

from hexa.drivers.logs import bound_fields

bind = structlog.contextvars.bind_contextvars


def _same() -> None:
    assert bound_fields() == structlog.contextvars.get_contextvars()


async def test_bound_fields_are_structlogs_own_answer() -> None:
    unrelated = contextvars.ContextVar("unrelated")
    unrelated.set("not a log field")
    _same()
    tokens = bind(request_id="r1", job_id="j1")
    _same()
    assert bound_fields() == {"request_id": "r1", "job_id": "j1"}
    bind(job_id="j2")
    structlog.contextvars.unbind_contextvars("request_id")
    _same()
    assert bound_fields() == {"job_id": "j2"}

    async def elsewhere() -> dict[str, object]:
        bind(task="t")
        _same()
        return bound_fields()

    assert await asyncio.create_task(elsewhere()) == {"job_id": "j2", "task": "t"}
    with structlog.contextvars.bound_contextvars(job_id="j3", attempt=2):
        _same()
        assert bound_fields() == {"job_id": "j3", "attempt": 2}
    assert bound_fields() == {"job_id": "j2"}
    assert "task" not in bound_fields()  # a task's context is its own copy
    structlog.contextvars.reset_contextvars(**tokens)
    _same()
    structlog.contextvars.clear_contextvars()
    assert bound_fields() == {}
