"""The admin UI in a real browser: each operator task, its refusals, and what the API saw."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, every_page, sign_in
from tests.browser.served import ADMIN, Served

pytestmark = pytest.mark.timeout(120)
PASSWORD = "correct horse battery"


def person(api: httpx.Client, email: str, role: str) -> dict[str, Any]:
    """A verified user with `role` (ENV=dev answers the verification token)."""
    registered = api.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    user: dict[str, Any] = registered.json()
    api.post("/api/v1/auth/verify", json={"token": user["verification_token"]})
    changed = api.patch(f"/api/admin/users/{user['id']}", json={"role": role})
    assert changed.status_code == 200, changed.text
    api.cookies.clear()
    return changed.json()


def open_screen(page: Any, served: Served, screen: str, heading: str) -> None:
    page.goto(f"{served.ui}#/{screen}")
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()


def test_sign_in_refuses_a_wrong_password_then_signs_in_storing_nothing(
    page: Any, served: Served
) -> None:
    page.goto(served.ui)
    expect(page.get_by_role("heading", name="Sign in to Hexa")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Email").fill(ADMIN[0])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("wrong email or password")

    page.get_by_label("Password").fill(ADMIN[1])
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    storage = page.evaluate("[localStorage.length, sessionStorage.length]")
    assert storage == [0, 0]
    readable = page.evaluate("document.cookie")
    assert "hexa_access" not in readable and "hexa_refresh" not in readable
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Hexa")).to_be_visible()
    me = page.request.get(f"{served.base}/api/v1/auth/me")
    assert me.status == 401


def test_throttled_sign_in_shows_the_wait(page: Any, served: Served) -> None:
    page.goto(served.ui)
    page.get_by_label("Email").fill("throttled@example.com")
    page.get_by_label("Password").fill("never the password")
    for _ in range(5):
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_have_text("wrong email or password")
        expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        re.compile(r"^Too many sign-in attempts. Try again in \d+ (minutes|seconds).$")
    )


def test_a_signed_out_deep_link_returns_there_after_sign_in(page: Any, served: Served) -> None:
    page.goto(f"{served.ui}#/audit?action=user.admin_created")
    expect(page.get_by_role("heading", name="Sign in to Hexa")).to_be_visible()
    page.get_by_label("Email").fill(ADMIN[0])
    page.get_by_label("Password").fill(ADMIN[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    assert page.url.endswith("#/audit?action=user.admin_created")
    expect(page.get_by_label("Action")).to_have_value("user.admin_created")
    expect(page.locator("tbody tr")).to_have_count(1)


def test_rotation_keeps_the_old_token_for_the_grace_and_revocation_ends_both(
    page: Any, served: Served, api: httpx.Client
) -> None:
    made = api.post("/api/admin/api-keys", json={"name": "rotated", "scopes": ["jobs:read"]})
    old = made.json()["token"]
    sign_in(page, served)
    open_screen(page, served, "keys", "API keys")
    page.get_by_role("button", name="Rotate rotated").click()
    rotate = page.get_by_role("dialog", name="Rotate rotated")
    rotate.get_by_label("Grace period").select_option(label="1 hour")
    rotate.get_by_role("button", name="Rotate").click()
    shown = page.get_by_role("dialog", name="Copy the new token")
    new = shown.get_by_label("New token").inner_text()
    shown.get_by_role("button", name="Close").click()
    probe = f"{served.base}/api/v1/jobs/none"
    for token in (old, new):  # 404: authenticated, and there is no such job
        assert httpx.get(probe, headers={"X-API-Key": token}).status_code == 404
    expect(page.get_by_role("row", name=re.compile("rotated"))).to_contain_text("old token until")

    page.get_by_role("button", name="Revoke rotated").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke key").click()
    expect(page.get_by_role("row", name=re.compile("rotated"))).to_contain_text("revoked")
    for token in (old, new):
        assert httpx.get(probe, headers={"X-API-Key": token}).status_code == 401


def test_an_admin_changes_a_role_but_cannot_demote_or_disable_themself(
    page: Any, served: Served, api: httpx.Client
) -> None:
    user = person(api, "ian@example.com", "viewer")
    sign_in(page, served)
    open_screen(page, served, "users", "Users")
    with page.expect_response(lambda r: r.request.method == "PATCH") as changed:
        page.get_by_label("Role of ian@example.com").select_option("inspector")
    assert changed.value.status == 200
    expect(page.get_by_label("Role of ian@example.com")).to_have_value("inspector")
    assert api.get(f"/api/admin/users/{user['id']}").json()["role"] == "inspector"
    page.get_by_role("button", name="Disable ian@example.com").click()
    expect(page.get_by_role("button", name="Enable ian@example.com")).to_be_visible()
    assert api.get(f"/api/admin/users/{user['id']}").json()["active"] is False

    expect(page.get_by_label(f"Role of {ADMIN[0]}")).to_be_disabled()
    expect(page.get_by_role("button", name=f"Disable {ADMIN[0]}")).to_be_disabled()
    assert axe_violations(page) == []


KINDS = [
    ("required", {}),
    ("min", {"Minimum": "10"}),
    ("max", {"Maximum": "90.5"}),
    ("range", {"Minimum": "1", "Maximum": "5"}),
    ("one_of", {"Allowed values (one per line)": "red\ngreen"}),
    ("regex", {"Pattern (RE2, whole value)": "[A-Z]{2}-\\d+"}),
    ("equals", {"Expected value": "ok"}),
]


def test_a_refused_regex_marks_its_field_with_the_servers_reason(page: Any, served: Served) -> None:
    sign_in(page, served)
    open_screen(page, served, "rules", "Rules")
    form = page.get_by_role("form", name="New rule")
    form.get_by_label("Name").fill("broken pattern")
    form.get_by_label("Reading key").fill("serial")
    form.get_by_label("Kind").select_option("regex")
    pattern = form.get_by_label("Pattern (RE2, whole value)")
    pattern.fill("(unclosed")
    form.get_by_role("button", name="Create rule").click()
    expect(pattern).to_have_attribute("aria-invalid", "true")
    expect(pattern).to_have_accessible_description(re.compile("not a valid RE2 expression"))
    expect(form.get_by_label("Name")).not_to_have_attribute("aria-invalid", "true")


# Big enough to span several 256 KiB reads of the stored packet (progress is saved after
# each), so the live feed shows the job midway.
INSPECTIONS = 30_000


def _packet(inspections: int) -> bytes:
    rows = ["inspection,subject,key,value,unit"]
    for n in range(inspections):
        rows.append(f"i{n},pump {n},pressure,{120 if n % 50 == 0 else 80},bar")
        rows.append(f"i{n},pump {n},colour,green,")
    return ("\n".join(rows) + "\n").encode()


def test_the_audit_log_pages_without_duplicates_filters_and_shows_detail(
    page: Any, served: Served, api: httpx.Client
) -> None:
    for n in range(30):
        api.post("/api/admin/api-keys", json={"name": f"audit {n}", "scopes": ["jobs:read"]})
    everything = []
    cursor = None
    while True:
        more = {"cursor": cursor} if cursor else {}
        page_of = api.get("/api/admin/audit", params={"limit": 200} | more).json()
        everything += [e["id"] for e in page_of["items"]]
        if not (cursor := page_of["next_cursor"]):
            break
    sign_in(page, served)
    open_screen(page, served, "audit", "Audit log")
    seen = every_page(page, "data-entry", page.get_by_role("button", name="Next page"))
    assert len(seen) == len(set(seen)) and seen[: len(everything)] == everything[: len(seen)]
    assert len(seen) >= len(everything)

    page.get_by_label("Action").fill("api_key.created")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"#/audit\?action=api_key.created$"))
    entries = page.locator("tbody tr[data-entry]")
    expect(entries.filter(has_not_text="api_key.created")).to_have_count(0)  # filtered view
    expect(entries).to_have_count(25)  # a full page of the 30 and more keys created
    page.get_by_role("button", name=re.compile("^Detail of api_key.created")).first.click()
    detail = page.get_by_role("dialog", name="api_key.created")
    expect(detail).to_contain_text("api_key:")
    assert axe_violations(page) == []
    detail.get_by_role("button", name="Close").click()
    expect(detail).to_be_hidden()
