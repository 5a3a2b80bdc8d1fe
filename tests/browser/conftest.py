"""Browser tests of the admin UI: the system Chromium, driven by Playwright (pytest-playwright's
session browser), against one real `hexa serve` per module.

Chromium comes from the OS packages (`make test` runs scripts/chromium.sh); Playwright cannot
download browsers here. Without it the tests skip when it cannot be installed (not root, or
no apt-get) and fail when it could have been, so `make test` as root never passes them by.
Any console error or CSP violation fails the test that caused it; the API's refusals the UI
expects (a 4xx from `/api/` or `/ws/`) are the only console lines let through.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserType, Playwright, expect, sync_playwright

from hexa.bootstrap.families import kept
from tests.browser.served import ADMIN, Served, serve
from tests.servers import S3Server, redis_server_url

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
# Chromium logs every 4xx answer to fetch as a console error; the API's refusals are part
# of the flows under test (401 before sign-in, 409 shown beside a field), nothing else is.
REFUSAL = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")
REPORT_CSP = """
document.addEventListener('securitypolicyviolation', (e) =>
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`));
"""


def _chromium_or_skip() -> None:
    if os.path.exists(CHROMIUM):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        pytest.fail(f"no {CHROMIUM}, and root could install it: run scripts/chromium.sh")
    pytest.skip(f"no {CHROMIUM} and not root to install it (apt-get install chromium)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    _chromium_or_skip()
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ARGS}


# pytest-playwright keeps its Playwright (and so the sync API's event loop) for the whole
# session; pytest-asyncio cannot run a test while that loop is current. These overrides
# scope Playwright and the browser to this package's modules, so the loop goes with them.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser_type(playwright: Playwright) -> BrowserType:
    return playwright.chromium


@pytest.fixture(scope="module")
def browser(
    browser_type: BrowserType, browser_type_launch_args: dict[str, Any]
) -> Iterator[Browser]:
    launched = browser_type.launch(**browser_type_launch_args)
    yield launched
    launched.close()


@pytest.fixture(scope="module")
def browser_context_args() -> dict[str, Any]:
    return {"permissions": ["clipboard-read", "clipboard-write"]}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    _chromium_or_skip()
    with serve(tmp_path_factory.mktemp("admin-ui")) as running:
        yield running


@pytest.fixture(scope="module")
def served_with_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The production shape, for watching a job live: the app, Redis and a worker (or,
    in a project made without the worker, the app running its jobs itself)."""
    _chromium_or_skip()
    if not kept("arq"):
        with serve(tmp_path_factory.mktemp("admin-ui")) as running:
            yield running
        return
    import redis

    with redis_server_url() as url:
        redis.Redis.from_url(url).flushdb()
        with serve(tmp_path_factory.mktemp("admin-ui-arq"), url) as running:
            yield running


@pytest.fixture(scope="module")
def served_with_s3(tmp_path_factory: pytest.TempPathFactory, s3: S3Server) -> Iterator[Served]:
    """The app with BLOB_BACKEND=s3 on moto's S3 server: the browser uploads to it and
    previews from it, another origin (moto answers CORS for any)."""
    _chromium_or_skip()
    bucket = f"hexa-ui-{uuid.uuid4().hex[:12]}"
    s3.client().create_bucket(Bucket=bucket)
    with serve(tmp_path_factory.mktemp("admin-ui-s3"), **s3.environment(bucket)) as running:
        yield running


@contextmanager
def admin_api(served: Served) -> Iterator[httpx.Client]:
    """The admin, through the API: to set the scene and to check what the UI did."""
    with httpx.Client(base_url=served.base, timeout=10) as client:
        login = client.post("/api/v1/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]})
        assert login.status_code == 200, login.text
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        client.cookies.clear()
        yield client


@pytest.fixture(scope="module")
def api(served: Served) -> Iterator[httpx.Client]:
    with admin_api(served) as client:
        yield client


@pytest.fixture
def page(page: Any) -> Iterator[Any]:
    """pytest-playwright's page (a fresh context per test), failing on console errors."""
    errors: list[str] = []

    def console(message: Any) -> None:
        url = message.location.get("url", "")
        expected = REFUSAL.match(message.text) and ("/api/" in url or "/ws/" in url)
        if message.type == "error" and not expected:
            errors.append(f"{message.text} ({url})")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.add_init_script(REPORT_CSP)
    yield page
    if errors:
        pytest.fail("console errors:\n" + "\n".join(errors))


def sign_in(page: Any, served: Served, email: str = ADMIN[0], password: str = ADMIN[1]) -> None:
    """Signs the page's context in through the API (the cookies land in the context)."""
    answer = page.request.post(
        f"{served.base}/api/v1/auth/login", data={"email": email, "password": password}
    )
    assert answer.ok, answer.text()


def every_page(page: Any, attribute: str, next_page: Any) -> list[str | None]:
    """The `attribute` of every row carrying it, page after page, clicking `next_page`
    until it is disabled; each click waits for the first row to change."""
    rows = page.locator(f"tbody tr[{attribute}]")
    seen: list[str | None] = []
    while True:
        expect(rows.first).to_be_visible()
        seen += [row.get_attribute(attribute) for row in rows.all()]
        if next_page.is_disabled():
            return seen
        first = rows.first.get_attribute(attribute)
        next_page.click()
        expect(rows.first).not_to_have_attribute(attribute, first)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of what the page shows now. Injected by
    evaluation: the CSP refuses a script tag, as it should."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    found: list[dict[str, Any]] = page.evaluate(
        "axe.run(document).then(r => r.violations.map(v => "
        "({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))})))"
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]
