"""The OpenAPI document says what a request may hold as the API reads it: a client that
sends what the schema allows is answered, and what it refuses the API refuses too
(schemathesis checks both ways from outside: tests/fuzz)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hexa.bootstrap import Hexa
from hexa.domain.errors import ValidationError
from hexa.domain.users import MIN_PASSWORD, normalized_email
from hexa.drivers.http import openapi
from hexa.drivers.http.identity_schemas import EMAIL
from hexa.drivers.http.openapi_inputs import CURSOR, IF_MATCH, KEPT_TEXT, NOT_BLANK
from tests.http.api import USERS, assert_problem
from tests.http.test_docs import _get

AUTH = "/api/v1/auth"


async def _document(hexa: Hexa) -> dict[str, Any]:
    document: dict[str, Any] = (await _get(hexa, "/openapi.json", env="dev")).json()
    return document


def _parameter(operation: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [p for p in operation["parameters"] if p["name"].lower() == name]
    return found


async def test_the_shared_parameters_say_what_is_read(hexa: Hexa) -> None:
    document = await _document(hexa)
    users = document["paths"][USERS]["get"]
    change = document["paths"][f"{USERS}/{{user_id}}"]["patch"]

    assert _parameter(users, "cursor")["schema"]["pattern"] == CURSOR
    assert _parameter(change, "if-match")["schema"]["pattern"] == IF_MATCH
    assert _parameter(change, "user_id")["schema"]["pattern"] == KEPT_TEXT
    key = document["components"]["schemas"]["ApiKeyIn"]["properties"]
    assert key["name"]["pattern"] == NOT_BLANK  # its own: kept text, not only spaces


async def test_credentials_say_what_an_email_and_a_new_password_are(hexa: Hexa) -> None:
    schemas = (await _document(hexa))["components"]["schemas"]

    for name in ("Credentials", "EmailIn"):
        assert schemas[name]["properties"]["email"]["pattern"] == EMAIL["pattern"]
    assert schemas["PasswordReset"]["properties"]["password"]["minLength"] == MIN_PASSWORD


def _is_email(text: str) -> bool:
    try:
        normalized_email(text)
    except ValidationError:
        return False
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.from_regex(str(EMAIL["pattern"])).filter(lambda text: len(text) <= 120))
def test_what_the_email_pattern_allows_is_an_email(text: str) -> None:
    assert _is_email(text), text


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=40)
    | st.builds("{}@{}.{}".format, st.text(max_size=8), st.text(max_size=8), st.text(max_size=8))
)
def test_what_the_email_pattern_refuses_is_no_email(text: str) -> None:
    assert bool(re.match(str(EMAIL["pattern"]), text)) == _is_email(text), text


async def test_forgot_password_refuses_what_is_no_email_address(
    anonymous: httpx.AsyncClient,
) -> None:
    """The schema says it is an email; saying so reveals nothing about any account."""
    for text in ("", "ana", "ana@example"):
        refused = await anonymous.post(f"{AUTH}/forgot-password", json={"email": text})
        assert_problem(refused, 422)
    unknown = await anonymous.post(f"{AUTH}/forgot-password", json={"email": "who@example.com"})
    assert unknown.status_code == 202


def test_operation_ids_are_route_names_and_two_alike_stop_start_up() -> None:
    router = APIRouter()

    async def endpoint() -> None:
        return None

    router.add_api_route("/a", endpoint, name="read_thing")
    router.add_api_route("/b", endpoint, name="read_thing")
    app = FastAPI()
    routes = [r for r in router.routes if isinstance(r, APIRoute)]

    with pytest.raises(ValueError, match="read_thing"):
        openapi.install(app, routes)
    openapi.install(app, routes[:1])
    app.router.routes.extend(routes[:1])
    assert app.openapi()["paths"]["/a"]["get"]["operationId"] == "read_thing"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12) | st.text(alphabet=" \t\n\x0b\x0c\r\x1c\x85\xa0\u2028\u3000\ufeff"))
def test_not_blank_is_what_strip_leaves_something_of(text: str) -> None:
    assert bool(re.match(NOT_BLANK, text)) == bool(text.strip() and "\x00" not in text), text
