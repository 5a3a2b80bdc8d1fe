"""The admin UI in a real browser: each operator task, its refusals, and what the API saw."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import admin_api, axe_violations, sign_in
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

    expect(page.get_by_role("heading", name="API keys", level=1)).to_be_visible()
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


def test_a_viewer_sees_no_control_that_changes_data(
    page: Any, served: Served, api: httpx.Client
) -> None:
    person(api, "vera@example.com", "viewer")
    api.post("/api/v1/rules", json={"name": "seen by vera", "key": "k", "kind": "required"})
    sign_in(page, served, "vera@example.com", PASSWORD)
    page.goto(served.ui)
    expect(page.get_by_role("heading", name="Rules", level=1)).to_be_visible()
    nav = page.get_by_role("navigation", name="Screens")
    expect(nav.get_by_role("link")).to_have_text(["Rules", "Inspections", "Jobs"])
    expect(page.get_by_role("cell", name="seen by vera")).to_be_visible()
    for screen, heading in (("rules", "Rules"), ("inspections", "Inspections"), ("jobs", "Jobs")):
        open_screen(page, served, screen, heading)
        changes = page.get_by_role("button", name=re.compile(r"Create|Save|Edit|Delete|Disable"))
        expect(changes).to_have_count(0)
        assert axe_violations(page) == []
    page.goto(f"{served.ui}#/keys")
    expect(page.get_by_role("heading", name="Not here")).to_be_visible()


def test_a_created_key_is_copied_works_and_leaves_the_page_when_closed(
    page: Any, served: Served, api: httpx.Client
) -> None:
    sign_in(page, served)
    open_screen(page, served, "keys", "API keys")
    page.get_by_label("Name").fill("line 7 scanner")
    page.get_by_role("checkbox", name="rules:read").check()
    page.get_by_label("Expires").select_option("7")
    page.get_by_role("button", name="Create key").click()

    dialog = page.get_by_role("dialog", name="Copy the new token")
    expect(dialog).to_contain_text("will not be shown again")
    assert axe_violations(page) == []
    dialog.get_by_role("button", name="Copy token").click()
    expect(dialog.get_by_role("status")).to_have_text("Copied.")
    token = page.evaluate("navigator.clipboard.readText()")
    assert token.startswith("hxk_")
    assert httpx.get(f"{served.base}/api/v1/rules", headers={"X-API-Key": token}).status_code == 200
    dialog.get_by_role("button", name="Close").click()

    expect(dialog).to_be_hidden()
    assert token not in page.content()
    row = page.get_by_role("row", name=re.compile("line 7 scanner"))
    expect(row).to_contain_text("expires soon")
    expect(row).to_contain_text("inspections:read, rules:read")


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


def test_a_rule_of_each_kind_is_created_edited_toggled_and_deleted(
    page: Any, served: Served, api: httpx.Client
) -> None:
    sign_in(page, served)
    open_screen(page, served, "rules", "Rules")
    form = page.get_by_role("form", name="New rule")
    for kind, fields in KINDS:
        form.get_by_label("Name").fill(f"every {kind}")
        form.get_by_label("Reading key").fill(f"{kind}_key")
        form.get_by_label("Kind").select_option(kind)
        for label, value in fields.items():
            form.get_by_label(label).fill(value)
        form.get_by_role("button", name="Create rule").click()
        expect(page.get_by_role("cell", name=f"every {kind}", exact=True)).to_be_visible()
    stored = {r["kind"]: r["params"] for r in api.get("/api/v1/rules").json()["items"]}
    assert stored == {
        "required": {}, "min": {"min": 10}, "max": {"max": 90.5}, "range": {"min": 1, "max": 5},
        "one_of": {"options": ["red", "green"]}, "regex": {"pattern": "[A-Z]{2}-\\d+"},
        "equals": {"expected": "ok"},
    }  # fmt: skip
    assert axe_violations(page) == []

    page.get_by_role("button", name="Edit every max").click()
    edit = page.get_by_role("form", name="Edit every max")
    edit.get_by_label("Maximum").fill("75")
    edit.get_by_role("button", name="Save rule").click()
    expect(page.get_by_role("row", name=re.compile("every max"))).to_contain_text("max: 75")
    page.get_by_role("button", name="Disable every min").click()
    expect(page.get_by_role("button", name="Enable every min")).to_be_visible()
    page.get_by_role("button", name="Delete every equals").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete rule").click()
    expect(page.get_by_role("cell", name="every equals", exact=True)).to_have_count(0)
    after = {r["name"]: r for r in api.get("/api/v1/rules").json()["items"]}
    assert "every equals" not in after
    assert after["every max"]["params"] == {"max": 75} and after["every min"]["enabled"] is False


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


def test_an_inspection_is_drafted_submitted_and_judged(
    page: Any, served: Served, api: httpx.Client
) -> None:
    api.post("/api/v1/rules", json={"name": "temp ceiling", "key": "temp", "kind": "max",
                                    "params": {"max": 60}})  # fmt: skip
    sign_in(page, served)
    open_screen(page, served, "inspections", "Inspections")
    page.get_by_label("Subject").fill("boiler 7")
    page.get_by_label("Reading 1 key").fill("temp")
    page.get_by_label("Reading 1 value").fill("71.5")
    page.get_by_label("Reading 1 unit").fill("C")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name="Inspection of boiler 7")).to_be_visible()
    page.get_by_role("button", name="Submit for validation").click()

    expect(page.get_by_text("The job has ended: done.")).to_be_visible()
    expect(page.get_by_role("table", name="Findings")).to_contain_text("temp ceiling")
    expect(page.get_by_label("Summary")).to_contain_text("failed")
    expect(page.locator(".badge", has_text="failed")).to_be_visible()
    assert axe_violations(page) == []
    open_screen(page, served, "inspections", "Inspections")
    page.get_by_label("Status").select_option("failed")
    expect(page.get_by_role("link", name="boiler 7")).to_be_visible()
    page.get_by_label("Status").select_option("draft")
    expect(page.get_by_role("link", name="boiler 7")).to_have_count(0)


# Big enough to span several 256 KiB reads of the stored packet (progress is saved after
# each), so the live feed shows the job midway.
INSPECTIONS = 30_000


def _packet(inspections: int) -> bytes:
    rows = ["inspection,subject,key,value,unit"]
    for n in range(inspections):
        rows.append(f"i{n},pump {n},pressure,{120 if n % 50 == 0 else 80},bar")
        rows.append(f"i{n},pump {n},colour,green,")
    return ("\n".join(rows) + "\n").encode()


def test_a_packet_runs_live_to_a_report_that_downloads(
    page: Any, served_with_worker: Served
) -> None:
    served = served_with_worker
    with admin_api(served) as api:
        api.post("/api/v1/rules", json={"name": "pressure cap", "key": "pressure", "kind": "max",
                                        "params": {"max": 100}})  # fmt: skip
    sign_in(page, served)
    open_screen(page, served, "packets", "Packets")
    page.get_by_label("Packet file (CSV or JSON lines)").set_input_files(
        {"name": "pumps.csv", "mimeType": "text/csv", "buffer": _packet(INSPECTIONS)}
    )
    page.get_by_role("button", name="Upload and validate").click()

    expect(page.get_by_text("The job has ended: done.")).to_be_visible(timeout=60_000)
    expect(page.get_by_label("Job status")).to_have_text("done")
    updates = page.get_by_role("list", name="Progress updates").get_by_role("listitem")
    seen = [re.search(r"(\w+) (\d+): \w+, (\d+) / (\d+)", t) for t in updates.all_inner_texts()]
    assert seen[0] and seen[0][1] == "snapshot"
    sequences = [int(m[2]) for m in seen if m]
    assert sequences == sorted(set(sequences)), "updates in rising sequence order"
    midway = [m for m in seen if m and 0 < int(m[3]) < int(m[4])]
    assert midway, f"no progress seen midway: {[m[0] for m in seen if m]}"
    assert not any("heartbeat" in t for t in updates.all_inner_texts())

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(csv_download.value.path()).read_text())))
    assert len(rows) == INSPECTIONS // 50 and {r["rule_name"] for r in rows} == {"pressure cap"}
    with page.expect_download() as json_download:
        page.get_by_role("link", name="Download JSON").click()
    report = json.loads(Path(json_download.value.path()).read_text())
    assert len(report["findings"]) == INSPECTIONS // 50 and report["summary"]["verdict"] == "failed"
    assert axe_violations(page) == []

    job_id = page.url.rsplit("/", 1)[1]
    open_screen(page, served, "jobs", "Jobs")
    page.get_by_label("Job id").fill("no-such-job")
    page.get_by_role("button", name="Open job").click()
    expect(page.get_by_label("Job id")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Job id").fill(job_id)
    page.get_by_role("button", name="Open job").click()
    expect(page.get_by_label("Job status")).to_have_text("done")
    expect(page.get_by_label("Summary")).to_contain_text(str(INSPECTIONS))


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
    seen: list[str] = []
    next_page = page.get_by_role("button", name="Next page")
    while True:
        rows = page.locator("tbody tr[data-entry]")
        expect(rows.first).to_be_visible()
        seen += [r.get_attribute("data-entry") for r in rows.all()]
        if next_page.is_disabled():
            break
        first = rows.first.get_attribute("data-entry")
        next_page.click()
        expect(rows.first).not_to_have_attribute("data-entry", first)
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


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_screen_has_no_serious_accessibility_violation(
    page: Any, served: Served, scheme: str
) -> None:
    page.emulate_media(color_scheme=scheme)
    sign_in(page, served)
    screens = {"keys": "API keys", "users": "Users", "rules": "Rules",
               "inspections": "Inspections", "packets": "Packets", "jobs": "Jobs",
               "audit": "Audit log"}  # fmt: skip
    found = {}
    for screen, heading in screens.items():
        open_screen(page, served, screen, heading)
        expect(page.get_by_role("status")).to_have_count(0)  # loaded
        found[screen] = axe_violations(page)
    assert found == dict.fromkeys(screens, [])
