"""The operator's console in a real browser: the Overview's numbers and charts, every job
listed and a failed one retried, a packet's findings browsed, the audit log in names, and
filtered lists that are links."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from hexa.domain.identity import new_id
from tests.browser.conftest import axe_violations, every_page, sign_in
from tests.browser.served import ADMIN, Served
from tests.browser.test_admin_ui import open_screen

pytestmark = pytest.mark.timeout(120)


def _judged(api: httpx.Client, subject: str, temp: float) -> dict[str, Any]:
    made = api.post(
        "/api/v1/inspections",
        json={"subject": subject, "readings": [{"key": "temp", "value": temp}]},
    ).json()
    job = api.post(f"/api/v1/inspections/{made['id']}/submit").json()
    _ended(api, job["job_id"])
    return made


def _ended(api: httpx.Client, job_id: str) -> None:
    for _ in range(200):
        if api.get(f"/api/v1/jobs/{job_id}").json()["status"] in ("done", "failed"):
            return
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not end")


@pytest.fixture(scope="module")
def scene(api: httpx.Client) -> dict[str, Any]:
    """A rule, two inspections judged (one fails, one passes) and a draft."""
    api.post(
        "/api/v1/rules",
        json={"name": "temp ceiling", "key": "temp", "kind": "max", "params": {"max": 60}},
    )
    return {
        "failed": _judged(api, "boiler 7 east", 71.5),
        "passed": _judged(api, "boiler 8", 20),
        "draft": api.post("/api/v1/inspections", json={"subject": "pump 2"}).json(),
    }


def test_the_overview_shows_what_the_api_says_in_charts_and_in_text(
    page: Any, served: Served, api: httpx.Client, scene: dict[str, Any]
) -> None:
    sign_in(page, served)
    page.goto(served.ui)
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    totals = api.get("/api/v1/stats/inspections").json()["totals"]
    assert totals["failed"] >= 1 and totals["passed"] >= 1 and totals["created"] >= 3
    for event in ("created", "submitted", "passed", "failed"):
        expect(page.locator(f'[data-tile="{event}"] .value')).to_have_text(str(totals[event]))
    expect(page.locator('[data-check="database"]')).to_contain_text("up")
    expect(page.locator('[data-tile="queue"] .value')).to_have_text("0")
    done = sum(m["done"] for m in api.get("/api/admin/overview").json()["jobs_per_minute"])
    expect(page.locator('[data-tile="jobs-done"] .value')).to_have_text(str(done))

    charts = page.locator("figure.chart")
    expect(charts).to_have_count(2)
    canvas = charts.nth(1).locator("canvas")
    expect(canvas).to_be_visible()
    inked = canvas.evaluate(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v !== 0)"
    )
    assert inked, "the chart's canvas is blank"
    inspections = charts.nth(1)
    inspections.get_by_role("button", name="Show the numbers").click()
    table = inspections.get_by_role("table")
    expect(table).to_be_visible()
    failed_column = [
        int(cell)
        for cell in table.locator("tbody tr").evaluate_all(
            "rows => rows.map(r => r.cells[4].textContent)"
        )
    ]
    assert sum(failed_column) == totals["failed"]
    rules = page.get_by_role("table", name="Rules that fail most")
    expect(rules).to_contain_text("temp ceiling")
    findings = api.get("/api/v1/stats/findings").json()["rules"]
    expect(rules.locator("tbody tr").first).to_contain_text(str(findings[0]["count"]))
    assert axe_violations(page) == []

    page.get_by_label("Range").select_option("7d")
    expect(page).to_have_url(re.compile(r"#/overview\?range=7d$"))
    expect(page.locator('[data-tile="failed"] .value')).to_have_text(str(totals["failed"]))


def _failed_job(served: Served, inspection_id: str) -> str:
    """A validation job that failed (as if the rules could not be read), with its
    inspection left submitted: written straight into the app's database."""
    job_id = new_id()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(served.directory / "hexa.db") as db:
        db.execute(
            "UPDATE inspections SET status = 'submitted', submitted_at = ?, version = version + 1"
            " WHERE id = ?",
            (now, inspection_id),
        )
        db.execute(
            "INSERT INTO job_outbox (id, kind, payload, total, created_at, dispatched_at, version,"
            " outcome, processed, started_at, finished_at, result, error, attempts, started_by)"
            " VALUES (?, 'validate_inspection', ?, 1, ?, ?, 2, 'failed', 0, ?, ?, '{}', ?, 3, ?)",
            (
                job_id,
                json.dumps({"inspection_id": inspection_id}),
                now,
                now,
                now,
                now,
                "the rules could not be read",
                "service:ops",
            ),  # fmt: skip
        )
    return job_id


def test_a_failed_job_is_found_by_filter_retried_and_ends_done(
    page: Any, served: Served, api: httpx.Client, scene: dict[str, Any]
) -> None:
    waiting = api.post(
        "/api/v1/inspections",
        json={"subject": "valve 3", "readings": [{"key": "temp", "value": 90}]},
    ).json()
    failed = _failed_job(served, waiting["id"])
    sign_in(page, served)
    open_screen(page, served, "jobs", "Jobs")
    page.get_by_label("Status").select_option("failed")
    expect(page).to_have_url(re.compile(r"#/jobs\?status=failed$"))
    row = page.locator(f'tr[data-job="{failed}"]')
    expect(row).to_contain_text("the rules could not be read")
    expect(page.locator("tbody tr[data-job]").filter(has_not_text="failed")).to_have_count(0)
    assert axe_violations(page) == []
    row.get_by_role("button", name=f"Retry job {failed}").click()

    expect(page.get_by_text("The job has ended: done.")).to_be_visible()
    assert api.get(f"/api/v1/inspections/{waiting['id']}").json()["status"] == "failed"
    listed = api.get("/api/admin/jobs", params={"status": "done"}).json()["items"]
    assert any(j["retry_of"] == failed for j in listed)
    open_screen(page, served, "jobs", "Jobs")
    page.get_by_label("Status").select_option("failed")
    page.locator(f'tr[data-job="{failed}"]').get_by_role(
        "button", name=re.compile("^Retry")
    ).click()
    expect(page.get_by_role("alert")).to_contain_text("retried already")


def _packet_job(api: httpx.Client, rows: list[str]) -> str:
    """The id of a packet job of these CSV rows, once it has ended."""
    body = "\n".join(["inspection,subject,key,value,unit", *rows]) + "\n"
    response = api.post("/api/v1/packets", files={"file": ("pumps.csv", body, "text/csv")})
    job_id: str = response.json()["job_id"]
    _ended(api, job_id)
    return job_id


def test_a_packets_findings_are_browsed_by_filter_a_page_at_a_time(
    page: Any, served: Served, api: httpx.Client, scene: dict[str, Any]
) -> None:
    job_id = _packet_job(
        api, [f"p{n},pump {n},temp,{95 if n % 3 == 0 else 40},C" for n in range(30)]
    )
    sign_in(page, served)
    page.goto(f"{served.ui}#/jobs/{job_id}")
    expect(page.get_by_label("Job status")).to_have_text("done")
    findings = page.locator("tr[data-position]")
    expect(findings).to_have_count(10)  # every third pump is too hot
    page.get_by_label("Inspection").fill("p3")
    page.get_by_role("button", name="Filter").click()
    expect(findings).to_have_count(1)
    expect(findings.first).to_contain_text("p3")
    page.get_by_label("Inspection").fill("")
    page.get_by_label("Severity").select_option("warning")
    expect(page.get_by_text("No findings match.")).to_be_visible()
    assert axe_violations(page) == []


def test_paging_findings_never_repeats_a_row(
    page: Any, served: Served, api: httpx.Client, scene: dict[str, Any]
) -> None:
    job_id = _packet_job(api, [f"q{n},pump {n},temp,99,C" for n in range(60)])
    sign_in(page, served)
    page.goto(f"{served.ui}#/jobs/{job_id}")
    findings = page.locator("tr[data-position]")
    expect(findings).to_have_count(25)
    pager = page.get_by_role("navigation", name="Findings pages")
    seen = every_page(page, "data-position", pager.get_by_role("button", name="Next page"))
    assert len(seen) == 60 == len(set(seen))


def test_the_audit_log_reads_in_names_with_the_raw_id_in_a_tooltip(
    page: Any, served: Served, api: httpx.Client
) -> None:
    key = api.post("/api/admin/api-keys", json={"name": "audit names key", "scopes": ["jobs:read"]})
    kid = key.json()["kid"]
    sign_in(page, served)
    open_screen(page, served, "audit", "Audit log")
    row = page.locator("tbody tr[data-entry]", has_text="api_key.created").first
    target = row.get_by_role("link", name="audit names key")
    expect(target).to_have_attribute("title", f"api_key:{kid}")
    actor = row.get_by_role("link", name=ADMIN[0])
    expect(actor).to_have_attribute("title", re.compile(r"^user:"))
    raw = actor.get_attribute("title")
    row.get_by_role("button", name=f"only these: entries by {ADMIN[0]}").click()
    expect(page).to_have_url(re.compile(r"actor=user%3A"))
    expect(page.get_by_label("Actor")).to_have_value(raw)
    actor = page.locator("tbody tr[data-entry]").first.get_by_role("link", name=ADMIN[0])
    actor.click()
    expect(page.get_by_role("heading", name=ADMIN[0], level=1)).to_be_visible()
    assert axe_violations(page) == []


def test_a_filtered_inspection_list_is_a_link_that_survives_a_reload(
    page: Any, served: Served, scene: dict[str, Any]
) -> None:
    sign_in(page, served)
    page.goto(f"{served.ui}#/inspections?q=BOILER&verdict=failed")
    expect(page.get_by_label("Search", exact=True)).to_have_value("BOILER")
    expect(page.get_by_label("Verdict")).to_have_value("failed")
    table = page.locator("table").last
    expect(table.get_by_role("link", name="boiler 7 east")).to_be_visible()
    expect(table.get_by_role("link", name="boiler 8")).to_have_count(0)
    page.reload()
    expect(table.get_by_role("link", name="boiler 7 east")).to_be_visible()
    page.get_by_label("Search", exact=True).fill("boiler")
    page.get_by_label("Verdict").select_option("")
    expect(table.get_by_role("link", name="boiler 8")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=boiler"))
    assert axe_violations(page) == []
