"""Identity in the domain: key tokens, one-time tokens, sessions, users, scopes."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hexa.domain import access, one_time_tokens
from hexa.domain.access import (
    JOBS_READ,
    Principal,
    PrincipalKind,
    Role,
    every_scope,
    parse_scopes,
    role_scopes,
)
from hexa.domain.api_keys import ApiKey, KeyToken, Verification, secret_digest
from hexa.domain.errors import InvalidTransition, ValidationError
from hexa.domain.sessions import Session, token_hash
from hexa.domain.users import User, normalized_email
from tests.builders import T0

PEPPER = b"p" * 32
KEY = b"k" * 32


def a_key(token: KeyToken, **fields: object) -> ApiKey:
    return dataclasses.replace(
        ApiKey(
            token.kid,
            "scanner",
            frozenset({JOBS_READ}),
            secret_digest(token.secret, PEPPER),
            T0,
            "ops",
        ),
        **fields,  # type: ignore[arg-type]
    )


def test_a_key_token_reads_back() -> None:
    token = KeyToken.generate()
    text = str(token)
    assert text.startswith("hxk_") and len(text) == 4 + 16 + 1 + 32 + 6
    assert KeyToken.parse(text) == token


@given(
    st.integers(min_value=0),
    st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
)
def test_any_single_changed_character_is_caught_by_the_checksum(
    position: int, replacement: str
) -> None:
    text = str(KeyToken("A" * 16, "b" * 32))
    position = 4 + position % (len(text) - 4)
    if text[position] in (replacement, "_"):
        return
    changed = text[:position] + replacement + text[position + 1 :]
    assert KeyToken.parse(changed) is None


@pytest.mark.parametrize("text", ["", "hxk_", "ghp_" + "a" * 50, "hxk_short_x", "hxk_" + "a" * 200])
def test_malformed_key_tokens_do_not_parse(text: str) -> None:
    assert KeyToken.parse(text) is None


def test_a_key_accepts_its_secret_until_revoked_or_expired() -> None:
    token = KeyToken.generate()
    key = a_key(token, expires_at=T0 + timedelta(days=1))
    digest = secret_digest(token.secret, PEPPER)
    assert key.accepts(digest, T0)
    assert not key.accepts(secret_digest("other", PEPPER), T0)
    assert not key.accepts(digest, T0 + timedelta(days=1))
    assert not key.revoke(now=T0).accepts(digest, T0)
    with pytest.raises(InvalidTransition):
        key.revoke(now=T0).revoke(now=T0)


def test_a_refused_key_says_why() -> None:
    token = KeyToken.generate()
    key = a_key(token, expires_at=T0 + timedelta(days=1))
    digest = secret_digest(token.secret, PEPPER)
    assert key.verify(digest, T0) is Verification.ACCEPTED
    assert key.verify(secret_digest("other", PEPPER), T0) is Verification.WRONG_SECRET
    assert key.verify(digest, T0 + timedelta(days=2)) is Verification.EXPIRED
    assert key.revoke(now=T0).verify(digest, T0) is Verification.REVOKED


def test_a_rotated_key_accepts_the_old_secret_for_the_grace_only() -> None:
    old = KeyToken.generate()
    new = KeyToken.generate(old.kid)
    rotated = a_key(old).rotate(secret_digest(new.secret, PEPPER), grace=timedelta(hours=1), now=T0)
    assert rotated.accepts(secret_digest(new.secret, PEPPER), T0)
    assert rotated.accepts(secret_digest(old.secret, PEPPER), T0 + timedelta(minutes=59))
    assert not rotated.accepts(secret_digest(old.secret, PEPPER), T0 + timedelta(hours=1))


def test_one_time_tokens_are_spent_by_the_change_they_make() -> None:
    user = User.register(id="u1", email="a@b.io", password_hash="h1", now=T0)
    reset = one_time_tokens.make(
        KEY, one_time_tokens.RESET, user, lifetime=timedelta(minutes=30), now=T0
    )
    assert one_time_tokens.is_valid(KEY, one_time_tokens.RESET, reset, user, now=T0)
    assert not one_time_tokens.is_valid(KEY, one_time_tokens.VERIFY, reset, user, now=T0)
    assert not one_time_tokens.is_valid(b"other" * 8, one_time_tokens.RESET, reset, user, now=T0)
    assert not one_time_tokens.is_valid(
        KEY, one_time_tokens.RESET, reset, user, now=T0 + timedelta(minutes=31)
    )
    changed = user.with_password_hash("h2", now=T0)
    assert not one_time_tokens.is_valid(KEY, one_time_tokens.RESET, reset, changed, now=T0)
    verify = one_time_tokens.make(
        KEY, one_time_tokens.VERIFY, user, lifetime=timedelta(days=1), now=T0
    )
    assert not one_time_tokens.is_valid(
        KEY, one_time_tokens.VERIFY, verify, user.verify(now=T0), now=T0
    )


def test_a_session_rotates_and_remembers_spent_tokens() -> None:
    session = Session.open(
        id="s1", user_id="u1", token_hash=token_hash("a"), lifetime=timedelta(days=1), now=T0
    )
    rotated = session.rotated(token_hash("b"), lifetime=timedelta(days=1), now=T0)
    assert rotated.token_hash == token_hash("b") and token_hash("a") in rotated.spent_hashes
    assert rotated.version == 2
    revoked = rotated.revoked("reuse", now=T0)
    assert not revoked.is_live(T0)
    with pytest.raises(InvalidTransition):
        revoked.rotated(token_hash("c"), lifetime=timedelta(days=1), now=T0)
    assert not session.is_live(T0 + timedelta(days=1))


@pytest.mark.parametrize("email", ["", "no-at", "a@b", "a b@c.io", "x" * 250 + "@c.io"])
def test_bad_emails_are_refused(email: str) -> None:
    with pytest.raises(ValidationError):
        normalized_email(email)


def test_emails_are_normalized() -> None:
    assert normalized_email("  Ana@Example.COM ") == "ana@example.com"


def test_roles_grant_the_core_scopes_of_spec() -> None:
    assert role_scopes(Role.ADMIN) == frozenset(every_scope())
    assert {JOBS_READ, access.ADMIN} <= role_scopes(Role.ADMIN)
    assert JOBS_READ in role_scopes(Role.VIEWER) and access.ADMIN not in role_scopes(Role.VIEWER)
    assert role_scopes(Role.VIEWER) <= role_scopes(Role.INSPECTOR) < role_scopes(Role.ADMIN)


def test_the_admin_scope_allows_everything() -> None:
    admin = Principal(PrincipalKind.API_KEY, "k", frozenset({access.ADMIN}))
    assert all(admin.may(s) for s in every_scope())
    reader = Principal(PrincipalKind.API_KEY, "k", frozenset({JOBS_READ}))
    assert reader.may(JOBS_READ) and not reader.may(access.ADMIN)


def test_unknown_scopes_do_not_parse() -> None:
    assert parse_scopes(["admin"]) == {access.ADMIN}
    with pytest.raises(ValidationError):
        parse_scopes(["root"])
