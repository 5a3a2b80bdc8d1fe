"""The attack table: every forged, stale or broken credential answers 401 (or 403 for a
valid caller without the scope), never a 500."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from hexa.adapters.clock import FrozenClock
from hexa.adapters.mail import ConsoleMailer
from hexa.adapters.security.passwords import Argon2PasswordHasher
from hexa.adapters.security.tokens import AUDIENCE, ISSUER, key_id
from hexa.bootstrap import Hexa, build
from hexa.config import Settings
from hexa.domain.access import Principal, PrincipalKind, every_scope
from hexa.drivers.http.app import create_app
from tests.http.conftest import TEST_SECRET

NOW = datetime.now(UTC).replace(microsecond=0)
ADMIN = Principal(PrincipalKind.SERVICE, "ops", frozenset(every_scope()))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def hexa(settings: Settings, clock: FrozenClock) -> AsyncIterator[Hexa]:
    async with build(
        settings, clock=clock, hasher=Argon2PasswordHasher.fast_for_tests(), mailer=ConsoleMailer()
    ) as built:
        yield built


@pytest.fixture
async def anonymous(hexa: Hexa) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(hexa=hexa))
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
        yield http


def claims(**changes: Any) -> dict[str, Any]:
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "ops",
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + timedelta(minutes=5),
        "jti": "j1",
        "scope": "admin",
        "kind": "service",
    }
    return {k: v for k, v in (base | changes).items() if v is not None}


def signed(
    payload: dict[str, Any], secret: str = TEST_SECRET, alg: str = "HS256", **header: Any
) -> str:
    return jwt.encode(payload, secret, algorithm=alg, headers={"kid": key_id(secret)} | header)


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, default=lambda d: int(d.timestamp())).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unsigned() -> str:
    return f"{_b64({'alg': 'none', 'kid': key_id(TEST_SECRET)})}.{_b64(claims())}."


def tampered() -> str:
    header, _, signature = signed(claims(scope="jobs:read")).split(".")
    return f"{header}.{_b64(claims(scope='admin'))}.{signature}"


def rs256_header_with_hmac() -> str:
    header = _b64({"alg": "RS256", "kid": key_id(TEST_SECRET), "typ": "JWT"})
    good = signed(claims()).split(".")
    return f"{header}.{good[1]}.{good[2]}"


BEARER_ATTACKS: dict[str, Callable[[], str]] = {
    "alg none": unsigned,
    "alg RS256 over an HMAC signature": rs256_header_with_hmac,
    "alg HS512": lambda: signed(claims(), alg="HS512"),
    "wrong secret": lambda: signed(claims(), secret="y" * 40),
    "wrong secret, right kid": lambda: jwt.encode(
        claims(), "y" * 40, algorithm="HS256", headers={"kid": key_id(TEST_SECRET)}
    ),
    "unknown kid": lambda: signed(claims(), kid="0000000000000000"),
    "no kid": lambda: jwt.encode(claims(), TEST_SECRET, algorithm="HS256"),
    "expired": lambda: signed(
        claims(
            exp=NOW - timedelta(minutes=1),
            iat=NOW - timedelta(minutes=20),
            nbf=NOW - timedelta(minutes=20),
        )
    ),
    "not yet valid": lambda: signed(claims(nbf=NOW + timedelta(minutes=5))),
    "issued in the future": lambda: signed(claims(iat=NOW + timedelta(minutes=5))),
    "wrong audience": lambda: signed(claims(aud="someone-else")),
    "wrong issuer": lambda: signed(claims(iss="evil")),
    "tampered payload": tampered,
    "unknown scope": lambda: signed(claims(scope="admin root")),
    "scope not a string": lambda: signed(claims(scope=["admin"])),
    "sub not a string": lambda: signed(claims(sub=7)),
    "malformed": lambda: "not-a-jwt",
    "three dots": lambda: "a.b.c",
    "empty segments": lambda: "..",
    "oversized": lambda: signed(claims(pad="x" * 6000)),
    "user that does not exist": lambda: signed(claims(kind="user", sub="nobody")),
    **{
        f"missing {claim}": (lambda c=claim: signed(claims(**{c: None})))  # type: ignore[misc]
        for claim in ("iss", "aud", "sub", "exp", "nbf", "iat", "jti", "scope", "kind")
    },
}


def test_the_honest_token_of_the_table_is_accepted(hexa: Hexa) -> None:
    """The forgeries above differ from this one in one way each."""
    assert hexa.tokens.read(signed(claims())).subject == "ops"
