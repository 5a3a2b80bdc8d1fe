"""How people and services prove who they are: the token issuer, the keys derived from
JWT_SECRET, and the sign-in policy, all from the settings."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from hexa.adapters.clock import SystemClock
from hexa.adapters.security.tokens import JwtAccessTokens
from hexa.config import Settings
from hexa.ports.clock import Clock
from hexa.ports.security import AccessTokens
from hexa.services.auth_policy import AuthPolicy


def access_tokens(settings: Settings, clock: Clock | None = None) -> AccessTokens:
    """The token issuer alone (for `hexa token`, which needs nothing else)."""
    return JwtAccessTokens(
        settings.jwt_secret.get_secret_value(),
        previous_secrets=settings.previous_jwt_secrets,
        lifetime=timedelta(minutes=settings.access_token_minutes),
        clock=clock or SystemClock(),
    )


def derived_key(settings: Settings, purpose: str) -> bytes:
    secret = settings.jwt_secret.get_secret_value().encode()
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()


def auth_policy(settings: Settings) -> AuthPolicy:
    return AuthPolicy(
        refresh_lifetime=timedelta(days=settings.refresh_token_days),
        access_lifetime=timedelta(minutes=settings.access_token_minutes),
        attempts_per_account=settings.login_attempts_per_account,
        attempts_per_address=settings.login_attempts_per_address,
        reveal_mail_tokens=settings.env in ("dev", "test"),
        public_url=settings.public_url,
    )
