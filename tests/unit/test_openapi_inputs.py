"""The request side of the OpenAPI document says what the guard and the shared
dependencies refuse (hexa.drivers.http.openapi_inputs), and only the request side."""

from __future__ import annotations

import re
from typing import Any

from hexa.domain.text import flaw
from hexa.drivers.http.dependencies import _ETAG, encode_cursor
from hexa.drivers.http.guarded import INT_RANGE
from hexa.drivers.http.openapi_inputs import (
    CURSOR,
    IF_MATCH,
    IF_MATCH_VERSION,
    KEPT_TEXT,
    describe_inputs,
)


def _document() -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "paths": {
            "/things/{id}": {
                "patch": {
                    "parameters": [
                        {"name": "id", "in": "path", "schema": dict(text)},
                        {"name": "if-match", "in": "header", "schema": {"type": "string"}},
                    ],
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/In"}}
                        }
                    },
                    "responses": {"200": {"content": {"application/json": {"schema": {}}}}},
                },
                "delete": {
                    "parameters": [{"name": "If-Match", "in": "header", "schema": dict(text)}]
                },
            },
            "/things": {
                "get": {"parameters": [{"name": "cursor", "in": "query", "schema": dict(text)}]}
            },
        },
        "components": {
            "schemas": {
                "In": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string", "maxLength": 9},
                        "when": {"type": "string", "format": "date-time"},
                        "code": {"type": "string", "pattern": "^[a-z]+$"},
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "count": {"type": "integer", "minimum": 0},
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "extra": {"type": "object", "additionalProperties": {"type": "number"}},
                        "nested": {"$ref": "#/components/schemas/Nested"},
                    },
                },
                "Nested": {"anyOf": [{"type": "string", "format": "regex"}, {"type": "null"}]},
                "Out": {"type": "object", "properties": {"name": {"type": "string"}}},
            }
        },
    }


def test_every_free_text_of_a_request_refuses_nul_and_nothing_else() -> None:
    document = _document()

    describe_inputs(document, required_if_match=set())

    schemas = document["components"]["schemas"]
    fields = schemas["In"]["properties"]
    assert fields["name"]["pattern"] == KEPT_TEXT
    assert fields["tags"]["items"]["pattern"] == KEPT_TEXT
    assert fields["extra"]["propertyNames"] == {"pattern": KEPT_TEXT}
    assert schemas["Nested"]["anyOf"][0]["pattern"] == KEPT_TEXT  # a regex is text too
    assert "pattern" not in fields["when"]  # a date-time holds no NUL
    assert fields["code"]["pattern"] == "^[a-z]+$"  # its own pattern is kept
    assert "pattern" not in fields["kind"]
    assert "pattern" not in schemas["Out"]["properties"]["name"]  # answers are not requests
    path = document["paths"]["/things/{id}"]["patch"]["parameters"][0]
    assert path["schema"]["pattern"] == KEPT_TEXT


def test_integers_are_bounded_as_the_guard_bounds_them() -> None:
    document = _document()

    describe_inputs(document, required_if_match=set())

    count = document["components"]["schemas"]["In"]["properties"]["count"]
    assert count == {"type": "integer", "minimum": 0, "maximum": INT_RANGE - 1}


def test_if_match_is_a_version_and_required_where_a_428_says_so() -> None:
    document = _document()

    describe_inputs(document, required_if_match={("/things/{id}", "patch")})

    patch, delete = (
        document["paths"]["/things/{id}"][method]["parameters"][-1]
        for method in ("patch", "delete")
    )
    assert patch["required"] is True
    assert patch["schema"]["pattern"] == IF_MATCH_VERSION
    assert delete["required"] is False
    assert delete["schema"]["pattern"] == IF_MATCH
    cursor = document["paths"]["/things"]["get"]["parameters"][0]
    assert cursor["schema"]["pattern"] == CURSOR


def test_the_patterns_match_what_the_api_reads_and_writes() -> None:
    for value in ('"3"', 'W/"3"', "3", ' "12" ', f'"{10**17}"'):
        assert _ETAG.fullmatch(value)
        assert re.match(IF_MATCH_VERSION, value)
    for value in ('"-1"', "latest", '"3', "", f'"{10**18}"'):
        assert not re.match(IF_MATCH, value)
        assert not _ETAG.fullmatch(value)
    assert re.match(IF_MATCH, "*")
    assert not re.match(IF_MATCH_VERSION, "*")  # `*` is no version: a 428 where one is needed
    for after in ("0", "24000", "01a252b4-98d9-74f3-8321-bfb4e9115778", "kid_ABC-123"):  # ids
        assert re.match(CURSOR, encode_cursor(after) or "")
    assert not re.match(CURSOR, "")
    for text in ("plain", "émoji 🎉", "tab\there", "\x00", "a\x00b"):
        assert bool(re.match(KEPT_TEXT, text)) == (flaw(text) is None)
