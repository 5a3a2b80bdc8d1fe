"""Single-use, short-lived tokens for email verification and password reset, with no
storage: the token carries the user id and an expiry, and its MAC also covers a
fingerprint of the state the token exists to change (the password hash for a reset, the
verified flag for a verification). Once that state changes, the token no longer matches:
used once, it is spent. (The scheme of Django's PasswordResetTokenGenerator.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from hexa.domain.users import User

VERIFY = "verify-email"
RESET = "reset-password"


def _fingerprint(purpose: str, user: User) -> str:
    if purpose == RESET:
        return user.password_hash
    return f"{user.email}|{user.verified}"


def _mac(key: bytes, purpose: str, user: User, expires: int) -> str:
    message = f"{purpose}|{user.id}|{expires}|{_fingerprint(purpose, user)}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make(key: bytes, purpose: str, user: User, *, lifetime: timedelta, now: datetime) -> str:
    expires = int((now + lifetime).timestamp())
    return f"{user.id}.{expires}.{_mac(key, purpose, user, expires)}"


def user_id_of(token: str) -> str | None:
    """The user the token claims to be for, before any check (None if malformed)."""
    parts = token.split(".")
    if len(parts) != 3 or len(token) > 300 or not parts[1].isdigit():
        return None
    return parts[0]


def is_valid(key: bytes, purpose: str, token: str, user: User, *, now: datetime) -> bool:
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != user.id or not parts[1].isdigit():
        return False
    expires = int(parts[1])
    if now.timestamp() >= expires:
        return False
    return hmac.compare_digest(parts[2], _mac(key, purpose, user, expires))
