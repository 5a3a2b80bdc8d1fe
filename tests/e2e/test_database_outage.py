"""PostgreSQL goes away under load and comes back: a real `hexa serve` over a cluster of
the test's own, driven by a bounded stream of concurrent authenticated reads and writes.

While the database is away every answer is a 503 problem with `Retry-After`, given within
REQUEST_BOUND seconds (never a 500, never a hang); `/healthz` says 503 and `/health` 200.
Once it is back the same process serves again by itself within RECOVERY_BOUND seconds,
its pooled connections to the old server dropped, not failing request after request.
"""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.cli.test_cli import HEXA, _environment, _free_port, _wait_until_live, hexa
from tests.e2e.own_postgres import OwnPostgres, own_postgres_or_skip

SECRET = "o" * 40
REQUEST_BOUND = 5.0  # seconds any answer may take, database up, down or hung
RECOVERY_BOUND = 10.0  # seconds from the database accepting again to every answer 2xx
OUTAGE_SECONDS = REQUEST_BOUND + 1  # longer than any answer may take: a hang shows
WORKERS = 8
INSPECTIONS = "/api/v1/inspections"
# Every wait on the database ends within a second, so that answers stay well inside
# REQUEST_BOUND even from a hung server (twice the command timeout plus a connect, at most).
DATABASE_SETTINGS = {"DB_CONNECT_TIMEOUT": "1", "DB_COMMAND_TIMEOUT": "1", "DB_POOL_TIMEOUT": "1"}


@dataclass(frozen=True)
class Served:
    base: str
    database: OwnPostgres
    headers: tuple[dict[str, str], ...]  # an operator's JWT, a machine's API key


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`hexa serve` (jobs in-process, no Redis) over a PostgreSQL only this module uses."""
    database = own_postgres_or_skip()
    directory = tmp_path_factory.mktemp("outage")
    port = _free_port()
    env = {"DATABASE_URL": database.url, "ENV": "test", "JWT_SECRET": SECRET,
           "API_KEY_PEPPER": SECRET, "QUEUE_BACKEND": "inprocess",
           "BLOB_DIR": str(directory / "blobs"), **DATABASE_SETTINGS}  # fmt: skip
    log = directory / "serve.log"
    server: subprocess.Popen[bytes] | None = None
    try:
        database.create()
        migrated = hexa("migrate", cwd=directory, **env)
        assert migrated.returncode == 0, migrated.stderr
        token = hexa("token", "ops", "--role", "admin", cwd=directory, **env)
        assert token.returncode == 0, token.stderr
        operator = {"Authorization": f"Bearer {token.stdout.strip()}"}
        with log.open("w+") as output:
            server = subprocess.Popen(
                [*HEXA, "serve", "--port", str(port)], cwd=directory,
                env=_environment(**env), stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
            base = f"http://127.0.0.1:{port}"
            _wait_until_live(server, base, output)
        key = httpx.post(
            f"{base}/api/admin/api-keys",
            headers=operator,
            json={"name": "line 3", "scopes": ["inspections:read", "inspections:write"]},
            timeout=10,
        )
        assert key.status_code == 201, key.text
        yield Served(base, database, (operator, {"X-API-Key": key.json()["token"]}))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=5)
            print(log.read_text()[-6000:])
        print(database.log())
        database.remove()


@dataclass(frozen=True)
class Answer:
    operation: str
    started: float
    ended: float
    status: int  # 0: no answer at all (a timeout, a dropped connection)
    problem: bool = False
    retry_after: str | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        # A 412 is a fine answer to a PATCH whose version a lost reply left stale.
        return 200 <= self.status < 300 or (self.operation == "patch" and self.status == 412)


class Load:
    """WORKERS clients, each reading and writing its own inspection in a loop, with a
    pause between requests so that the stream stays bounded."""

    def __init__(self, served: Served) -> None:
        self._served = served
        self.answers: list[Answer] = []
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Load:
        for n in range(WORKERS):
            headers = self._served.headers[n % len(self._served.headers)]
            self._tasks.append(asyncio.create_task(self._client(n, headers)))
        return self

    async def __aexit__(self, *_: object) -> None:
        self._stopping.set()
        await asyncio.gather(*self._tasks)

    async def _client(self, n: int, headers: dict[str, str]) -> None:
        async with httpx.AsyncClient(
            base_url=self._served.base, headers=headers, timeout=REQUEST_BOUND * 2
        ) as http:
            created = await http.post(INSPECTIONS, json={"subject": f"pump {n}"})
            assert created.status_code == 201, created.text
            mine, version = created.json()["id"], 1
            for operation in itertools.cycle(("list", "create", "read", "patch")):
                if self._stopping.is_set():
                    return
                answer, body = await self._call(http, operation, mine, version)
                if operation in ("read", "patch") and answer.status == 200:
                    version = body["version"]
                elif answer.status == 412:  # learn the version at the next read
                    version = -1
                await asyncio.sleep(0.05)

    async def _call(
        self, http: httpx.AsyncClient, operation: str, mine: str, version: int
    ) -> tuple[Answer, dict[str, object]]:
        started = time.monotonic()
        try:
            if operation == "list":
                response = await http.get(INSPECTIONS, params={"limit": 5})
            elif operation == "create":
                response = await http.post(INSPECTIONS, json={"subject": "valve"})
            elif operation == "read":
                response = await http.get(f"{INSPECTIONS}/{mine}")
            else:
                response = await http.patch(
                    f"{INSPECTIONS}/{mine}",
                    json={"notes": f"at {started:.3f}"},
                    headers={"If-Match": f'"{max(version, 1)}"'},
                )
        except httpx.HTTPError as error:
            answer = Answer(operation, started, time.monotonic(), 0, error=repr(error))
            self.answers.append(answer)
            return answer, {}
        answer = Answer(
            operation,
            started,
            time.monotonic(),
            response.status_code,
            problem=response.headers.get("content-type") == "application/problem+json",
            retry_after=response.headers.get("retry-after"),
            error=response.text[:200] if response.status_code >= 500 else "",
        )
        self.answers.append(answer)
        body = response.json() if response.headers.get("content-type") == "application/json" else {}
        return answer, body

    def between(self, start: float, end: float) -> list[Answer]:
        """The answers to requests made and answered within [start, end]."""
        return [a for a in self.answers if a.started >= start and a.ended <= end]


async def _probe(base: str, path: str) -> int:
    async with httpx.AsyncClient(base_url=base, timeout=REQUEST_BOUND * 2) as http:
        return (await http.get(path)).status_code


def _summary(answers: list[Answer]) -> str:
    tally: dict[tuple[str, int], int] = {}
    for answer in answers:
        tally[answer.operation, answer.status] = tally.get((answer.operation, answer.status), 0) + 1
    odd = next((a.error for a in answers if a.error), "")
    return f"{sorted(tally.items())} {odd}"


OUTAGES: dict[str, tuple[Callable[[OwnPostgres], None], Callable[[OwnPostgres], None]]] = {
    "stopped-fast": (lambda pg: pg.stop("fast"), OwnPostgres.start),
    "stopped-immediate": (lambda pg: pg.stop("immediate"), OwnPostgres.start),
    "hung": (OwnPostgres.freeze, OwnPostgres.thaw),
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("outage", list(OUTAGES))
async def test_a_database_outage_answers_503_and_service_resumes_by_itself(
    served: Served, outage: str
) -> None:
    go_down, come_back = OUTAGES[outage]
    async with Load(served) as load:
        await asyncio.sleep(1.0)
        warm = time.monotonic()
        await asyncio.to_thread(go_down, served.database)
        down = time.monotonic()
        health, readiness = [], []
        while time.monotonic() < down + OUTAGE_SECONDS:
            health.append(await _probe(served.base, "/health"))
            readiness.append(await _probe(served.base, "/healthz"))
            await asyncio.sleep(0.3)
        coming_back = time.monotonic()
        await asyncio.to_thread(come_back, served.database)
        back = time.monotonic()
        recovered = await _recovered(load, back)
    answers = load.answers
    everything = _summary(answers)

    assert all(a.status != 0 for a in answers), f"no answer within the bound: {everything}"
    slowest = max(a.ended - a.started for a in answers)
    assert slowest < REQUEST_BOUND, f"an answer took {slowest:.1f} s: {everything}"
    assert all(a.ok or a.status == 503 for a in answers), everything
    assert all(a.problem and a.retry_after for a in answers if a.status == 503), everything
    assert all(a.ok for a in load.between(0, warm)), everything
    during = load.between(down, coming_back)
    assert len(during) > WORKERS, everything
    assert all(a.status == 503 for a in during), _summary(during)
    assert set(health) == {200}
    assert set(readiness) == {503}
    assert recovered is not None, f"still failing {RECOVERY_BOUND} s after: {everything}"
    assert recovered - back < RECOVERY_BOUND, everything
    assert await _probe(served.base, "/healthz") == 200
    # More at once than the pool holds: no connection from before the outage is left.
    burst = await asyncio.gather(*(_list(served, headers) for headers in served.headers * 20))
    assert set(burst) == {200}, burst


async def _list(served: Served, headers: dict[str, str]) -> int:
    async with httpx.AsyncClient(base_url=served.base, headers=headers, timeout=10) as http:
        return (await http.get(INSPECTIONS, params={"limit": 5})).status_code


async def _recovered(load: Load, back: float) -> float | None:
    """When answers turned good for good: the end of the last bad one after `back` (or
    `back` itself), provided good answers follow it; None if the bad ones never stop."""
    deadline = back + RECOVERY_BOUND
    while time.monotonic() < deadline:
        after = [a for a in load.answers if a.started >= back]
        bad = [a for a in after if not a.ok]
        last_bad = max((a.ended for a in bad), default=back)
        good_since = [a for a in after if a.started > last_bad]
        if len(good_since) >= 2 * WORKERS and all(a.ok for a in good_since):
            return last_bad
        await asyncio.sleep(0.2)
    return None
