"""Every error answer is `application/problem+json` (RFC 9457); one table maps domain
errors to statuses."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from hexa.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidTransition,
    NotFound,
    RateLimited,
    StaleVersion,
    TooLarge,
    Unauthenticated,
    Unavailable,
    UnsupportedType,
    ValidationError,
)
from hexa.drivers.http.request_log import LOGGED_ERROR, route_template

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

# Most specific first: the first class an error is an instance of decides.
ERROR_STATUS: tuple[tuple[type[DomainError], int, str], ...] = (
    (Unauthenticated, 401, "unauthenticated"),
    (Forbidden, 403, "forbidden"),
    (RateLimited, 429, "rate-limited"),
    (NotFound, 404, "not-found"),
    (StaleVersion, 412, "stale-version"),
    (InvalidTransition, 409, "invalid-transition"),
    (Conflict, 409, "conflict"),
    (ValidationError, 422, "invalid"),
    (TooLarge, 413, "body-too-large"),
    (UnsupportedType, 415, "unsupported-type"),
    (Unavailable, 503, "unavailable"),
)


class Problem(Exception):
    """Raised by HTTP code for errors that belong to HTTP (a bad header, a bad cursor)."""

    def __init__(self, status: int, detail: str, slug: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    phrase = HTTPStatus(status).phrase
    body = {
        "type": f"urn:hexa:problem:{slug}" if slug else "about:blank",
        "title": phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def _domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    for kind, status, slug in ERROR_STATUS:
        if isinstance(error, kind):
            return problem_response(status, error.detail, slug=slug, headers=_headers(error))
    return await _unexpected(request, error)


def _headers(error: DomainError) -> dict[str, str] | None:
    if isinstance(error, Unauthenticated):
        return {"WWW-Authenticate": 'Bearer realm="hexa"'}
    if isinstance(error, RateLimited):
        return {"Retry-After": str(error.retry_after)}
    if isinstance(error, Unavailable):
        return {"Retry-After": "5"}
    return None


async def _problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Problem)
    return problem_response(error.status, error.detail, slug=error.slug)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    detail = (
        error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).description
    )
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return problem_response(error.status_code, detail, headers=headers)


def _allowed_methods(request: Request) -> str:
    """Starlette names only the first route that matched the path; a path served by
    several routes (list and create, say) allows all their methods. `create_app` records
    each route's path pattern and methods in `app.state.route_methods`."""
    path = request.url.path
    methods: set[str] = set()
    for pattern, route_methods in getattr(request.app.state, "route_methods", ()):
        if pattern.match(path):
            methods |= route_methods
    return ", ".join(sorted(methods))


# The field every tagged union of the API is told apart by (a rule's `kind`).
UNION_TAG = "kind"


async def _invalid_request(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {"location": _location(e["loc"], error.body), "message": e["msg"]} for e in error.errors()
    ]
    first = errors[0] if errors else {"location": "request", "message": "invalid"}
    return problem_response(
        422, f"{first['location']}: {first['message']}", slug="invalid-request", errors=errors
    )


def _location(loc: tuple[Any, ...], body: Any) -> str:
    """Where in the request, as the client wrote it. Pydantic names the member of a tagged
    union it tried (`body.max.params.max` for a rule of kind max): a step that is the
    object's own tag (its `kind`) is that name, not a place, and is left out."""
    parts: list[str] = [str(loc[0])] if loc else []
    node = body if loc[:1] == ("body",) else None
    untagged = None  # the object whose tag was left out: once, the next step is a field
    for step in loc[1:]:
        if isinstance(node, dict) and node is not untagged and step == node.get(UNION_TAG):
            untagged = node
            continue
        parts.append(str(step))
        node = _step(node, step)
    return ".".join(parts)


def _step(node: Any, step: Any) -> Any:
    if isinstance(node, dict):
        return node.get(step)
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    return None


async def _client_gone(request: Request, error: Exception) -> JSONResponse:
    # Nobody reads this answer (the client left, or BodySizeLimit already sent a 413);
    # what the request had written was dropped where it failed.
    log.info("client left during %s %s", request.method, route_template(request.scope))
    return problem_response(400, "the client disconnected before its request was read")


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    where = route_template(request.scope)
    log.error("unhandled error on %s %s", request.method, where, exc_info=error)
    request.scope.setdefault("state", {})[LOGGED_ERROR] = error
    return problem_response(500, "an unexpected error occurred; it has been logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(Exception, _unexpected)
