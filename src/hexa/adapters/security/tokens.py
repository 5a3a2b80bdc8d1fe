"""Access tokens as JWTs (PyJWT), HMAC-SHA-256 with `JWT_SECRET`.

Every claim that matters is required and checked: `iss`, `aud`, `sub`, `exp`, `nbf`,
`iat`, `jti`, and the scopes. The algorithm is pinned on decode, so `alg: none` or an
RS256 token signed with the HMAC secret as a "public key" is refused. Each token names its
key in a `kid` header (a fingerprint of the secret), so tokens signed with a secret listed
in `JWT_PREVIOUS_SECRETS` keep working through a rotation.

A token's signature and claims never change, so each process remembers the tokens it has
verified, by their exact text, and checks only their times on the next request: decoding
and verifying cost more than the rest of an authenticated read (67 µs). Revocation does
not depend on this: it is the sign-in counter's job (`services/principals.py`).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from datetime import timedelta
from typing import Any

import jwt

from hexa.domain.access import Scope, parse_scopes
from hexa.domain.errors import Unauthenticated, ValidationError
from hexa.domain.identity import new_id
from hexa.ports.clock import Clock
from hexa.ports.security import AccessClaims

ALGORITHM = "HS256"
ISSUER = "hexa"
AUDIENCE = "hexa-api"
MAX_TOKEN_BYTES = 4096
LEEWAY_SECONDS = 10
_REQUIRED = ("iss", "aud", "sub", "exp", "nbf", "iat", "jti", "scope", "kind")
VERIFIED_KEPT = 4096  # tokens in use at once per process, about; the oldest go first

Times = tuple[float, float, float]  # exp, nbf, iat


def key_id(secret: str) -> str:
    return hashlib.sha256(f"hexa-jwt-kid:{secret}".encode()).hexdigest()[:16]


class JwtAccessTokens:
    def __init__(
        self,
        secret: str,
        *,
        previous_secrets: tuple[str, ...] = (),
        lifetime: timedelta = timedelta(minutes=15),
        clock: Clock,
    ) -> None:
        self._signing = (key_id(secret), secret)
        self._keys = {key_id(s): s for s in (*previous_secrets, secret)}
        self._lifetime = lifetime
        self._clock = clock
        self._verified: OrderedDict[str, tuple[AccessClaims, Times]] = OrderedDict()

    def issue(
        self,
        subject: str,
        scopes: frozenset[Scope],
        *,
        kind: str = "user",
        session_id: str | None = None,
        lifetime: timedelta | None = None,
    ) -> str:
        now = self._clock.now()
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + (lifetime or self._lifetime),
            "jti": new_id(),
            "scope": " ".join(sorted(scopes)),
            "kind": kind,
        }
        if session_id is not None:
            claims["sid"] = session_id
        kid, secret = self._signing
        return jwt.encode(claims, secret, algorithm=ALGORITHM, headers={"kid": kid})

    def read(self, token: str) -> AccessClaims:
        known = self._verified.get(token)
        if known is None:
            known = self._verified[token] = self._verify(token)
            if len(self._verified) > VERIFIED_KEPT:
                self._verified.popitem(last=False)
        claims, times = known
        self._check_times(times)  # on every read: a remembered token still expires
        return claims

    def _verify(self, token: str) -> tuple[AccessClaims, Times]:
        if len(token) > MAX_TOKEN_BYTES:
            raise Unauthenticated("the access token is too large")
        try:
            header = jwt.get_unverified_header(token)
            secret = self._keys.get(header.get("kid", ""))
            if secret is None:
                raise Unauthenticated("the access token was signed with an unknown key")
            claims = jwt.decode(
                token,
                secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={
                    "require": list(_REQUIRED),
                    # Times are checked against the Clock port, not the OS clock.
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"the access token is invalid ({type(error).__name__})") from None
        try:
            exp, nbf, iat = (float(claims[c]) for c in ("exp", "nbf", "iat"))
        except (TypeError, ValueError):
            raise Unauthenticated("the access token has malformed times") from None
        access = AccessClaims(
            subject=_text(claims, "sub"),
            scopes=_scopes(claims),
            token_id=_text(claims, "jti"),
            kind=_text(claims, "kind"),
            session_id=claims.get("sid"),
        )
        return access, (exp, nbf, iat)

    def _check_times(self, times: Times) -> None:
        exp, nbf, iat = times
        now = self._clock.now().timestamp()
        if now >= exp + LEEWAY_SECONDS:
            raise Unauthenticated("the access token has expired")
        if now < nbf - LEEWAY_SECONDS or now < iat - LEEWAY_SECONDS:
            raise Unauthenticated("the access token is not valid yet")


def _text(claims: dict[str, Any], name: str) -> str:
    value = claims[name]
    if not isinstance(value, str) or not value:
        raise Unauthenticated(f"the access token's {name} claim is malformed")
    return value


def _scopes(claims: dict[str, Any]) -> frozenset[Scope]:
    names = _text(claims, "scope").split() if claims["scope"] else []
    try:
        return parse_scopes(names)
    except ValidationError:
        raise Unauthenticated("the access token carries an unknown scope") from None
