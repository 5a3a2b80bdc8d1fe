"""Passwords hashed with argon2id (argon2-cffi), parameters embedded in each hash."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2PasswordHasher:
    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        # argon2-cffi's defaults are RFC 9106's low-memory profile.
        self._hasher = hasher or PasswordHasher()
        self._decoy = self._hasher.hash("decoy password for unknown accounts")

    @classmethod
    def fast_for_tests(cls) -> Argon2PasswordHasher:
        """Weak parameters that keep a test suite quick. Never for real passwords."""
        return cls(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def burn(self, password: str) -> None:
        self.verify(self._decoy, password)
