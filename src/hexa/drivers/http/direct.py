"""A direct handler for the simplest routes, the busy reads and writes among them.

FastAPI solves a route's dependencies with a general machine: per request and per
dependency a recursive pass that builds dicts and sets, classifies the callable, looks up
overrides and scopes, and validates every parameter. For a route that only takes string
path parameters, dependencies that take nothing but the request (the guards, the service
graph) or an optional header as a string (`If-Match`), perhaps one JSON body, and perhaps
the `Response` to set headers on, the outcome is known at start-up: validate the body
through the route's own body field, call those dependencies, pass the path's strings,
serialise what the endpoint returns through the route's response field. That pass was a
third of an authenticated read's time in process, and a sixth of a create's
(docs/performance.md).

A body that is absent, not JSON by its content type, or invalid goes to FastAPI's
handler, before any dependency has run: its refusal is FastAPI's, word for word.

`direct_handler` builds such a handler, or returns None for a route of any other shape,
which FastAPI then serves as usual. The answer is the one FastAPI gives, byte for byte: the
same serialiser (`serialize_response`), status code rule and header merge
(tests/http/test_direct.py compares the two on the same requests).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import params
from fastapi._compat import ModelField
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import EndpointContext
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, serialize_response
from fastapi.utils import is_body_allowed_for_status_code
from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
RequestOnly = Callable[[Request], Awaitable[Any]]


def direct_handler(route: APIRoute) -> Handler | None:
    """A handler that serves `route` without FastAPI's per-request dependency pass, when
    its shape allows; None otherwise."""
    dependant = route.dependant
    endpoint = dependant.call
    if not (_plain_route(route) and inspect.iscoroutinefunction(endpoint)):
        return None
    assert endpoint is not None
    needs: list[tuple[str | None, RequestOnly]] = []
    for index, sub in enumerate(dependant.dependencies):
        call = _request_only(sub) or _header_only(sub)
        if call is None or any(sub.call is other.call for other in dependant.dependencies[:index]):
            return None  # FastAPI's per-request cache would call a repeated one once
        needs.append((sub.name, call))
    path = [(field.name, field.alias) for field in dependant.path_params]
    if not all(_plain_string(field) for field in dependant.path_params):
        return None
    request_name = dependant.request_param_name
    response_name = dependant.response_param_name
    field = route.response_field
    status_code = route.status_code
    context = EndpointContext(function=getattr(endpoint, "__name__", ""), path=route.path)

    body = _json_body(route)

    async def handler(request: Request) -> Response:
        if request.app.dependency_overrides or "fastapi.telemetry" in request.scope:
            return await fallback(request)  # overrides, or spans that want FastAPI's data
        values: dict[str, Any] = {}
        if body is not None:
            valid = await _valid_body(request, body)
            if valid is _REFUSED:
                return await fallback(request)
            values[body.name] = valid
        for name, call in needs:
            value = await call(request)
            if name is not None:
                values[name] = value
        params = request.path_params
        for name, alias in path:
            values[name] = params[alias]
        if request_name is not None:
            values[request_name] = request
        headers = None
        if response_name is not None:
            headers = values[response_name] = _header_sink()
        raw = await endpoint(**values)
        if isinstance(raw, Response):
            return raw
        status = status_code or 200
        if headers is not None and headers.status_code:
            status = headers.status_code
        content = await serialize_response(
            field=field, response_content=raw, endpoint_ctx=context, dump_json=field is not None
        )
        response = (
            Response(content, status, media_type="application/json")
            if field is not None
            else JSONResponse(content, status)
        )
        if not is_body_allowed_for_status_code(response.status_code):
            response.body = b""
        if headers is not None:
            response.headers.raw.extend(headers.headers.raw)
        return response

    fallback = APIRoute.get_route_handler(route)
    return handler


def _plain_route(route: APIRoute) -> bool:
    """Nothing read from the query, headers or cookies, at most one JSON body; a default
    JSON answer, with the response model's default options."""
    dependant = route.dependant
    return (
        (route.body_field is None or _json_body(route) is not None)
        and not (dependant.query_params or dependant.header_params or dependant.cookie_params)
        and dependant.background_tasks_param_name is None
        and dependant.websocket_param_name is None
        and dependant.http_connection_param_name is None
        and dependant.security_scopes_param_name is None
        and isinstance(route.response_class, DefaultPlaceholder)
        and route.response_class.value is JSONResponse
        and route.response_model_include is None
        and route.response_model_exclude is None
        and route.response_model_by_alias
        and not route.response_model_exclude_unset
        and not route.response_model_exclude_defaults
        and not route.response_model_exclude_none
    )


def _simple(sub: Dependant) -> bool:
    """An `async def` dependency of no sub-dependencies, taking nothing from the path,
    query, cookies or body, nor anything FastAPI would hand it besides the request."""
    return (
        inspect.iscoroutinefunction(sub.call)
        and not sub.dependencies
        and not (sub.path_params or sub.query_params or sub.cookie_params or sub.body_params)
        and sub.response_param_name is None
        and sub.background_tasks_param_name is None
        and sub.websocket_param_name is None
        and sub.http_connection_param_name is None
        and sub.security_scopes_param_name is None
        and not sub.own_oauth_scopes
        and sub.concurrency is None  # a limit FastAPI would hold it to
    )


def _request_only(sub: Dependant) -> RequestOnly | None:
    """The dependency's callable when it takes the request and nothing else."""
    call = sub.call
    if not (_simple(sub) and sub.request_param_name is not None and not sub.header_params):
        return None
    assert call is not None
    name: str = sub.request_param_name

    async def called(request: Request) -> Any:
        return await call(**{name: request})

    return called if name != "request" else call


def _header_only(sub: Dependant) -> RequestOnly | None:
    """The dependency's callable, given its one header as FastAPI would give it, when it
    takes nothing else and that header is an optional string (`If-Match`)."""
    call = sub.call
    if not (_simple(sub) and sub.request_param_name is None and len(sub.header_params) == 1):
        return None
    assert call is not None
    field = sub.header_params[0]
    info = field.field_info
    if not (
        type(info) is params.Header
        and info.annotation == (str | None)
        and not info.metadata
        and field.default is None
        and info.validation_alias is None
        and isinstance(field.alias, str)
    ):
        return None
    name, header = field.name, field.alias

    async def called(request: Request) -> Any:
        return await call(**{name: request.headers.get(header)})

    return called


def _json_body(route: APIRoute) -> ModelField | None:
    """The route's body field when the route takes one JSON document as its body (not
    embedded in an object of several, not a form)."""
    field = route.body_field
    body_params = route.dependant.body_params
    if field is None or len(body_params) != 1 or body_params[0] is not field:
        return None
    if type(field.field_info) is not params.Body:
        return None
    return field


_REFUSED = object()


async def _valid_body(request: Request, field: ModelField) -> Any:
    """The body validated as FastAPI validates it, or _REFUSED when FastAPI should say
    why not (no body, not JSON, invalid)."""
    # Plain `application/json` only: FastAPI reads other spellings (`+json` types, lists,
    # several slashes) through the email parser, whose verdict it then gives.
    given = request.headers.get("content-type", "")
    kind = given.split(";", 1)[0].strip().lower()
    if kind != "application/json" or given.count("/") != 1 or "," in given:
        return _REFUSED
    if not await request.body():
        return _REFUSED
    try:
        document = await request.json()
    except ValueError:
        return _REFUSED
    value, errors = field.validate(document, {}, loc=("body",))
    return _REFUSED if errors else value


def _plain_string(field: Any) -> bool:
    info = field.field_info
    return info.annotation is str and not info.metadata


def _header_sink() -> Response:
    """What FastAPI hands a route that asks for the `Response`: headers and a status to
    merge into the answer, no body, no status unless the route sets one."""
    response = Response()
    del response.headers["content-length"]
    response.status_code = None  # type: ignore[assignment]
    return response
