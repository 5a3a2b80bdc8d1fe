"""The example domain's requests as the schema says them: a rule's params by its kind, a
packet as text, an attachment's type from the list (tests/http/test_schema_inputs.py)."""

from __future__ import annotations

from typing import Any

import httpx

from hexa.bootstrap import Hexa
from hexa.domain.attachments import ALLOWED_TYPES
from hexa.domain.checks import KINDS
from hexa.drivers.http.openapi_inputs import IF_MATCH_VERSION
from tests.http.api import assert_problem
from tests.http.test_docs import _get

RULES = "/api/v1/rules"


async def _document(hexa: Hexa) -> dict[str, Any]:
    document: dict[str, Any] = (await _get(hexa, "/openapi.json", env="dev")).json()
    return document


async def test_a_rule_is_a_union_by_kind(hexa: Hexa) -> None:
    document = await _document(hexa)
    schemas = document["components"]["schemas"]

    for method in ("post",):
        body = document["paths"][RULES][method]["requestBody"]["content"]["application/json"]
        union = body["schema"]
        assert union["discriminator"]["propertyName"] == "kind"
        assert set(union["discriminator"]["mapping"]) == set(KINDS)
    assert schemas["RangeParams"]["required"] == ["min", "max"]
    assert schemas["RegexParams"]["properties"]["pattern"]["format"] == "regex"
    assert schemas["RequiredRule"]["properties"]["params"]["$ref"].endswith("/NoParams")


async def test_params_that_are_not_their_kinds_are_refused_where_they_are(
    client: httpx.AsyncClient,
) -> None:
    rule = {"name": "n", "key": "k"}
    for kind, params in (("max", {"min": 1}), ("range", {"min": 1}), ("required", {"x": 1})):
        refused = assert_problem(
            await client.post(RULES, json=rule | {"kind": kind, "params": params}), 422
        )
        assert any(e["location"].startswith("body.params") for e in refused["errors"]), refused
    assert_problem(await client.post(RULES, json=rule | {"kind": "nope", "params": {}}), 422)
    # What no schema can say is the domain's to refuse, as a rule, not as a shape.
    crossed = {"kind": "range", "params": {"min": 2, "max": 1}}
    assert assert_problem(await client.post(RULES, json=rule | crossed), 422)["type"] == (
        "urn:hexa:problem:invalid"
    )
    made = await client.post(RULES, json=rule | {"kind": "required"})  # params may be left out
    assert made.status_code == 201, made.text
    assert made.json()["params"] == {}


async def test_a_patch_needs_a_version_and_a_packet_is_text(hexa: Hexa) -> None:
    paths = (await _document(hexa))["paths"]

    patch = paths["/api/v1/inspections/{inspection_id}"]["patch"]
    [if_match] = [p for p in patch["parameters"] if p["name"] == "if-match"]
    assert if_match["required"] is True
    assert if_match["schema"]["pattern"] == IF_MATCH_VERSION
    packet = paths["/api/v1/packets"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert packet["schema"]["properties"]["file"]["contentMediaType"] == "text/csv"
    attachment = paths["/api/v1/inspections/{inspection_id}/attachments"]["post"]
    body = attachment["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    declared = (await _document(hexa))["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert set(declared["properties"]["content_type"]["enum"]) == ALLOWED_TYPES
