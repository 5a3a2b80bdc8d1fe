"""Liveness (`/health`) and readiness (`/healthz`, `/readyz`)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from hexa.bootstrap import HealthCheck
from hexa.drivers.http.dependencies import Services
from hexa.drivers.http.guarded import GuardedRoute

router = APIRouter(tags=["health"], route_class=GuardedRoute)
BUSY = 40

PROBE_TIMEOUT_SECONDS = 2.0


@router.get("/health")
async def health() -> dict[str, str]:
    """The process answers; no dependency is touched."""
    return {"status": "ok"}


async def _probe(check: HealthCheck) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check.probe(), PROBE_TIMEOUT_SECONDS)
    except Exception as error:  # whatever broke, the dependency is down
        outcome: dict[str, Any] = {"status": "down", "error": type(error).__name__}
        detail = getattr(error, "detail", None)
        if detail:
            outcome["detail"] = detail
    else:
        outcome = {"status": "up"}
    if not check.critical:
        outcome["critical"] = False
    outcome["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return outcome


@router.get(
    "/healthz",
    responses={503: {"description": "a dependency is down", "content": {"application/json": {}}}},
)
@router.get("/readyz", include_in_schema=False)
async def readiness(hexa: Services) -> JSONResponse:
    """Each dependency's status and latency: 200 when every critical one is up, 503
    otherwise. The worker is reported but not critical: an app that cannot reach a worker
    still accepts jobs (they wait in the queue), so it should stay in service."""
    results = await asyncio.gather(*(_probe(c) for c in hexa.health_checks))
    checks = {c.name: r for c, r in zip(hexa.health_checks, results, strict=True)}
    up = all(
        r["status"] == "up" for c, r in zip(hexa.health_checks, results, strict=True) if c.critical
    )
    body = {"status": "up" if up else "down", "checks": checks}
    return JSONResponse(body, status_code=200 if up else 503)
