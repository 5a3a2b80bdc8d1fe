"""`WS /ws/jobs/{id}` through the ASGI app: who may follow a job, and what they hear."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from opentelemetry.trace import SpanKind
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from hexa.adapters.memory.jobs import MemoryProgressFeed, MemoryProgressStore
from hexa.adapters.security.passwords import Argon2PasswordHasher
from hexa.bootstrap import Hexa, build
from hexa.config import Settings
from hexa.domain.access import Role, Scope, role_scopes
from hexa.domain.jobs import Job, JobProgress
from hexa.drivers.http.app import create_app
from tests.builders import BATCH_JOB, T0
from tests.tracing import Spans

JOB = Job("job-1", BATCH_JOB, {"blob": "packet-job-1.csv"})


class DeafProgressStore(MemoryProgressStore):
    """Progress whose watchers hear nothing: every save is missed, as a dropped pub/sub
    message would be."""

    @asynccontextmanager
    async def watch(self, job_id: str) -> AsyncIterator[MemoryProgressFeed]:
        yield MemoryProgressFeed()


@pytest.fixture
def deaf() -> DeafProgressStore:
    return DeafProgressStore()


@pytest.fixture
async def live(settings: Settings, deaf: DeafProgressStore) -> AsyncIterator[Hexa]:
    quick = settings.model_copy(update={"ws_heartbeat_seconds": 0.05})
    hasher = Argon2PasswordHasher.fast_for_tests()
    async with build(quick, progress=deaf, hasher=hasher) as built:
        yield built


@pytest.fixture
def client(live: Hexa) -> Iterator[TestClient]:
    with TestClient(create_app(hexa=live), base_url="http://testserver") as http:
        yield http


def token(hexa: Hexa, *scopes: Scope) -> str:
    return hexa.tokens.issue("ops", frozenset(scopes) or role_scopes(Role.ADMIN), kind="service")


def closed_with(client: TestClient, path: str, **options: Any) -> int:
    with client.websocket_connect(path, **options) as ws, pytest.raises(WebSocketDisconnect) as end:
        ws.receive_json()
    return end.value.code


def running(processed: int = 10) -> JobProgress:
    return JobProgress.queued(JOB, total=100, now=T0).started(now=T0).advanced(processed=processed)


def _until(ws: Any, last: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    frames = [ws.receive_json()]
    while not last(frames[-1]):
        assert len(frames) < 100, f"still waiting after {frames[-3:]}"
        frames.append(ws.receive_json())
    return frames


async def test_a_finished_job_sends_its_snapshot_then_closes_1000(
    client: TestClient, live: Hexa, deaf: DeafProgressStore
) -> None:
    await deaf.save(running().done(result={"verdict": "passed"}, now=T0))
    with client.websocket_connect(f"/ws/jobs/{JOB.id}?token={token(live)}") as ws:
        snapshot = ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as end:
            ws.receive_json()
    assert (snapshot["type"], snapshot["job"]["status"], snapshot["sequence"]) == (
        "snapshot", "done", 1
    )  # fmt: skip
    assert end.value.code == 1000


async def test_a_missed_save_is_caught_up_when_the_feed_goes_quiet(
    client: TestClient, live: Hexa, deaf: DeafProgressStore
) -> None:
    await deaf.save(running(processed=10))
    protocols = ["bearer", token(live)]
    with client.websocket_connect(f"/ws/jobs/{JOB.id}", subprotocols=protocols) as ws:
        assert ws.accepted_subprotocol == "bearer"
        assert ws.receive_json()["job"]["processed"] == 10
        assert ws.receive_json() == {"type": "heartbeat", "sequence": 1}
        await deaf.save(running(processed=60))  # nobody is told
        frames = _until(ws, lambda f: f["type"] == "update")
        await deaf.save(running().done(result={}, now=T0))
        frames += _until(ws, lambda f: f["type"] == "update")
        with pytest.raises(WebSocketDisconnect) as end:
            ws.receive_json()
    updates = [f for f in frames if f["type"] == "update"]
    assert [(f["sequence"], f["job"]["processed"]) for f in updates] == [(2, 60), (3, 100)]
    assert end.value.code == 1000


def test_no_credentials_are_closed_4401(client: TestClient) -> None:
    assert closed_with(client, f"/ws/jobs/{JOB.id}") == 4401


def test_a_bad_token_is_closed_4401(client: TestClient) -> None:
    assert closed_with(client, f"/ws/jobs/{JOB.id}?token=not-a-token") == 4401


def test_a_caller_without_jobs_read_is_closed_4403(client: TestClient, live: Hexa) -> None:
    narrow = live.tokens.issue("ops", frozenset(), kind="service")  # signed in, no scope
    assert closed_with(client, f"/ws/jobs/{JOB.id}?token={narrow}") == 4403


def test_an_unknown_job_is_closed_4404(client: TestClient, live: Hexa) -> None:
    assert closed_with(client, f"/ws/jobs/nope?token={token(live)}") == 4404


@pytest.mark.parametrize(
    ("origin", "code"),
    [("http://testserver", 1000), ("https://evil.example", 4401), (None, 4401)],
    ids=["same-origin", "cross-site", "no-origin"],
)
async def test_a_session_cookie_counts_only_from_the_apps_own_origin(
    client: TestClient, live: Hexa, deaf: DeafProgressStore, origin: str | None, code: int
) -> None:
    await deaf.save(running().failed(error="boom", now=T0))
    client.cookies.set("hexa_access", token(live))
    headers = {} if origin is None else {"origin": origin}
    with client.websocket_connect(f"/ws/jobs/{JOB.id}", headers=headers) as ws:
        first = ws.receive_json() if code == 1000 else None
        with pytest.raises(WebSocketDisconnect) as end:
            ws.receive_json()
    assert end.value.code == code
    assert first is None or first["job"]["status"] == "failed"


async def test_a_websocket_is_one_span_for_its_whole_connection(
    live: Hexa, deaf: DeafProgressStore, spans: Spans
) -> None:
    await deaf.save(running().done(result={"verdict": "passed"}, now=T0))
    secret = token(live)
    traced = create_app(hexa=live, tracer=spans.provider.get_tracer("hexa.http"))
    with (
        TestClient(traced, base_url="http://testserver") as http,
        http.websocket_connect(f"/ws/jobs/{JOB.id}?token={secret}") as ws,
    ):
        assert ws.receive_json()["type"] == "snapshot"
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()
    [span] = spans.finished()
    assert (span.name, span.kind) == ("GET /ws/jobs/{job_id}", SpanKind.SERVER)
    attributes = dict(span.attributes or {})
    assert (attributes["http.route"], attributes["hexa.websocket.close"]) == (
        "/ws/jobs/{job_id}",
        1000,
    )
    assert attributes["hexa.principal.kind"] == "service"
    assert secret not in str(attributes)  # the query string is never recorded
