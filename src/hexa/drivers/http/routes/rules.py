"""Validation rules: `/api/v1/rules`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from hexa.domain.access import Principal
from hexa.domain.rules import RULES_READ, RULES_WRITE
from hexa.drivers.http.auth import require
from hexa.drivers.http.dependencies import (
    OptionalVersion,
    PagingParams,
    Services,
    encode_cursor,
    etag,
)
from hexa.drivers.http.guarded import GuardedRoute
from hexa.drivers.http.inspection_schemas import RuleIn, RuleOut
from hexa.drivers.http.openapi import problems
from hexa.drivers.http.schemas import PageOut
from hexa.services.rules import RuleService

router = APIRouter(prefix="/api/v1/rules", tags=["rules"], route_class=GuardedRoute)
RulesReader = Annotated[Principal, Depends(require(RULES_READ))]
RulesWriter = Annotated[Principal, Depends(require(RULES_WRITE))]
BUSY = 20


@router.get("")
async def list_rules(_: RulesReader, hexa: Services, paging: PagingParams) -> PageOut[RuleOut]:
    page = await hexa.service(RuleService).page(limit=paging.limit, after=paging.after)
    return PageOut(
        items=[RuleOut.of(r) for r in page.items], next_cursor=encode_cursor(page.next_after)
    )


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(409))
async def create_rule(_: RulesWriter, body: RuleIn, hexa: Services, response: Response) -> RuleOut:
    rule = await hexa.service(RuleService).create(body.draft())
    response.headers["Location"] = f"{router.prefix}/{rule.id}"
    response.headers["ETag"] = etag(rule.version)
    return RuleOut.of(rule)


@router.get("/{rule_id}")
async def get_rule(_: RulesReader, rule_id: str, hexa: Services, response: Response) -> RuleOut:
    rule = await hexa.service(RuleService).get(rule_id)
    response.headers["ETag"] = etag(rule.version)
    return RuleOut.of(rule)


@router.put("/{rule_id}", responses=problems(409))
async def replace_rule(
    _: RulesWriter,
    rule_id: str,
    body: RuleIn,
    hexa: Services,
    version: OptionalVersion,
    response: Response,
) -> RuleOut:
    """Replaces the whole rule; with `If-Match`, only if it is still that version."""
    rule = await hexa.service(RuleService).replace(rule_id, body.draft(), if_version=version)
    response.headers["ETag"] = etag(rule.version)
    return RuleOut.of(rule)


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_rule(
    _: RulesWriter, rule_id: str, hexa: Services, version: OptionalVersion
) -> None:
    await hexa.service(RuleService).delete(rule_id, if_version=version)
