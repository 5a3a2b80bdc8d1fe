"""`RouteIndex`: the route a request goes to, found without asking every route in turn.

Starlette asks each route of the app, in order, whether it matches the path: a regular
expression and a few dict operations per route, so a route near the end of the list
(`/health` is the 19th of 47) paid for the eighteen before it, a sixth of its time.

The index sits first in the app's list and holds the routes in a tree of the literal
segments their paths begin with (`/api/v1/inspections/{id}` under `api`, `v1`,
`inspections`). A request asks only the routes whose literal segments begin its own path,
in the app's order, and goes to the first that matches fully. Anything else (a path no
route matches, a method no route allows, a trailing slash to redirect) the index leaves
to the usual walk over the routes after it, which are all still there: the answers are
the same, only found sooner.
"""

from __future__ import annotations

from typing import Any

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

# Where `matches` leaves the route it found, for `handle` (one index serves every request).
_FOUND = "hexa.route"


class _Node:
    __slots__ = ("candidates", "children", "routes")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.routes: list[tuple[int, BaseRoute]] = []
        # Its own routes and its ancestors', in the app's order.
        self.candidates: list[BaseRoute] = []


class RouteIndex(BaseRoute):
    def __init__(self, routes: list[BaseRoute]) -> None:
        root = _Node()
        for position, route in enumerate(routes):
            node = root
            for segment in _literal_segments(route):
                node = node.children.setdefault(segment, _Node())
            node.routes.append((position, route))
        _gather(root, [])
        self._root = root

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # FastAPI's telemetry follows the route it selects through the usual walk.
        if scope["type"] not in ("http", "websocket") or "fastapi.telemetry" in scope:
            return Match.NONE, {}
        node = self._root
        for segment in get_route_path(scope).split("/")[1:]:
            child = node.children.get(segment)
            if child is None:
                break
            node = child
        for route in node.candidates:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                child_scope[_FOUND] = route
                return Match.FULL, child_scope
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope[_FOUND].handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)  # the routes themselves answer, further on


def _gather(node: _Node, above: list[tuple[int, BaseRoute]]) -> None:
    reachable = sorted([*above, *node.routes], key=lambda entry: entry[0])
    node.candidates = [route for _, route in reachable]
    for child in node.children.values():
        _gather(child, reachable)


def _literal_segments(route: BaseRoute) -> list[str]:
    """The whole segments a route's path starts with, before any parameter: a request's
    path must start with the same ones for the route to match it. A route without a
    path (a host route) has none, and is asked about every request."""
    path = getattr(route, "path_format", None)
    if not isinstance(path, str) or not path.startswith("/"):
        return []
    literal: list[str] = []
    for segment in path.split("/")[1:]:
        if "{" in segment:
            break
        literal.append(segment)
    return literal
