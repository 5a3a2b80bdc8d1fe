"""The direct handler answers exactly as FastAPI's own would: same status, headers and
bytes, refusals included. Overriding any dependency sends every route back to FastAPI's
handler, which is how the two are compared here."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI


def _never() -> None:  # an override no route uses: it only switches the handler
    raise AssertionError


async def _both(app: FastAPI, client: httpx.AsyncClient, method: str, url: str, **kw: Any):  # type: ignore[no-untyped-def]
    direct = await client.request(method, url, **kw)
    app.dependency_overrides[_never] = _never
    try:
        general = await client.request(method, url, **kw)
    finally:
        app.dependency_overrides.clear()
    return direct, general


def _same(direct: httpx.Response, general: httpx.Response) -> None:
    assert direct.status_code == general.status_code
    assert direct.content == general.content
    drop = {"x-request-id", "date"}
    assert [(k, v) for k, v in direct.headers.items() if k not in drop] == [
        (k, v) for k, v in general.headers.items() if k not in drop
    ]
