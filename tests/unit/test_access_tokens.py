"""Access tokens as each process remembers them once verified: the times are still
checked on every read, and only the exact text verified is remembered."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hexa.adapters.clock import FrozenClock
from hexa.adapters.security.tokens import LEEWAY_SECONDS, VERIFIED_KEPT, JwtAccessTokens
from hexa.domain.access import Role, role_scopes
from hexa.domain.errors import Unauthenticated
from tests.builders import T0

SECRET = "s" * 40


def test_a_remembered_token_still_expires() -> None:
    clock = FrozenClock(T0)
    tokens = JwtAccessTokens(SECRET, clock=clock, lifetime=timedelta(minutes=5))
    token = tokens.issue("u1", role_scopes(Role.VIEWER), session_id="s1")
    first = tokens.read(token)
    assert tokens.read(token) is first  # remembered, not decoded again
    clock.advance(timedelta(minutes=5, seconds=LEEWAY_SECONDS))
    with pytest.raises(Unauthenticated, match="expired"):
        tokens.read(token)


def test_only_the_exact_text_verified_is_remembered() -> None:
    tokens = JwtAccessTokens(SECRET, clock=FrozenClock(T0))
    token = tokens.issue("u1", role_scopes(Role.ADMIN))
    tokens.read(token)
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    for forged in (f"{header}.{payload}.{flipped}", token + " ", f"{header}.{payload}."):
        with pytest.raises(Unauthenticated):
            tokens.read(forged)


def test_another_process_with_another_secret_refuses_what_this_one_remembers() -> None:
    token = JwtAccessTokens(SECRET, clock=FrozenClock(T0)).issue("u1", frozenset())
    with pytest.raises(Unauthenticated):
        JwtAccessTokens("t" * 40, clock=FrozenClock(T0)).read(token)


def test_the_memory_is_bounded() -> None:
    tokens = JwtAccessTokens(SECRET, clock=FrozenClock(T0))
    issued = [tokens.issue(f"u{n}", frozenset()) for n in range(VERIFIED_KEPT + 10)]
    for token in issued:
        tokens.read(token)
    assert len(tokens._verified) == VERIFIED_KEPT  # noqa: SLF001
    assert tokens.read(issued[0]).subject == "u0"  # forgotten, verified again
