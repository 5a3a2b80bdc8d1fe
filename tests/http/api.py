"""Request bodies and the few calls most HTTP tests start from."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from hexa.adapters.memory.jobs import InProcessJobQueue
from hexa.bootstrap import Hexa

JOBS = "/api/v1/jobs"
USERS = "/api/admin/users"
KEYS = "/api/admin/api-keys"


async def finished_job(client: httpx.AsyncClient, hexa: Hexa, job_id: str) -> dict[str, Any]:
    """The job once the in-process queue has run everything it accepted."""
    assert isinstance(hexa.queue, InProcessJobQueue)
    await asyncio.wait_for(hexa.queue.drain(), timeout=5)
    response = await client.get(f"{JOBS}/{job_id}")
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The answer is an RFC 9457 problem with `status`; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    return body
