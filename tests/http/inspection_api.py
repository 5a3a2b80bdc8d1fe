"""The example domain's paths, bodies and the calls its tests start from."""

from __future__ import annotations

from typing import Any

import httpx

RULES = "/api/v1/rules"


INSPECTIONS = "/api/v1/inspections"


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
