"""API keys: secret tokens for machines, stored only as a keyed hash.

A token reads `hxk_<kid>_<secret><checksum>`: a fixed prefix that secret scanners can
match, the public key id, 32 base62 characters of secret (190 bits), and a CRC32 of all
that came before, so a typo or a random string is refused without touching storage (the
shape GitHub gives its tokens). The secret is kept as HMAC-SHA-256 under a server pepper:
fast enough to check on every request, useless to whoever steals the table alone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from hexa.domain.access import Scope
from hexa.domain.errors import InvalidTransition, ValidationError
from hexa.domain.text import check_text

PREFIX = "hxk_"
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_KID_LENGTH, _SECRET_LENGTH, _CHECKSUM_LENGTH = 16, 32, 6
_TAIL_LENGTH = _SECRET_LENGTH + _CHECKSUM_LENGTH
_TOKEN = re.compile(rf"^{PREFIX}([0-9A-Za-z]{{{_KID_LENGTH}}})_([0-9A-Za-z]{{{_TAIL_LENGTH}}})$")
MAX_TOKEN_LENGTH = 128


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        digits.append(_ALPHABET[digit])
    return "".join(reversed(digits))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), _CHECKSUM_LENGTH)


@dataclass(frozen=True, slots=True)
class KeyToken:
    kid: str
    secret: str

    def __str__(self) -> str:
        body = f"{PREFIX}{self.kid}_{self.secret}"
        return body + _checksum(body)

    @classmethod
    def generate(cls, kid: str | None = None) -> KeyToken:
        return cls(kid or _random(_KID_LENGTH), _random(_SECRET_LENGTH))

    @classmethod
    def parse(cls, token: str) -> KeyToken | None:
        """The token's parts, or None when it is not a well-formed Hexa key."""
        if len(token) > MAX_TOKEN_LENGTH:
            return None
        found = _TOKEN.match(token)
        if not found:
            return None
        kid, tail = found.groups()
        secret, checksum = tail[:_SECRET_LENGTH], tail[_SECRET_LENGTH:]
        if not hmac.compare_digest(checksum, _checksum(f"{PREFIX}{kid}_{secret}")):
            return None
        return cls(kid, secret)


def looks_like_api_key(token: str) -> bool:
    return token.startswith(PREFIX)


def secret_digest(secret: str, pepper: bytes) -> str:
    return hmac.new(pepper, secret.encode(), hashlib.sha256).hexdigest()


class Verification(StrEnum):
    """What checking a presented token came to; everything but ACCEPTED is a 401."""

    ACCEPTED = "accepted"
    MALFORMED = "malformed"  # not a key's shape, or a bad checksum: no storage read
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"
    WRONG_SECRET = "wrong_secret"


@dataclass(frozen=True, slots=True)
class ApiKey:
    kid: str
    name: str
    scopes: frozenset[Scope]
    secret_hash: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    previous_secret_hash: str | None = None
    previous_valid_until: datetime | None = None
    version: int = 1

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > 200:
            raise ValidationError("an API key name has 1 to 200 characters")
        check_text("the API key name", self.name)
        if not self.scopes:
            raise ValidationError("an API key needs at least one scope")

    @property
    def id(self) -> str:
        return self.kid

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def ended_before(self, moment: datetime) -> bool:
        """Whether the key had expired or been revoked before `moment`."""
        return any(t is not None and t < moment for t in (self.expires_at, self.revoked_at))

    def accepts(self, digest: str, now: datetime) -> bool:
        """Whether a secret with this digest may act as this key now (constant time)."""
        return self.verify(digest, now) is Verification.ACCEPTED

    def verify(self, digest: str, now: datetime) -> Verification:
        """What a secret with this digest gets from this key now (constant time)."""
        if self.revoked_at is not None:
            return Verification.REVOKED
        if self.is_expired(now):
            return Verification.EXPIRED
        current = hmac.compare_digest(digest, self.secret_hash)
        previous = (
            self.previous_secret_hash is not None
            and self.previous_valid_until is not None
            and now < self.previous_valid_until
            and hmac.compare_digest(digest, self.previous_secret_hash)
        )
        return Verification.ACCEPTED if current or previous else Verification.WRONG_SECRET

    def revoke(self, *, now: datetime) -> ApiKey:
        if self.revoked_at is not None:
            raise InvalidTransition(f"API key {self.kid} is already revoked")
        return dataclasses.replace(self, revoked_at=now, version=self.version + 1)

    def rotate(self, new_secret_hash: str, *, grace: timedelta, now: datetime) -> ApiKey:
        """A new secret; the old one keeps working for `grace`."""
        if self.revoked_at is not None:
            raise InvalidTransition(f"API key {self.kid} is revoked; create a new one")
        return dataclasses.replace(
            self,
            secret_hash=new_secret_hash,
            previous_secret_hash=self.secret_hash,
            previous_valid_until=now + grace,
            version=self.version + 1,
        )

    def used(self, *, now: datetime) -> ApiKey:
        return dataclasses.replace(self, last_used_at=now)
