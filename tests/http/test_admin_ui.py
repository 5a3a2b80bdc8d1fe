"""`/admin-ui`: its files are served with the strict headers on every answer, and the
files themselves keep the promises the CSP relies on."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from hexa.drivers.http.admin_ui import DEFAULT_DIRECTORY, content_security_policy

UI = DEFAULT_DIRECTORY
STRICT = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def assert_strict(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    for directive in (
        "default-src 'none'", "script-src 'self'", "style-src 'self'",
        "img-src 'self' data:", "form-action 'self'", "frame-ancestors 'none'",
        "base-uri 'none'", "object-src 'none'",
    ):  # fmt: skip
        assert directive in csp, (response.url, csp)
    assert "unsafe" not in csp
    for name, value in STRICT.items():
        assert response.headers[name] == value, (response.url, name)


@pytest.mark.parametrize(
    "path", ["/admin-ui/", "/admin-ui/index.html", "/admin-ui/app.js", "/admin-ui/app.css",
             "/admin-ui/vendor/preact-htm.js", "/admin-ui/favicon.svg"],
)  # fmt: skip
async def test_every_file_carries_the_strict_headers(
    anonymous: httpx.AsyncClient, path: str
) -> None:
    response = await anonymous.get(path)
    assert response.status_code == 200
    assert_strict(response)
    html = response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == ("no-store" if html else "no-cache")


async def test_refusals_and_the_redirect_carry_them_too(anonymous: httpx.AsyncClient) -> None:
    missing = await anonymous.get("/admin-ui/nope.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert_strict(missing)
    refused = await anonymous.post("/admin-ui/app.js")
    assert refused.status_code == 405
    assert_strict(refused)
    bare = await anonymous.get("/admin-ui")
    assert bare.status_code == 308 and bare.headers["location"] == "/admin-ui/"
    assert_strict(bare)


def test_the_job_feed_origin_is_allowed_only_for_a_plain_host() -> None:
    assert "connect-src 'self' ws://app.example:8000 wss://app.example:8000;" in (
        content_security_policy("app.example:8000")
    )
    for hostile in ("evil.example; script-src *", "a b", "", None):
        assert "connect-src 'self';" in content_security_policy(hostile)


def test_the_pages_hold_no_inline_script_handler_or_style() -> None:
    for page in UI.rglob("*.html"):
        text = page.read_text()
        assert not re.search(r"<script(\s[^>]*)?>[^<\s]", text), page
        assert not re.search(r"\son[a-z]+=|\sstyle=|<style", text, re.IGNORECASE), page


def test_no_module_touches_web_storage_or_html_strings() -> None:
    for module in [*UI.glob("*.js"), *UI.glob("screens/*.js")]:
        text = module.read_text()
        for banned in ("localStorage", "sessionStorage", "innerHTML", "eval(", "new Function"):
            assert banned not in text, (module.name, banned)


def test_every_vendored_file_names_its_version_and_licence() -> None:
    vendored = {
        UI / "vendor": ["preact-htm.js"],
        Path(__file__).parents[1] / "browser" / "vendor": ["axe.min.js"],
    }
    for folder, files in vendored.items():
        versions = (folder / "VERSIONS").read_text()
        for name in files:
            assert re.search(rf"^{re.escape(name)}\s+\S+ \d+\.\d+\.\d+", versions, re.M), name
            licences = re.findall(r"\(([\w.-]+LICENSE[\w.-]*)\)", versions)
            assert licences and all((folder / f).is_file() for f in licences), folder


async def test_the_screen_modules_are_listed_for_the_shell(anonymous: httpx.AsyncClient) -> None:
    listed = await anonymous.get("/admin-ui/screens/index.json")

    assert listed.status_code == 200
    assert listed.json() == sorted(p.name for p in (UI / "screens").glob("*.js"))
    assert {"keys.js", "users.js", "jobs.js", "audit.js"} <= set(listed.json())
    assert listed.headers["content-security-policy"].startswith("default-src 'none'")
