"""What every route needs from the request: the services, paging, version preconditions."""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from pydantic import BeforeValidator

from hexa.bootstrap import Hexa
from hexa.domain.errors import ValidationError
from hexa.drivers.http.problems import Problem
from hexa.services.pages import MAX_LIMIT

# Every dependency here is `async def` though none awaits: FastAPI runs a plain `def`
# dependency in a worker thread, a hand-off per request that costs more than the work.


def services_of(request: Request) -> Hexa:
    """The one accessor from routes to the service graph."""
    services: Hexa = request.app.state.hexa
    return services


async def hexa(request: Request) -> Hexa:
    return services_of(request)


Services = Annotated[Hexa, Depends(hexa)]


async def request_id(request: Request) -> str | None:
    """The id `RequestLog` gave this request, for the jobs it accepts to carry."""
    given: str | None = getattr(request.state, "request_id", None)
    return given


RequestId = Annotated[str | None, Depends(request_id)]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _written_as_a_date(value: object) -> object:
    """Pydantic would also read a number of seconds since 1970 (`until=6`) as a time; the
    schema says an ISO 8601 date-time, and so does the API."""
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("an ISO 8601 date-time is expected, like 2026-12-07T13:00:00Z")
    return value


# A date-time in a query: ISO 8601, UTC without an offset (see `utc`).
IsoTime = Annotated[datetime, BeforeValidator(_written_as_a_date)]


def utc(moment: datetime) -> datetime:
    """A time from a query, in UTC (a time without an offset is taken as UTC). A time the
    calendar cannot hold once in UTC (`0001-01-01T00:00:00+01:00`) is a 422, not a 500."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValidationError(f"{moment.isoformat()} is out of range in UTC") from None


def bound(moment: datetime) -> datetime:
    """A list filter's bound in UTC. One the calendar cannot hold in UTC lies beyond its
    first or last moment, and filters as that moment would: `since` the year 1 keeps
    everything, as the schema's `date-time` lets a client say it."""
    try:
        return utc(moment)
    except ValidationError:
        end = datetime.min if moment.year == 1 else datetime.max
        return end.replace(tzinfo=UTC)


def encode_cursor(after: str | None) -> str | None:
    if after is None:
        return None
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    if len(cursor) > 500:
        raise Problem(400, "the cursor is not one this API gave out", "invalid-cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        after = json.loads(raw)["after"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise Problem(400, "the cursor is not one this API gave out", "invalid-cursor") from None
    if not isinstance(after, str):
        raise Problem(400, "the cursor is not one this API gave out", "invalid-cursor")
    return after


class Paging:
    def __init__(self, limit: int, after: str | None) -> None:
        self.limit = limit
        self.after = after


async def paging(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query()] = None,
) -> Paging:
    return Paging(limit, _decode_cursor(cursor))


PagingParams = Annotated[Paging, Depends(paging)]

# A version as the ETag gave it, with the header's own blanks (`openapi_inputs.IF_MATCH`).
_ETAG = re.compile(r'[ \t]*(?:(?:W/)?"([0-9]{1,18})"|([0-9]{1,18}))[ \t]*')


def etag(version: int) -> str:
    return f'"{version}"'


def _version(if_match: str | None) -> int | None:
    if if_match is None or if_match.strip(" \t") == "*":
        return None
    found = _ETAG.fullmatch(if_match)
    if not found:
        raise Problem(
            400, 'If-Match must be a version, as the ETag gave it (e.g. "3")', "bad-if-match"
        )
    return int(found.group(1) or found.group(2))


async def optional_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    return _version(if_match)


async def required_version(if_match: Annotated[str | None, Header()] = None) -> int:
    version = _version(if_match)
    if version is None:
        raise Problem(
            428,
            "send If-Match with the version you read (the ETag), so no change is lost",
            "precondition-required",
        )
    return version


OptionalVersion = Annotated[int | None, Depends(optional_version)]
RequiredVersion = Annotated[int, Depends(required_version)]
