"""The route index finds the route the walk over every route would: same route, same
path parameters, for every route of the app; and leaves every other case to the walk."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import BaseRoute, Match, Route, Router

from hexa.drivers.http.route_index import RouteIndex


def _walk(routes: list[BaseRoute], scope: dict) -> BaseRoute | None:
    return next((r for r in routes if r.matches(scope)[0] is Match.FULL), None)


def _scope(method: str, path: str, kind: str = "http") -> dict:
    return {"type": kind, "method": method, "path": path, "root_path": "", "headers": []}


def _paths(route: BaseRoute) -> list[str]:
    """A path that route answers (its parameters filled in), and near misses."""
    template = getattr(route, "path_format", "/")
    filled = re.sub(r"\{[^}]+\}", "x1", template)
    return [filled, filled + "/", filled.rstrip("/") + "/extra", filled.upper()]


def test_the_index_finds_what_the_walk_finds(app: FastAPI) -> None:
    index, *routes = app.router.routes
    assert isinstance(index, RouteIndex)
    for route in routes:
        for path in _paths(route):
            for method in ("GET", "POST", "PATCH", "DELETE", "PUT"):
                for kind in ("http", "websocket"):
                    scope = _scope(method, path, kind)
                    expected = _walk(routes, scope)
                    match, child = index.matches(scope)
                    if expected is None:
                        assert match is Match.NONE, (method, path, kind)
                        continue
                    assert match is Match.FULL, (method, path, kind)
                    assert child["hexa.route"] is expected, (method, path, kind)
                    assert child == {**expected.matches(scope)[1], "hexa.route": expected}


def test_order_is_kept_among_routes_of_different_depths() -> None:
    async def endpoint(request: object) -> None: ...

    routes: list[BaseRoute] = [
        Route("/{anything}/b", endpoint, name="param-first"),
        Route("/a/{thing}", endpoint, name="shallow"),
        Route("/a/b", endpoint, name="literal-last"),
    ]
    index = RouteIndex(routes)
    for path, name in [("/a/b", "param-first"), ("/a/c", "shallow"), ("/z/b", "param-first")]:
        match, child = index.matches(_scope("GET", path))
        assert match is Match.FULL and child["hexa.route"].name == name
    assert index.matches(_scope("GET", "/a/b/c"))[0] is Match.NONE
    assert index.matches({"type": "lifespan"})[0] is Match.NONE


async def test_answers_through_the_index(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/no/such/path")).status_code == 404
    refused = await client.put("/health")  # a method the route does not take: the walk's 405
    assert refused.status_code == 405


@pytest.mark.parametrize("path", ["/health", "/api/v1/auth/me"])
def test_url_building_is_left_to_the_routes(app: FastAPI, path: str) -> None:
    router: Router = app.router
    name = next(r.name for r in router.routes[1:] if getattr(r, "path", None) == path)
    assert router.url_path_for(name) == path
