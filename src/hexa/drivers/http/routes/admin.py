"""The admin API: API keys, users and the audit log, `/api/admin/*` (scope `admin`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from hexa.drivers.http.auth import Admin
from hexa.drivers.http.dependencies import (
    OptionalVersion,
    PagingParams,
    Services,
    encode_cursor,
    etag,
)
from hexa.drivers.http.guarded import GuardedRoute
from hexa.drivers.http.identity_schemas import (
    ApiKeyIn,
    ApiKeyOut,
    AuditOut,
    IssuedKeyOut,
    RotateIn,
    UserChange,
    UserOut,
)
from hexa.drivers.http.openapi import problems
from hexa.drivers.http.schemas import PageOut
from hexa.services.api_keys import IssuedKey

router = APIRouter(prefix="/api/admin", tags=["admin"], route_class=GuardedRoute)
BUSY = 70


def _issued(issued: IssuedKey) -> IssuedKeyOut:
    return IssuedKeyOut(**ApiKeyOut.of(issued.key).model_dump(), token=issued.token)


@router.post("/api-keys", status_code=status.HTTP_201_CREATED)
async def create_api_key(
    admin: Admin, body: ApiKeyIn, hexa: Services, response: Response
) -> IssuedKeyOut:
    """The token is in this answer only: it is stored as a hash."""
    issued = await hexa.api_keys.create(
        admin, name=body.name, scopes=frozenset(body.scopes), expires_at=body.expires_at
    )
    response.headers["Location"] = f"{router.prefix}/api-keys/{issued.key.kid}"
    return _issued(issued)


@router.get("/api-keys")
async def list_api_keys(_: Admin, hexa: Services, paging: PagingParams) -> PageOut[ApiKeyOut]:
    page = await hexa.api_keys.page(limit=paging.limit, after=paging.after)
    return PageOut(
        items=[ApiKeyOut.of(k) for k in page.items], next_cursor=encode_cursor(page.next_after)
    )


@router.get("/api-keys/{kid}")
async def get_api_key(_: Admin, kid: str, hexa: Services) -> ApiKeyOut:
    return ApiKeyOut.of(await hexa.api_keys.get(kid))


@router.post("/api-keys/{kid}/revoke", responses=problems(409))
async def revoke_api_key(admin: Admin, kid: str, hexa: Services) -> ApiKeyOut:
    """The token stops working at once, on every replica."""
    return ApiKeyOut.of(await hexa.api_keys.revoke(admin, kid))


@router.delete("/api-keys/{kid}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(409))
async def delete_api_key(admin: Admin, kid: str, hexa: Services) -> None:
    """Revokes the key (its record stays, for the audit trail)."""
    await hexa.api_keys.revoke(admin, kid)


@router.post("/api-keys/{kid}/rotate", responses=problems(409))
async def rotate_api_key(
    admin: Admin, kid: str, hexa: Services, body: RotateIn | None = None
) -> IssuedKeyOut:
    """A new token; the old one keeps working for `grace_seconds` (default a day)."""
    grace = timedelta(seconds=(body or RotateIn()).grace_seconds)
    return _issued(await hexa.api_keys.rotate(admin, kid, grace=grace))


@router.get("/users")
async def list_users(_: Admin, hexa: Services, paging: PagingParams) -> PageOut[UserOut]:
    page = await hexa.users.page(limit=paging.limit, after=paging.after)
    return PageOut(
        items=[UserOut.of(u) for u in page.items], next_cursor=encode_cursor(page.next_after)
    )


@router.get("/users/{user_id}")
async def get_user(_: Admin, user_id: str, hexa: Services, response: Response) -> UserOut:
    user = await hexa.users.get(user_id)
    response.headers["ETag"] = etag(user.version)
    return UserOut.of(user)


@router.patch("/users/{user_id}", responses=problems(409))
async def change_user(
    admin: Admin,
    user_id: str,
    body: UserChange,
    hexa: Services,
    version: OptionalVersion,
    response: Response,
) -> UserOut:
    """Changes the role and/or disables (`active: false`) the account; a disabled
    account's tokens stop working on their next request."""
    user = await hexa.users.change(
        admin, user_id, role=body.role, active=body.active, if_version=version
    )
    response.headers["ETag"] = etag(user.version)
    return UserOut.of(user)


@router.get("/audit")
async def audit_log(
    _: Admin,
    hexa: Services,
    paging: PagingParams,
    action: Annotated[str | None, Query(max_length=100, description="exactly this action")] = None,
    actor: Annotated[str | None, Query(max_length=200, description="exactly this actor")] = None,
) -> PageOut[AuditOut]:
    """Newest first; `action` (`user.role_changed`) and `actor` (`user:<id>`,
    `api_key:<kid>`, `service:<name>`) keep only the entries that match exactly. The
    cursor continues the same filtered list. `actor_name` and `target_name` say who and
    what those are (an email, a key's name, a job's kind) while they exist."""
    page = await hexa.audit.page(
        limit=paging.limit, before=paging.after, action=action or None, actor=actor or None
    )
    names = await hexa.audit.names(page.items)
    return PageOut(
        items=[AuditOut.of(e, names) for e in page.items],
        next_cursor=encode_cursor(page.next_after),
    )
