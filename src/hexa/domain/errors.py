"""The errors the core raises. Drivers map each kind to a response; nothing else does."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain and services raise on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """The object asked for does not exist."""


class Conflict(DomainError):
    """The change would break a uniqueness rule or clash with the object's state."""


class StaleVersion(Conflict):
    """The caller changed a version of the object that someone else has since replaced."""


class InvalidTransition(Conflict):
    """The object's lifecycle does not allow this step from its current status."""


class ValidationError(DomainError):
    """The input breaks an invariant of the domain (a bad rule parameter, say)."""


class TooLarge(DomainError):
    """The input is over a size limit."""


class UnsupportedType(DomainError):
    """The content's media type is not one this use accepts."""


class Unavailable(DomainError):
    """A store or service the use case needs cannot be reached right now; try again."""


class Unauthenticated(DomainError):
    """The credentials are missing, malformed, expired, revoked or simply wrong."""


class Forbidden(DomainError):
    """The caller is known but not allowed to do this."""


class RateLimited(DomainError):
    """Too many attempts; `retry_after` says how many seconds to wait."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
