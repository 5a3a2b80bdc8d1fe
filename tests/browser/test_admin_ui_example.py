"""The tests of admin_ui that go through the example domain (inspections, rules, packets): left out with it."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from hexa.bootstrap.families import kept
from tests.browser.conftest import admin_api, axe_violations, sign_in
from tests.browser.served import Served
from tests.browser.test_admin_ui import INSPECTIONS, KINDS, PASSWORD, _packet, open_screen, person


def test_a_viewer_sees_no_control_that_changes_data(
    page: Any, served: Served, api: httpx.Client
) -> None:
    person(api, "vera@example.com", "viewer")
    api.post("/api/v1/rules", json={"name": "seen by vera", "key": "k", "kind": "required"})
    sign_in(page, served, "vera@example.com", PASSWORD)
    page.goto(served.ui)
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    nav = page.get_by_role("navigation", name="Screens")
    expect(nav.get_by_role("link")).to_have_text(["Overview", "Rules", "Inspections", "Jobs"])
    open_screen(page, served, "rules", "Rules")
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


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_screen_has_no_serious_accessibility_violation(
    page: Any, served: Served, scheme: str
) -> None:
    page.emulate_media(color_scheme=scheme)
    sign_in(page, served)
    screens = {"overview": "Overview", "keys": "API keys", "users": "Users", "rules": "Rules",
               "inspections": "Inspections", "packets": "Packets", "jobs": "Jobs",
               "audit": "Audit log"}  # fmt: skip
    found = {}
    for screen, heading in screens.items():
        open_screen(page, served, screen, heading)
        expect(page.get_by_role("status")).to_have_count(0)  # loaded
        found[screen] = axe_violations(page)
    assert found == dict.fromkeys(screens, [])


# A 2x2 PNG that a browser decodes, so the preview shows an image, not a broken one.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg=="
)


@pytest.mark.parametrize("store", ["served", *(["served_with_s3"] if kept("s3") else [])])
def test_an_image_is_attached_previewed_downloaded_and_deleted(
    page: Any, request: pytest.FixtureRequest, store: str
) -> None:
    served: Served = request.getfixturevalue(store)
    with admin_api(served) as api:
        made = api.post("/api/v1/inspections", json={"subject": f"pump {store}"}).json()
    sign_in(page, served)
    page.goto(f"{served.ui}#/inspections/{made['id']}")
    expect(page.get_by_role("heading", name="Attachments")).to_be_visible()
    expect(page.get_by_text("No attachments.")).to_be_visible()
    page.get_by_label("Attach a file").set_input_files(
        {"name": "gauge ../reading.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_role("button", name="Upload").click()

    link = page.get_by_role("link", name="reading.png")
    expect(link).to_be_visible()
    preview = page.get_by_role("img", name="Preview of reading.png")
    expect(preview).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 2", arg=preview.element_handle()
    )
    with page.expect_download() as download:
        link.click()
    assert Path(download.value.path()).read_bytes() == PNG
    assert axe_violations(page) == []

    page.get_by_role("button", name="Delete reading.png").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No attachments.")).to_be_visible()
    with admin_api(served) as api:
        listed = api.get(f"/api/v1/inspections/{made['id']}/attachments").json()
    assert listed["items"] == []
