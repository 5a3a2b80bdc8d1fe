"""The tests of auth that go through the example domain (inspections, rules, packets): left out with it."""

from __future__ import annotations

import httpx

from tests.http.api import assert_problem
from tests.http.inspection_api import RULES
from tests.http.test_auth import bearer, sign_in, sign_up


async def test_a_viewer_may_read_but_not_write_rules(anonymous: httpx.AsyncClient) -> None:
    await sign_up(anonymous)
    tokens = await sign_in(anonymous)
    assert (await anonymous.get(RULES, headers=bearer(tokens))).status_code == 200
    created = await anonymous.post(
        RULES, headers=bearer(tokens), json={"name": "n", "key": "k", "kind": "required"}
    )
    assert_problem(created, 403)


async def test_domain_routes_refuse_anonymous_callers(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get(RULES)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
