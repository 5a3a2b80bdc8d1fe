"""`WS /ws/jobs/{id}`: a job's progress as it happens.

Frames are JSON: a `snapshot` first, then an `update` for each saved progress, with a
rising `sequence`, and a `heartbeat` when nothing happened for a while. After the job's
terminal state the server closes with 1000. Credentials: `Sec-WebSocket-Protocol: bearer,
<token>` (browsers cannot set headers on a WebSocket), `?token=`, `X-API-Key` or
`Authorization` (other clients), or the session cookie from a page of the same origin.
Refusals close with 4401 (no or bad credentials), 4403 (no `jobs:read`), 4404 (no such
job), after the handshake, so that browsers can read the reason.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from hexa.bootstrap import Hexa
from hexa.domain.access import JOBS_READ, Principal
from hexa.domain.api_keys import looks_like_api_key
from hexa.domain.errors import DomainError, NotFound, Unauthenticated, Unavailable
from hexa.domain.jobs import JobProgress
from hexa.drivers.http.auth import ACCESS_COOKIE
from hexa.drivers.http.schemas import JobOut

router = APIRouter(tags=["jobs"])
BUSY = 90

UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, UNAVAILABLE = 4401, 4403, 4404, 1011


@router.websocket("/ws/jobs/{job_id}")
async def follow_job(websocket: WebSocket, job_id: str) -> None:
    hexa: Hexa = websocket.app.state.hexa
    token, subprotocol = _credentials(websocket)
    await websocket.accept(subprotocol=subprotocol)
    try:
        principal = await _principal(hexa, token)
    except Unauthenticated as error:
        await websocket.close(UNAUTHENTICATED, error.detail[:120])
        return
    except Unavailable as error:  # a store needed to check the credentials is down
        await websocket.close(UNAVAILABLE, error.detail[:120])
        return
    websocket.state.principal = principal  # for the access event (`RequestLog`)
    if not principal.may(JOBS_READ):
        await websocket.close(FORBIDDEN, f"this needs the {JOBS_READ} scope")
        return
    try:
        await _follow(websocket, hexa, job_id)
    except NotFound as error:
        await websocket.close(NOT_FOUND, error.detail[:120])
    except Unavailable as error:
        await websocket.close(UNAVAILABLE, error.detail[:120])
    except WebSocketDisconnect:
        pass  # the client left: nothing to tidy beyond the watch, closed on the way out


async def _follow(websocket: WebSocket, hexa: Hexa, job_id: str) -> None:
    heartbeat = hexa.settings.ws_heartbeat_seconds
    async with hexa.progress.watch(job_id) as feed:
        # Watching before reading the snapshot: no save falls between the two.
        job = await hexa.jobs.job(job_id)
        await websocket.send_json(_frame("snapshot", job))
        last = job.sequence
        while not job.status.is_terminal:
            update = await feed.next(heartbeat)
            if update is None:
                # Quiet, or a save was missed (a feed may skip under load): ask the store.
                update = await hexa.jobs.job(job_id)
                if update.sequence <= last and not update.status.is_terminal:
                    await websocket.send_json({"type": "heartbeat", "sequence": last})
                    continue
                if update.sequence <= last:  # an end known only to the job's durable record
                    update = dataclasses.replace(update, sequence=last + 1)
            if update.sequence <= last:
                continue
            job, last = update, update.sequence
            await websocket.send_json(_frame("update", job))
    await websocket.close(1000)


def _frame(kind: str, job: JobProgress) -> dict[str, Any]:
    return {"type": kind, "sequence": job.sequence, "job": JobOut.of(job).model_dump(mode="json")}


def _credentials(websocket: WebSocket) -> tuple[str | None, str | None]:
    """The token presented, and the subprotocol to answer with (the one it came in)."""
    offered = [p.strip() for p in websocket.headers.get("sec-websocket-protocol", "").split(",")]
    if len(offered) >= 2 and offered[0].lower() == "bearer" and offered[1]:
        return offered[1], offered[0]
    for name in ("token", "access_token"):
        if websocket.query_params.get(name):
            return websocket.query_params[name], None
    if api_key := websocket.headers.get("x-api-key"):
        return api_key.strip(), None
    scheme, _, token = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip(), None
    cookie = websocket.cookies.get(ACCESS_COOKIE)
    if cookie and _same_origin(websocket):
        # Browsers send cookies on cross-site WebSocket handshakes: only our own pages count.
        return cookie, None
    return None, None


def _same_origin(websocket: WebSocket) -> bool:
    origin = websocket.headers.get("origin")
    host = websocket.headers.get("host")
    return origin is not None and urlsplit(origin).netloc == host


async def _principal(hexa: Hexa, token: str | None) -> Principal:
    if not token:
        raise Unauthenticated("credentials required: Sec-WebSocket-Protocol: bearer, <token>")
    try:
        if looks_like_api_key(token):
            return await hexa.api_keys.authenticate(token)
        return await hexa.auth.principal(token)
    except (Unauthenticated, Unavailable):
        raise
    except DomainError as error:
        raise Unauthenticated(error.detail) from None
