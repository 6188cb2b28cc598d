"""Domain errors that every service raises; the HTTP layer turns them into problem documents.

Free of web imports so that domain and application code can raise them.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request that breaks a rule. `status` is the HTTP status it maps to."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"


class NotAuthenticated(DomainError):
    status = 401
    title = "Not authenticated"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"
