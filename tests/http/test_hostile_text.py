"""The hostile-text table: each kind of nasty input, in every text field of every write
route (and in path and query values), over memory, SQLite and PostgreSQL.

The answer is a 2xx whose resource reads back exactly what was sent, or a 4xx problem
naming what is wrong — never a 5xx. After the table, every list still reads.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import pytest_asyncio
from fastapi.routing import APIRoute

from hexa.adapters.memory.jobs import InProcessJobQueue
from hexa.bootstrap import Hexa
from hexa.drivers.http.app import create_app
from tests.http.api import JOBS, assert_problem
from tests.http.backends import BACKENDS, served
from tests.http.inspection_api import INSPECTIONS, RULES

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Raw JSON fragments: what a hostile client can spell, including what Python's json
# module would never write (a lone surrogate escape, a number that overflows a double).
NASTY: dict[str, str] = {
    "lone-high-surrogate": '"x\\ud800y"',
    "lone-low-surrogate": '"\\udfff"',
    "nul": '"a\\u0000b"',
    "c0-controls": json.dumps("a\x01\x07\x08\t\n\x0b\x1b\x1fb"),
    "del-and-c1": json.dumps("a\x7f\x85\x9fb"),
    "rtl-override": json.dumps("invoice\u202efdp.exe\u2066x\u2069"),
    "astral-combining-bom": json.dumps("\U0001f600e\u0301\ufeff\u200b"),
    "one-megabyte": json.dumps("a" * 1_000_000),
    "deep-nesting": "[" * 5000 + "]" * 5000,
    "nested-object": '{"a":' * 40 + "1" + "}" * 40,
    "number-1e400": "1e400",
    "integer-beyond-64-bits": "1" + "0" * 30,
    "integer-of-5000-digits": "9" * 5000,
}
SENTINEL = "__HOSTILE__"

Reader = Callable[[httpx.AsyncClient, httpx.Response], Awaitable[Any]]


@dataclass(frozen=True)
class Field:
    """One text field of one write route. `body` holds SENTINEL where the nasty value
    goes; `read` answers what the API now stores there (None: nothing to read back)."""

    method: str
    path: str
    body: dict[str, Any]
    read: Reader | None = None


def _at(*path: str | int) -> Reader:
    async def read(client: httpx.AsyncClient, response: httpx.Response) -> Any:
        stored = (await client.get(response.headers["location"])).json()
        for step in path:
            stored = stored[step]
        return stored

    return read


def _in_body(*path: str | int) -> Reader:
    async def read(client: httpx.AsyncClient, response: httpx.Response) -> Any:
        stored = response.json()
        for step in path:
            stored = stored[step]
        return stored

    return read


def _rule(kind: str = "max", **fields: Any) -> dict[str, Any]:
    params = {"max": 80} if kind == "max" else {}
    return {"name": "r", "key": "temp", "kind": kind, "params": params} | fields


def _inspection(**fields: Any) -> dict[str, Any]:
    return {"subject": "boiler", "readings": [{"key": "temp", "value": 1}]} | fields


def _reading(**fields: Any) -> dict[str, Any]:
    return _inspection(readings=[{"key": "temp", "value": 1} | fields])


FIELDS: dict[str, Field] = {
    "rule.name": Field("POST", RULES, _rule(name=SENTINEL), _at("name")),
    "rule.key": Field("POST", RULES, _rule(key=SENTINEL), _at("key")),
    "rule.description": Field("POST", RULES, _rule(description=SENTINEL), _at("description")),
    "rule.params.pattern": Field(
        "POST", RULES, _rule("regex", params={"pattern": SENTINEL}), _at("params", "pattern")
    ),
    "rule.params.options": Field(
        "POST",
        RULES,
        _rule("one_of", params={"options": [SENTINEL]}),
        _at("params", "options", 0),
    ),
    "rule.params.expected": Field(
        "POST", RULES, _rule("equals", params={"expected": SENTINEL}), _at("params", "expected")
    ),
    "rule.params.max": Field("POST", RULES, _rule(params={"max": SENTINEL})),
    "rule-replace.name": Field("PUT", RULES + "/{rule}", _rule(name=SENTINEL), _in_body("name")),
    "inspection.subject": Field("POST", INSPECTIONS, _inspection(subject=SENTINEL), _at("subject")),
    "inspection.notes": Field("POST", INSPECTIONS, _inspection(notes=SENTINEL), _at("notes")),
    "inspection.inspector": Field(
        "POST", INSPECTIONS, _inspection(inspector=SENTINEL), _at("inspector")
    ),
    "reading.key": Field("POST", INSPECTIONS, _reading(key=SENTINEL), _at("readings", 0, "key")),
    "reading.value": Field(
        "POST", INSPECTIONS, _reading(value=SENTINEL), _at("readings", 0, "value")
    ),
    "reading.unit": Field("POST", INSPECTIONS, _reading(unit=SENTINEL), _at("readings", 0, "unit")),
    "inspection-patch.subject": Field(
        "PATCH", INSPECTIONS + "/{inspection}", {"subject": SENTINEL}, _in_body("subject")
    ),
    "inspection-patch.reading": Field(
        "PATCH",
        INSPECTIONS + "/{inspection}",
        {"readings": [{"key": "temp", "value": SENTINEL}]},
        _in_body("readings", 0, "value"),
    ),
    "api-key.name": Field(
        "POST", "/api/admin/api-keys", {"name": SENTINEL, "scopes": ["rules:read"]}, _at("name")
    ),
    "api-key.rotate": Field(
        "POST", "/api/admin/api-keys/{key}/rotate", {"grace_seconds": SENTINEL}
    ),
    "user.change": Field("PATCH", "/api/admin/users/{user}", {"role": SENTINEL}),
    # Cleaned (paths, control and format characters go), so not read back as sent.
    "attachment.filename": Field(
        "POST",
        INSPECTIONS + "/{inspection}/attachments",
        {"filename": SENTINEL, "content_type": "image/png", "size": 10},
    ),
    "attachment.content_type": Field(
        "POST",
        INSPECTIONS + "/{inspection}/attachments",
        {"filename": "a.png", "content_type": SENTINEL, "size": 10},
    ),
    "attachment.size": Field(
        "POST",
        INSPECTIONS + "/{inspection}/attachments",
        {"filename": "a.png", "content_type": "image/png", "size": SENTINEL},
    ),
    "register.email": Field(
        "POST", "/api/v1/auth/register", {"email": SENTINEL, "password": "p" * 12}
    ),
    "register.password": Field(
        "POST", "/api/v1/auth/register", {"email": "{email}", "password": SENTINEL}
    ),
    "login.email": Field("POST", "/api/v1/auth/login", {"email": SENTINEL, "password": "p" * 12}),
    "login.password": Field(
        "POST", "/api/v1/auth/login", {"email": "someone@example.com", "password": SENTINEL}
    ),
    "verify.token": Field("POST", "/api/v1/auth/verify", {"token": SENTINEL}),
    "refresh.token": Field("POST", "/api/v1/auth/refresh", {"refresh_token": SENTINEL}),
    "forgot.email": Field("POST", "/api/v1/auth/forgot-password", {"email": SENTINEL}),
    "reset.token": Field(
        "POST", "/api/v1/auth/reset-password", {"token": SENTINEL, "password": "p" * 12}
    ),
    "reset.password": Field(
        "POST", "/api/v1/auth/reset-password", {"token": "t", "password": SENTINEL}
    ),
}
PACKET_CELLS = ("inspection", "subject", "key", "value", "unit")


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def app(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Hexa, httpx.AsyncClient]]:
    postgres = request.getfixturevalue("postgres_server") if backend == "postgres" else None
    directory = tmp_path_factory.mktemp(f"hostile-{backend}")
    async with served(backend, directory, postgres) as (hexa, client):
        yield hexa, client


def _unique(text: str) -> str:
    return text.replace("{email}", f"u{uuid.uuid4().hex[:12]}@example.com")


def _raw(body: dict[str, Any], fragment: str) -> bytes:
    """The body as JSON text, with the fragment spliced in where SENTINEL was."""
    document = json.dumps(body)  # ASCII: a lone surrogate stays an escape until spliced
    assert document.count(json.dumps(SENTINEL)) == 1
    return document.replace(json.dumps(SENTINEL), fragment).encode()


async def _path_of(client: httpx.AsyncClient, template: str) -> str:
    """Fills `{rule}`, `{inspection}`, `{key}`, `{user}` with a fresh object."""
    if "{rule}" in template:
        made = await client.post(RULES, json=_rule(name=f"r-{uuid.uuid4().hex}"))
        return template.replace("{rule}", made.json()["id"])
    if "{inspection}" in template:
        made = await client.post(INSPECTIONS, json=_inspection())
        return template.replace("{inspection}", made.json()["id"])
    if "{key}" in template:
        made = await client.post("/api/admin/api-keys", json={"name": "k", "scopes": ["admin"]})
        return template.replace("{key}", made.json()["kid"])
    if "{user}" in template:
        email = f"u{uuid.uuid4().hex[:12]}@example.com"
        made = await client.post(
            "/api/v1/auth/register", json={"email": email, "password": "p" * 12}
        )
        return template.replace("{user}", made.json()["id"])
    return template


def _judge(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        assert_problem(response, response.status_code)


def _unique_names(body: dict[str, Any]) -> dict[str, Any]:
    """Rule names are unique: a plain name gets a suffix so that only the nasty one clashes."""
    if body.get("name") == "r":
        return body | {"name": f"r-{uuid.uuid4().hex}"}
    return body


@pytest.mark.parametrize("kind", NASTY)
@pytest.mark.parametrize("field", FIELDS)
async def test_a_nasty_value_reads_back_exactly_or_is_a_4xx_problem(
    app: tuple[Hexa, httpx.AsyncClient], field: str, kind: str
) -> None:
    _, client = app
    target = FIELDS[field]
    body = json.loads(_unique(json.dumps(_unique_names(target.body))))
    headers = {"content-type": "application/json"}
    path = await _path_of(client, target.path)
    if target.method == "PATCH" and path.startswith(INSPECTIONS):
        headers["If-Match"] = '"1"'

    response = await client.request(
        target.method, path, content=_raw(body, NASTY[kind]), headers=headers
    )

    _judge(response)
    if response.is_success and target.read is not None:
        assert await target.read(client, response) == json.loads(NASTY[kind])


async def _finished(client: httpx.AsyncClient, hexa: Hexa, job_id: str) -> dict[str, Any]:
    assert isinstance(hexa.queue, InProcessJobQueue)
    await asyncio.wait_for(hexa.queue.drain(), timeout=10)
    job: dict[str, Any] = (await client.get(f"{JOBS}/{job_id}")).json()
    return job


@pytest.mark.parametrize("kind", NASTY)
@pytest.mark.parametrize("cell", PACKET_CELLS)
async def test_a_nasty_packet_cell_is_judged_or_refused(
    app: tuple[Hexa, httpx.AsyncClient], cell: str, kind: str
) -> None:
    """JSON-lines packets: the cell is spliced in raw, as a client could write it."""
    hexa, client = app
    await client.post(RULES, json=_rule("one_of", name=f"never-{uuid.uuid4().hex}",
                                        key="k", params={"options": ["never"]}))  # fmt: skip
    row = {"inspection": "I-1", "subject": "s", "key": "k", "value": "v", "unit": "u"}
    line = _raw(row | {cell: SENTINEL}, NASTY[kind])

    response = await client.post(
        "/api/v1/packets", files={"file": ("packet.jsonl", line + b"\n", "application/jsonl")}
    )

    _judge(response)
    if response.is_success:
        job = await _finished(client, hexa, response.json()["job_id"])
        assert job["status"] == "done", job
        report = (await client.get(f"{JOBS}/{job['id']}/report")).json()
        if cell in ("inspection", "subject", "value") and report["findings"]:
            sent = json.loads(NASTY[kind])
            assert report["findings"][0][cell] == (sent.strip() if isinstance(sent, str) else sent)


URL_VALUES = {
    "nul": "a\x00b",
    "lone-surrogate": "x\ud800y",
    "c0-controls": "a\x01\x1bb",
    "rtl-override": "a\u202eb",
    "long": "a" * 5000,
}


def _quoted(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


@pytest.mark.parametrize("kind", URL_VALUES)
@pytest.mark.parametrize(
    "url",
    [
        INSPECTIONS + "/{}",
        RULES + "/{}",
        JOBS + "/{}",
        JOBS + "/{}/report",
        "/api/admin/api-keys/{}",
        "/api/admin/users/{}",
        INSPECTIONS + "?status={}",
        INSPECTIONS + "?cursor={}",
        "/api/admin/audit?cursor={}",
        "/api/admin/audit?action={}&actor={}",
    ],
)
async def test_a_nasty_path_or_query_value_is_a_4xx_problem(
    app: tuple[Hexa, httpx.AsyncClient], url: str, kind: str
) -> None:
    _, client = app
    value = _quoted(URL_VALUES[kind])

    response = await client.get(url.replace("{}", value))

    _judge(response)


async def test_every_list_still_reads_after_the_table(
    app: tuple[Hexa, httpx.AsyncClient],
) -> None:
    _, client = app
    for path in (INSPECTIONS, RULES, "/api/admin/api-keys", "/api/admin/users", "/api/admin/audit"):
        cursor: str | None = None
        for _ in range(1000):
            response = await client.get(
                path, params={"limit": 200} | ({"cursor": cursor} if cursor else {})
            )
            assert response.status_code == 200, (path, response.text[:300])
            cursor = response.json()["next_cursor"]
            if cursor is None:
                break


async def test_the_table_covers_every_write_route(app: tuple[Hexa, httpx.AsyncClient]) -> None:
    """A new write route taking JSON must join the table."""
    written = {
        (method, route.path)
        for route in create_app(hexa=app[0]).routes
        if isinstance(route, APIRoute)
        for method in route.methods
        if method in ("POST", "PUT", "PATCH")
    }
    names = {"rule": "{rule_id}", "inspection": "{inspection_id}", "key": "{kid}",
             "user": "{user_id}", "attachment": "{attachment_id}"}  # fmt: skip
    covered = {(f.method, f.path.format(**names)) for f in FIELDS.values()}
    bodiless = {
        ("POST", "/api/v1/inspections/{inspection_id}/submit"),
        ("POST", "/api/admin/api-keys/{kid}/revoke"),
        ("POST", "/api/admin/jobs/{job_id}/retry"),
        ("POST", "/api/v1/auth/logout"),
        ("POST", "/api/v1/packets"),  # multipart: the packet-cell table
        ("POST", "/api/v1/inspections/{inspection_id}/attachments/{attachment_id}/complete"),
        ("PUT", "/api/v1/blobs/{token}"),  # raw bytes, checked for size and type only
    }
    assert written - bodiless <= covered, written - bodiless - covered
