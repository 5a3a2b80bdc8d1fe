"""Who is calling, and may they: credentials from the request, scopes per route.

People send `Authorization: Bearer <JWT>` (or the HTTP-only cookie set at login);
machines send `X-API-Key: <token>` (or `Authorization: Bearer <api-key token>`). Missing
or bad credentials answer 401; a known caller without the route's scope answers 403.
Cookie-authenticated requests that change state must echo the CSRF cookie in a header
(double-submit), since a browser attaches cookies to cross-site requests by itself.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from hexa.domain.access import ADMIN, JOBS_READ, Principal, Scope
from hexa.domain.api_keys import looks_like_api_key
from hexa.domain.errors import Forbidden, Unauthenticated
from hexa.drivers.http.dependencies import Services, services_of

ACCESS_COOKIE = "hexa_access"
REFRESH_COOKIE = "hexa_refresh"
CSRF_COOKIE = "hexa_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_csrf(request: Request) -> None:
    """Refuses a state-changing request whose CSRF header does not echo its cookie."""
    if request.method in SAFE_METHODS:
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), header.encode()):
        raise Forbidden(
            f"cookie sessions must echo the {CSRF_COOKIE} cookie in the {CSRF_HEADER} header"
        )


async def authenticate(request: Request, hexa: Services) -> Principal:
    api_key = request.headers.get("x-api-key")
    authorization = request.headers.get("authorization")
    if api_key is not None and authorization is not None:
        # Two credentials may name two callers; serving either would ignore the other.
        raise Unauthenticated("send one credential: X-API-Key or Authorization, not both")
    if api_key is not None:
        return await hexa.api_keys.authenticate(api_key.strip())
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("use Authorization: Bearer <token>")
        if looks_like_api_key(token):
            return await hexa.api_keys.authenticate(token)
        return await hexa.auth.principal(token)
    cookie = request.cookies.get(ACCESS_COOKIE)
    if cookie:
        check_csrf(request)
        return await hexa.auth.principal(cookie)
    raise Unauthenticated("credentials required: Authorization: Bearer <token>, or X-API-Key")


# A guard takes the request alone, not the `Services` dependency: each level of nested
# dependencies costs FastAPI a resolution pass on every request.
Guard = Callable[[Request], Awaitable[Principal]]
# The dependencies that ask for credentials: the OpenAPI document marks their routes.
_GUARDS: set[Guard] = set()


def require(scope: Scope) -> Guard:
    async def allowed(request: Request) -> Principal:
        principal = await authenticate(request, services_of(request))
        if not principal.may(scope):
            raise Forbidden(f"this needs the {scope} scope")
        request.state.principal = principal
        return principal

    _GUARDS.add(allowed)
    return allowed


async def signed_in(request: Request) -> Principal:
    """Any authenticated caller, whatever its scopes."""
    principal = await authenticate(request, services_of(request))
    request.state.principal = principal
    return principal


_GUARDS.add(signed_in)


def is_guard(call: object) -> bool:
    """Whether `call` is a dependency that authenticates the caller."""
    return call in _GUARDS


Caller = Annotated[Principal, Depends(signed_in)]
JobsReader = Annotated[Principal, Depends(require(JOBS_READ))]
Admin = Annotated[Principal, Depends(require(ADMIN))]
