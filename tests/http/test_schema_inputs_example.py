"""The example domain's requests as the schema says them: a rule's params by its kind, a
packet as a file of text, an attachment's type from the list
(tests/http/test_schema_inputs.py)."""

from __future__ import annotations

from typing import Any, get_args

import httpx

from hexa.bootstrap import Hexa
from hexa.domain.attachments import ALLOWED_TYPES
from hexa.domain.checks import KINDS
from hexa.drivers.http.inspection_schemas import RuleIn
from hexa.drivers.http.openapi_inputs import IF_MATCH_VERSION, NOT_BLANK
from tests.http.api import assert_problem
from tests.http.test_schema_inputs import _document

RULES = "/api/v1/rules"


def _body(operation: dict[str, Any], medium: str = "application/json") -> dict[str, Any]:
    schema: dict[str, Any] = operation["requestBody"]["content"][medium]["schema"]
    return schema


def test_every_kind_of_check_has_its_shape_in_the_rule_union() -> None:
    shapes = get_args(get_args(RuleIn)[0])
    assert {get_args(s.model_fields["kind"].annotation)[0] for s in shapes} == set(KINDS)


async def test_a_rule_is_a_union_by_kind(hexa: Hexa) -> None:
    document = await _document(hexa)
    schemas = document["components"]["schemas"]

    for operation in (
        document["paths"][RULES]["post"],
        document["paths"][f"{RULES}/{{rule_id}}"]["put"],
    ):
        union = _body(operation)
        assert union["discriminator"]["propertyName"] == "kind"
        assert set(union["discriminator"]["mapping"]) == set(KINDS)
    assert schemas["RangeParams"]["required"] == ["min", "max"]
    assert schemas["RegexParams"]["properties"]["pattern"]["format"] == "regex"
    assert schemas["RequiredRule"]["properties"]["params"]["$ref"].endswith("/NoParams")
    assert schemas["MaxRule"]["properties"]["name"]["pattern"] == NOT_BLANK


async def test_params_that_are_not_their_kinds_are_refused_where_they_are(
    client: httpx.AsyncClient,
) -> None:
    rule = {"name": "n", "key": "k"}
    for kind, params in (("max", {"min": 1}), ("range", {"min": 1}), ("required", {"x": 1})):
        refused = assert_problem(
            await client.post(RULES, json=rule | {"kind": kind, "params": params}), 422
        )
        assert any(e["location"].startswith("body.params.") for e in refused["errors"]), refused
    # Pydantic names the union's member it tried (`body.max.name`): the client wrote none.
    nameless = assert_problem(
        await client.post(RULES, json={"key": "k", "kind": "max", "params": {"max": 1}}), 422
    )
    assert [e["location"] for e in nameless["errors"]] == ["body.name"]
    extra = rule | {"kind": "max", "max": 3, "params": {"max": 1}}
    assert [
        e["location"] for e in assert_problem(await client.post(RULES, json=extra), 422)["errors"]
    ] == ["body.max"]
    assert_problem(await client.post(RULES, json=rule | {"kind": "nope", "params": {}}), 422)
    # What no schema can say is the domain's to refuse, as a rule, not as a shape.
    crossed = {"kind": "range", "params": {"min": 2, "max": 1}}
    assert assert_problem(await client.post(RULES, json=rule | crossed), 422)["type"] == (
        "urn:hexa:problem:invalid"
    )
    made = await client.post(RULES, json=rule | {"kind": "required"})  # params may be left out
    assert made.status_code == 201, made.text
    assert made.json()["params"] == {}


async def test_a_patch_needs_a_version_a_packet_is_a_file_and_types_are_listed(
    hexa: Hexa,
) -> None:
    document = await _document(hexa)
    paths, schemas = document["paths"], document["components"]["schemas"]

    patch = paths["/api/v1/inspections/{inspection_id}"]["patch"]
    [if_match] = [p for p in patch["parameters"] if p["name"] == "if-match"]
    assert if_match["required"] is True
    assert if_match["schema"]["pattern"] == IF_MATCH_VERSION
    packet = _body(paths["/api/v1/packets"]["post"], "multipart/form-data")
    assert packet["properties"]["file"]["format"] == "binary"  # a file part, with a name
    declared = _body(paths["/api/v1/inspections/{inspection_id}/attachments"]["post"])
    attachment = schemas[declared["$ref"].rsplit("/", 1)[1]]
    assert set(attachment["properties"]["content_type"]["enum"]) == ALLOWED_TYPES
    assert schemas["InspectionIn"]["properties"]["subject"]["pattern"] == NOT_BLANK
