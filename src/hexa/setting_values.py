"""The shapes a setting's value must have, each a type that checks and normalises it:
`Settings` (hexa.config) declares its fields with them, and a wrong value stops start-up
with one line naming the setting."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hexa.server_urls import check_http_endpoint, check_mongo_uri, check_redis_url

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
}
# An S3 key prefix: folders of safe characters, ending in `/` when not empty.
_S3_PREFIX = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9._-]{0,99}/){0,8}")


def _async_database_url(value: str) -> str:
    """Plain `postgresql://` and `sqlite://` URLs get their async driver."""
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError("not a database URL (e.g. sqlite+aiosqlite:///./var/hexa.db)") from None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    if url.drivername in _ASYNC_DRIVERS:
        url = url.set(drivername=_ASYNC_DRIVERS[url.drivername])
    if url.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise ValueError(f"driver {url.drivername!r} is not async: use aiosqlite or asyncpg")
    return url.render_as_string(hide_password=False)


def _redis_url(value: str | None) -> str | None:
    if value:
        check_redis_url(value)
    return value or None


def _mongo_uri(value: str | None) -> str | None:
    if value:
        check_mongo_uri(value)
    return value or None


def _http_endpoint(value: str | None) -> str | None:
    return check_http_endpoint(value) if value else None


def _s3_prefix(value: str) -> str:
    if value and not value.endswith("/"):
        value += "/"  # `hexa` and `hexa/` mean the same folder
    if not _S3_PREFIX.fullmatch(value) or ".." in value:
        raise ValueError("folders of letters, digits, '.', '_' and '-', e.g. hexa/prod/")
    return value


def _region(value: str | None) -> str | None:
    if value and not re.fullmatch(r"[a-z]{2}(-[a-z0-9]+){1,4}", value):
        raise ValueError("not a region name (e.g. eu-west-3)")
    return value or None


def _bucket(value: str | None) -> str | None:
    if value and not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", value):
        raise ValueError("not a bucket name: 3 to 63 of a-z, 0-9, '.' and '-'")
    return value or None


def _trusted_proxies(value: str) -> str:
    """Addresses and networks, comma-separated, or `*`: checked here, since uvicorn reads
    a malformed one as a name no peer has, and trusts nobody without a word."""
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    if not entries:
        raise ValueError("name the proxies' addresses or networks, or *")
    for entry in entries:
        if entry == "*":
            continue
        try:
            ipaddress.ip_network(entry) if "/" in entry else ipaddress.ip_address(entry)
        except ValueError:
            raise ValueError(
                f"{entry!r} is not an IP address, a network (10.0.0.0/8) or *"
            ) from None
    return ",".join(entries)


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


DatabaseUrl = Annotated[str, AfterValidator(_async_database_url)]
RedisUrl = Annotated[str | None, AfterValidator(_redis_url)]
MongoUri = Annotated[str | None, AfterValidator(_mongo_uri)]
HttpEndpoint = Annotated[str | None, AfterValidator(_http_endpoint)]
S3Prefix = Annotated[str, AfterValidator(_s3_prefix)]
Region = Annotated[str | None, AfterValidator(_region)]
Bucket = Annotated[str | None, AfterValidator(_bucket)]
TrustedProxies = Annotated[str, AfterValidator(_trusted_proxies)]
# `info` or `INFO`, `JSON` or `json`: operators type both.
LogLevel = Annotated[
    Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], BeforeValidator(_upper)
]
LogFormat = Annotated[Literal["json", "console"] | None, BeforeValidator(_lower)]
