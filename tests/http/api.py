"""Request bodies and the few calls most HTTP tests start from."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from hexa.adapters.memory.jobs import InProcessJobQueue
from hexa.bootstrap import Hexa

RULES = "/api/v1/rules"
INSPECTIONS = "/api/v1/inspections"
JOBS = "/api/v1/jobs"


def rule_body(name: str = "temp ceiling", **fields: Any) -> dict[str, Any]:
    return {"name": name, "key": "temp", "kind": "max", "params": {"max": 80}} | fields


def inspection_body(**fields: Any) -> dict[str, Any]:
    readings = [{"key": "temp", "value": 71.5, "unit": "C"}, {"key": "seal", "value": "intact"}]
    return {"subject": "boiler 7", "readings": readings} | fields


async def create_rule(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post(RULES, json=rule_body(**fields))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def create_inspection(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post(INSPECTIONS, json=inspection_body(**fields))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


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
