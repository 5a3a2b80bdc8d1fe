"""Sign-up and sign-in: `/api/v1/auth/*`."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request, Response, status

from hexa.config import Settings
from hexa.domain.errors import Unauthenticated
from hexa.drivers.http.auth import (
    ACCESS_COOKIE,
    CSRF_COOKIE,
    REFRESH_COOKIE,
    Caller,
    check_csrf,
)
from hexa.drivers.http.dependencies import Services
from hexa.drivers.http.guarded import GuardedRoute
from hexa.drivers.http.identity_schemas import (
    Credentials,
    EmailIn,
    PasswordReset,
    RefreshIn,
    Registered,
    SignIn,
    TokenIn,
    TokensOut,
    UserOut,
)
from hexa.drivers.http.openapi import problems
from hexa.services.auth_policy import SignedIn

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], route_class=GuardedRoute)
BUSY = 50
REFRESH_PATH = "/api/v1/auth"


@router.post("/register", status_code=status.HTTP_201_CREATED, responses=problems(409))
async def register(body: Credentials, hexa: Services, response: Response) -> Registered:
    """An unverified account. The verification token is mailed; in dev and test it is
    also in the answer."""
    user, token = await hexa.auth.register(body.email, body.password)
    response.headers["Location"] = f"/api/admin/users/{user.id}"
    return Registered(**UserOut.of(user).model_dump(), verification_token=token)


@router.post("/verify", responses=problems(401))
async def verify(body: TokenIn, hexa: Services) -> UserOut:
    return UserOut.of(await hexa.auth.verify(body.token))


@router.post("/login", responses=problems(401, 403, 429))
async def login(body: SignIn, request: Request, hexa: Services, response: Response) -> TokensOut:
    """Tokens in the answer and as HTTP-only cookies. Rate limited per account and per
    client address (429 with Retry-After)."""
    address = request.client.host if request.client else "unknown"
    signed_in = await hexa.auth.login(body.email, body.password, address=address)
    _set_cookies(response, signed_in, hexa.settings)
    return _tokens(signed_in)


@router.post("/refresh", responses=problems(401, 403))
async def refresh(
    request: Request, hexa: Services, response: Response, body: RefreshIn | None = None
) -> TokensOut:
    """Rotates the refresh token (from the body, or the cookie with its CSRF header)."""
    token = body.refresh_token if body else None
    if token is None:
        token = request.cookies.get(REFRESH_COOKIE)
        if token is None:
            raise Unauthenticated("send refresh_token, or the refresh cookie")
        check_csrf(request)
    signed_in = await hexa.auth.refresh(token)
    _set_cookies(response, signed_in, hexa.settings)
    return _tokens(signed_in)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(caller: Caller, request: Request, hexa: Services, response: Response) -> None:
    """Ends the session of the access token (or of the refresh cookie) and clears cookies."""
    await hexa.auth.logout(
        session_id=caller.session_id, refresh_token=request.cookies.get(REFRESH_COOKIE)
    )
    for name, path in ((ACCESS_COOKIE, "/"), (CSRF_COOKIE, "/"), (REFRESH_COOKIE, REFRESH_PATH)):
        response.delete_cookie(name, path=path)


@router.get("/me")
async def me(caller: Caller, hexa: Services) -> UserOut:
    return UserOut.of(await hexa.auth.me(caller))


@router.post("/forgot-password", status_code=status.HTTP_202_ACCEPTED)
async def forgot_password(body: EmailIn, hexa: Services) -> dict[str, str]:
    """The same answer whether or not the account exists; the token goes by mail."""
    await hexa.auth.forgot_password(body.email)
    return {"status": "if the account exists, a reset token is on its way by mail"}


@router.post("/reset-password", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401))
async def reset_password(body: PasswordReset, hexa: Services) -> None:
    """Sets a new password with a reset token (single use) and ends every session."""
    await hexa.auth.reset_password(body.token, body.password)


def _tokens(signed_in: SignedIn) -> TokensOut:
    return TokensOut(
        access_token=signed_in.access_token,
        refresh_token=signed_in.refresh_token,
        expires_in=signed_in.expires_in,
    )


def _set_cookies(response: Response, signed_in: SignedIn, settings: Settings) -> None:
    secure = settings.env != "dev"
    common = {"secure": secure, "httponly": True}
    response.set_cookie(
        ACCESS_COOKIE,
        signed_in.access_token,
        max_age=signed_in.expires_in,
        samesite="lax",
        **common,  # type: ignore[arg-type]
    )
    response.set_cookie(
        REFRESH_COOKIE,
        signed_in.refresh_token,
        path=REFRESH_PATH,
        samesite="strict",
        max_age=settings.refresh_token_days * 24 * 3600,
        **common,  # type: ignore[arg-type]
    )
    # Readable by the page's script, which echoes it in the CSRF header.
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(24), secure=secure, samesite="lax")
