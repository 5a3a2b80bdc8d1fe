"""Links handed to clients: a link the app serves itself is made absolute from the
request (its scheme and host, after the proxy headers uvicorn trusts)."""

from __future__ import annotations

from fastapi import Request


def absolute(request: Request, url: str) -> str:
    if url.startswith("/"):
        return str(request.base_url).rstrip("/") + url
    return url
