"""The tests of cli that go through the example domain (inspections, rules, packets): left out with it."""

from __future__ import annotations

import httpx

from tests.cli.test_cli import ADMIN, _job_when_ended, served  # noqa: F401 - fixtures


def test_an_admin_signs_in_and_a_machine_key_works_until_revoked(served: str) -> None:
    """The identity issue's "done when", against a real server."""
    with httpx.Client(base_url=served, timeout=5) as http:
        login = http.post("/api/v1/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]})
        assert login.status_code == 200, login.text
        admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
        key = http.post(
            "/api/admin/api-keys",
            headers=admin,
            json={"name": "line 3", "scopes": ["inspections:read", "inspections:write"]},
        )
        assert key.status_code == 201, key.text
        machine = {"X-API-Key": key.json()["token"]}
        assert http.get("/api/v1/inspections", headers=machine).status_code == 200
        revoked = http.post(f"/api/admin/api-keys/{key.json()['kid']}/revoke", headers=admin)
        assert revoked.status_code == 200
        assert http.get("/api/v1/inspections", headers=machine).status_code == 401


def test_served_app_judges_a_submitted_inspection(served: str) -> None:
    with httpx.Client(base_url=served, timeout=5) as http:
        login = http.post("/api/v1/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]})
        http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        rule = http.post(
            "/api/v1/rules",
            json={"name": "temp ceiling", "key": "temp", "kind": "max", "params": {"max": 60}},
        )
        assert rule.status_code == 201, rule.text
        inspection = http.post(
            "/api/v1/inspections",
            json={"subject": "boiler 7", "readings": [{"key": "temp", "value": 71.5}]},
        )
        assert inspection.status_code == 201, inspection.text
        submitted = http.post(f"/api/v1/inspections/{inspection.json()['id']}/submit")
        assert submitted.status_code == 202, submitted.text

        job = _job_when_ended(http, submitted.headers["location"])

        assert job["status"] == "done"
        assert job["result"]["verdict"] == "failed"
        assert [f["rule"] for f in job["result"]["findings"]] == [rule.json()["id"]]
        stored = http.get(f"/api/v1/inspections/{inspection.json()['id']}").json()
        assert stored["status"] == "failed"
