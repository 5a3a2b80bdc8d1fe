"""What signing in allows (lifetimes, attempt limits), and what a sign-in hands back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    refresh_lifetime: timedelta = timedelta(days=14)
    access_lifetime: timedelta = timedelta(minutes=15)
    verify_lifetime: timedelta = timedelta(days=2)
    reset_lifetime: timedelta = timedelta(minutes=30)
    attempts_per_account: int = 5
    attempts_per_address: int = 30
    attempts_window: timedelta = timedelta(minutes=15)
    reveal_mail_tokens: bool = False  # dev and test answer with the token as well
    public_url: str = "http://127.0.0.1:8000"


@dataclass(frozen=True, slots=True)
class SignedIn:
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: str
