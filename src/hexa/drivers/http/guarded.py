"""`GuardedRoute`: what no handler should see is refused before any handler runs.

JSON and URLs can spell values that pass a schema yet break what comes after: NUL, which
PostgreSQL refuses (a client's typo answered as a database outage); lone surrogates,
which cannot be written back as UTF-8 (one stored value fails every later list); numbers
beyond what a double or a 64-bit store holds; nesting deep enough to exhaust the parser.
Every route of the API is one of these, so the check covers each path parameter, query
value and JSON body — keys included — in one place, and answers 422 naming the place.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn

from fastapi import params
from fastapi.dependencies.utils import get_flat_params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from hexa.domain.text import flaw
from hexa.drivers.http.direct import direct_handler

# Deeper than any body the API takes, shallow enough to walk without a care.
MAX_DEPTH = 32
INT_RANGE = 2**63

Location = tuple[str | int, ...]


class GuardedRoute(APIRoute):
    """An `APIRoute` whose path, query and JSON body values are checked before its handler
    runs; a route that takes none of them is left as it is."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = direct_handler(self) or super().get_route_handler()
        takes_json = self.body_field is not None and not _takes_form(self)
        queries = any(
            isinstance(f.field_info, params.Query) for f in get_flat_params(self.dependant)
        )
        if not (takes_json or self.param_convertors or queries):
            return handler  # takes nothing from the client that could need a check

        async def guarded(request: Request) -> Response:
            request = _CheckedRequest(request.scope, request.receive)
            _check_url(request)
            if takes_json and _is_json(request):
                await request.json()  # parses and checks once; the handler reuses it
            return await handler(request)

        return guarded


class _CheckedRequest(Request):
    _checked: Any

    async def json(self) -> Any:
        if not hasattr(self, "_checked"):
            body = await self.body()
            self._checked = _parsed(body) if body else None
        return self._checked


def _takes_form(route: APIRoute) -> bool:
    return any(
        getattr(field.field_info, "media_type", "").startswith("multipart/")
        for field in route.dependant.body_params
    )


def _is_json(request: Request) -> bool:
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def _check_url(request: Request) -> None:
    for name, value in request.path_params.items():
        if isinstance(value, str) and (why := flaw(value)):
            _refuse(("path", name), f"the text {why}")
    if not request.scope.get("query_string"):
        return
    for name, value in request.query_params.multi_items():
        if why := flaw(name) or flaw(value):
            _refuse(("query", name), f"the text {why}")


def _parsed(body: bytes) -> Any:
    try:
        document = json.loads(body)
    except RecursionError:
        _refuse(("body",), f"JSON nested deeper than {MAX_DEPTH} levels")
    except UnicodeDecodeError:
        _refuse(("body",), "not UTF-8 text")
    except json.JSONDecodeError as error:
        _refuse(("body", error.pos), f"JSON decode error: {error.msg}")
    except ValueError as error:  # an integer of more digits than Python converts
        _refuse(("body",), f"a number out of range ({error})")
    _check_value(document, ("body",))
    return document


def _check_value(value: Any, where: Location) -> None:
    if isinstance(value, str):
        if why := flaw(value):
            _refuse(where, f"the text {why}")
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int):
        if not -INT_RANGE <= value < INT_RANGE:
            _refuse(where, "an integer beyond 64 bits")
    elif isinstance(value, float):
        if not math.isfinite(value):
            _refuse(where, "a number out of range (not finite)")
    elif len(where) > MAX_DEPTH:
        _refuse(where, f"JSON nested deeper than {MAX_DEPTH} levels")
    elif isinstance(value, dict):
        for key, item in value.items():
            if why := flaw(key):
                _refuse(where, f"a key {why}")
            _check_value(item, (*where, key))
    else:
        for index, item in enumerate(value):
            _check_value(item, (*where, index))


def _refuse(where: Location, message: str) -> NoReturn:
    raise RequestValidationError([{"type": "value_error", "loc": where, "msg": message}])
