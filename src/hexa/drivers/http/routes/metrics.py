"""`GET /metrics`: the Prometheus text page, public unless METRICS_PUBLIC=false."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from hexa.domain.access import ADMIN
from hexa.drivers.http.auth import require
from hexa.drivers.http.dependencies import Services
from hexa.drivers.http.guarded import GuardedRoute
from hexa.drivers.http.metrics import exposition

router = APIRouter(route_class=GuardedRoute)
BUSY = 80
_admin_only = require(ADMIN)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, hexa: Services) -> Response:
    if not hexa.settings.metrics_public:
        await _admin_only(request)
    page = exposition(
        request.app.state.metrics_registry, await hexa.metrics.read(), hexa.pool_usage()
    )
    return Response(page, media_type=CONTENT_TYPE_LATEST)
