"""`/admin-ui`: the admin UI's static files, served as they are, under a strict CSP.

The UI is one more client of the public API (`static/admin-ui/`, no build step), so this
module only serves files and sets the headers that keep a page honest: no inline script
or style, nothing framed, no referrer, and the HTML never cached (it is the page that
decides which script runs). Every answer under the prefix carries them, refusals too.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hexa.config import Settings
from hexa.drivers.http.problems import problem_response

PREFIX = "/admin-ui"
# The source tree's copy; a deployment that installs the package elsewhere sets ADMIN_UI_DIR.
DEFAULT_DIRECTORY = Path(__file__).resolve().parents[4] / "static" / "admin-ui"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:{store}; "
    "connect-src 'self'{sockets}{store}; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
# A Host header that can only name a host and port: anything else gets no WebSocket origin
# of its own (CSP 3 browsers match ws: to 'self' anyway).
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?")
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), clipboard-write=(self)",
}

log = logging.getLogger(__name__)


def content_security_policy(host: str | None, store: str = "") -> str:
    """The CSP, with the page's own WebSocket origins in `connect-src` (the job feed) and
    `store`, the blob store's origins, where attachments go up and previews come from."""
    sockets = f" ws://{host} wss://{host}" if host and _HOST.fullmatch(host) else ""
    return CSP.format(sockets=sockets, store=f" {store}" if store else "")


def store_origins(settings: Settings) -> str:
    """The origins presigned links point at with BLOB_BACKEND=s3 (none otherwise: the
    app's own routes serve the other stores)."""
    if settings.blob_backend != "s3":
        return ""
    endpoint = settings.s3_public_endpoint or settings.s3_endpoint
    if endpoint:
        url = urlsplit(endpoint)
        return f"{url.scheme}://{url.netloc}"
    # AWS: the bucket's virtual host, with and without the region in it, and the path
    # style botocore falls back to for a bucket name with dots.
    bucket, region = settings.s3_bucket, settings.resolved_s3_region
    return (
        f"https://{bucket}.s3.{region}.amazonaws.com https://{bucket}.s3.amazonaws.com "
        f"https://s3.{region}.amazonaws.com"
    )


class _Headed:
    """An ASGI app whose answers carry the UI's headers."""

    def __init__(self, app: ASGIApp, store: str = "") -> None:
        self._app = app
        self._store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.update(HEADERS)
                headers["Content-Security-Policy"] = content_security_policy(host, self._store)
                html = headers.get("content-type", "").startswith("text/html")
                # Scripts and styles revalidate (ETag); the HTML is never stored.
                headers["Cache-Control"] = "no-store" if html else "no-cache"
            await send(message)

        await self._app(scope, receive, send_with_headers)


class _Files:
    """`StaticFiles` that answers its refusals (404, 405) as problems itself, so that they
    pass through `_Headed` instead of the app's exception handlers."""

    def __init__(self, directory: Path) -> None:
        self._files = StaticFiles(directory=directory, html=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._files(scope, receive, send)
        except HTTPException as error:
            headers = dict(error.headers or {})
            refusal = problem_response(error.status_code, str(error.detail), headers=headers)
            await refusal(scope, receive, send)


def install(app: FastAPI, settings: Settings) -> None:
    """Mounts the UI at `/admin-ui/` (and sends `/admin-ui` there), when its files exist,
    with the list of its screen modules (`screens/index.json`): the shell loads each."""
    directory = Path(settings.admin_ui_dir) if settings.admin_ui_dir else DEFAULT_DIRECTORY
    if not (directory / "index.html").is_file():
        log.warning("admin UI not served: no index.html in %s (set ADMIN_UI_DIR)", directory)
        return
    to_the_ui = RedirectResponse(f"{PREFIX}/", status_code=308)
    app.router.routes.append(Route(PREFIX, _Headed(to_the_ui), include_in_schema=False))
    listing = JSONResponse(sorted(p.name for p in (directory / "screens").glob("*.js")))
    app.router.routes.append(
        Route(f"{PREFIX}/screens/index.json", _Headed(listing), include_in_schema=False)
    )
    files = _Headed(_Files(directory), store_origins(settings))
    app.router.routes.append(Mount(PREFIX, app=files, name="admin-ui"))
