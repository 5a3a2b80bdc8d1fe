"""The OpenAPI document says every answer a route can give, problems included.

FastAPI documents the success and its own validation error (in a shape Hexa never sends).
Clients and the schemathesis fuzzing hold the API to its document, so each operation also
lists the problems (`application/problem+json`) its shape implies — 401/403 behind a
credential, 404 with a path id, 400 for a cursor or an `If-Match`, 412/428 with
`If-Match`, 413/422 with a body or parameters, 503 when a store is down — beside those
a route declares itself (`responses=problems(409)`), and the credential schemes.
"""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from hexa.domain.access import every_scope
from hexa.drivers.http.auth import is_guard
from hexa.drivers.http.dependencies import required_version
from hexa.drivers.http.openapi_inputs import describe_inputs
from hexa.drivers.http.problems import PROBLEM_JSON

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "a JWT, or an API key"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}
# Liveness touches nothing that could be down.
NEVER_UNAVAILABLE = {"/health"}


class InvalidPart(BaseModel):
    location: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details; `errors` lists each invalid part of a 422."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[InvalidPart] | None = None


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for problems a route answers beyond those its shape implies."""
    return {status: _problem(status) for status in statuses}


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
    }


def install(app: FastAPI, routes: list[APIRoute]) -> None:
    """Replaces `app.openapi` with a generator of the completed document; `routes` are
    the app's API routes, whose names are their operationIds: two alike stop start-up."""
    names = [route.name for route in routes if route.include_in_schema]
    if twice := sorted({name for name in names if names.count(name) > 1}):
        raise ValueError(f"routes share a name, their operationId: {', '.join(twice)}")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, routes=app.routes, description=app.description
            )
            complete(document, routes)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any], routes: list[APIRoute]) -> None:
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["InvalidPart"] = schemas["Problem"].pop("$defs")["InvalidPart"]
    components["securitySchemes"] = SECURITY_SCHEMES
    versioned: set[tuple[str, str]] = set()
    for route in routes:
        if not route.include_in_schema:
            continue
        guarded = any(is_guard(d.call) for d in _dependencies(route.dependant))
        needs_version = any(d.call is required_version for d in _dependencies(route.dependant))
        methods = sorted(route.methods or ())
        for method in methods:
            operation = document["paths"][route.path_format][method.lower()]
            # `create_rule`, not `create_rule_api_v1_rules_post`: a generated client's names.
            named = route.name if len(methods) == 1 else f"{route.name}_{method.lower()}"
            operation["operationId"] = named
            if needs_version:
                versioned.add((route.path_format, method.lower()))
            responses = operation["responses"]
            implied = _implied(operation, route.path_format, guarded, needs_version)
            for status in sorted(implied):
                if str(status) not in responses or status == 422:
                    responses[str(status)] = _problem(status)
            if guarded:
                operation["security"] = [{"bearer": []}, {"apiKey": []}]
            if "201" in responses:
                responses["201"]["headers"] = {
                    "Location": {
                        "description": "where the created resource is",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                }
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    _name_the_scopes(schemas)
    describe_inputs(document, versioned)


def _name_the_scopes(schemas: dict[str, Any]) -> None:
    """Scopes are strings the areas of this project declare: the schema names them all,
    so a client (and a fuzzer) knows which an API key may be given."""
    known = sorted(every_scope())
    for schema in schemas.values():
        scopes = schema.get("properties", {}).get("scopes")
        if scopes and scopes.get("type") == "array":
            scopes["items"] = {"type": "string", "enum": known}


def _implied(operation: dict[str, Any], path: str, guarded: bool, needs_version: bool) -> set[int]:
    parameters = {(p["in"], p["name"]) for p in operation.get("parameters", ())}
    statuses: set[int] = set()
    if guarded:
        statuses |= {401, 403}
    if any(where == "path" for where, _ in parameters):
        statuses.add(404)
    if parameters or "requestBody" in operation:
        statuses.add(422)
    if "requestBody" in operation:
        statuses.add(413)
    if ("query", "cursor") in parameters:
        statuses.add(400)
    if ("header", "if-match") in parameters:
        statuses |= {400, 412}
        if needs_version:
            statuses.add(428)
    if path not in NEVER_UNAVAILABLE:
        statuses.add(503)
    return statuses


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for dependency in dependant.dependencies:
        yield dependency
        yield from _dependencies(dependency)
