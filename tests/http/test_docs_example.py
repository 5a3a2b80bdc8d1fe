"""The tests of docs that go through the example domain (inspections, rules, packets): left out with it."""

from __future__ import annotations

from hexa.bootstrap import Hexa
from tests.http.test_docs import _get


async def test_openapi_is_served_in_dev(hexa: Hexa) -> None:
    response = await _get(hexa, "/openapi.json", env="dev")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/rules", "/api/v1/inspections/{inspection_id}/submit"} <= paths.keys()


async def test_guarded_operations_name_their_credentials_and_refusals(hexa: Hexa) -> None:
    document = (await _get(hexa, "/openapi.json", env="dev")).json()

    rules = document["paths"]["/api/v1/rules/{rule_id}"]["put"]
    assert rules["security"] == [{"bearer": []}, {"apiKey": []}]
    assert {"401", "403", "404", "409", "412", "422", "503"} <= rules["responses"].keys()
    patch = document["paths"]["/api/v1/inspections/{inspection_id}"]["patch"]
    assert "428" in patch["responses"]
    created = document["paths"]["/api/v1/inspections"]["post"]["responses"]["201"]
    assert created["headers"]["Location"]["required"] is True
    assert "security" not in document["paths"]["/health"]["get"]
