"""`make screenshots`: the admin UI's main screens as PNG, light and dark, for the README.

Serves a throw-away app (SQLite in a temporary directory, as the browser tests do), sets a
small scene through the API, and has the system Chromium render each screen into
docs/screenshots/<screen>-<light|dark>.png.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

TOP = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TOP))  # the browser tests' served app and launch settings

from tests.browser.conftest import ARGS, CHROMIUM  # noqa: E402
from tests.browser.served import ADMIN, Served, serve  # noqa: E402

OUT = TOP / "docs" / "screenshots"
SCREENS = {"overview": "Overview", "keys": "API keys", "users": "Users", "rules": "Rules",
           "inspections": "Inspections", "packets": "Packets", "jobs": "Jobs",
           "audit": "Audit log"}  # fmt: skip


def scene(served: Served) -> str | None:
    """Sets the scene; answers a packet job's id, whose findings are worth a picture."""
    with httpx.Client(base_url=served.base, timeout=10) as api:
        login = api.post("/api/v1/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]})
        api.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        api.cookies.clear()
        for name, scopes in (("line 3 scanner", ["inspections:write"]), ("reports", ["jobs:read"])):
            api.post("/api/admin/api-keys", json={"name": name, "scopes": scopes})
        for body in (
            {"name": "temperature ceiling", "key": "temp", "kind": "max", "params": {"max": 60}},
            {"name": "serial format", "key": "serial", "kind": "regex",
             "params": {"pattern": "[A-Z]{2}-\\d+"}},
        ):  # fmt: skip
            api.post("/api/v1/rules", json=body)
        api.post("/api/v1/inspections", json={"subject": "boiler 7", "inspector": "ana",
                 "readings": [{"key": "temp", "value": 71.5, "unit": "C"}]})  # fmt: skip
        for n, temp in enumerate((71.5, 20, 64, 18, 55)):
            made = api.post(
                "/api/v1/inspections",
                json={"subject": f"boiler {10 + n}", "readings": [{"key": "temp", "value": temp}]},
            ).json()
            api.post(f"/api/v1/inspections/{made['id']}/submit")  # fmt: skip
        rows = ["inspection,subject,key,value,unit"]
        for n in range(40):  # an inspection's rows together, as a packet has them
            rows.append(f"p{n},pump {n},temp,{90 if n % 4 == 0 else 40},C")
            rows.append(f"p{n},pump {n},serial,{'xx' if n % 6 == 0 else 'AB-12'},")
        packet = api.post(
            "/api/v1/packets", files={"file": ("pumps.csv", "\n".join(rows), "text/csv")}
        )
        registered = api.post(
            "/api/v1/auth/register", json={"email": "ian@example.com", "password": "x" * 16}
        ).json()
        api.post("/api/v1/auth/verify", json={"token": registered["verification_token"]})
        job: str | None = packet.json().get("job_id")
        for _ in range(100):
            if job is None or api.get(f"/api/v1/jobs/{job}").json()["status"] == "done":
                break
            time.sleep(0.1)
        return job


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory, serve(Path(directory)) as served:
        packet_job = scene(served)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for scheme in ("light", "dark"):
                context = browser.new_context(
                    color_scheme=scheme, viewport={"width": 1280, "height": 800}
                )
                page = context.new_page()
                page.goto(served.ui)
                page.get_by_role("heading", name="Sign in to Hexa").wait_for()
                page.screenshot(path=OUT / f"sign-in-{scheme}.png")
                page.request.post(
                    f"{served.base}/api/v1/auth/login",
                    data={"email": ADMIN[0], "password": ADMIN[1]},
                )
                page.reload()  # the page learns of the session when it loads
                for screen, heading in SCREENS.items():
                    page.goto(f"{served.ui}#/{screen}")
                    page.get_by_role("heading", name=heading, level=1).wait_for()
                    page.get_by_role("status").wait_for(state="detached")
                    if screen == "overview":
                        page.locator("figure.chart canvas").first.wait_for()
                    page.screenshot(path=OUT / f"{screen}-{scheme}.png", full_page=True)
                if packet_job:
                    page.goto(f"{served.ui}#/jobs/{packet_job}")
                    page.locator("tr[data-position]").first.wait_for()
                    page.screenshot(path=OUT / f"job-findings-{scheme}.png", full_page=True)
                context.close()
            browser.close()
    print(f"screenshots in {OUT.relative_to(TOP)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
