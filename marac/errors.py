"""Domain errors.

Services raise these; ``marac.app`` maps each class once to an RFC 9457 problem response, so no layer
below the controllers knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class FieldProblem:
    """One thing wrong with one input field, named by its JSON path (``answers.q3``)."""

    field: str
    message: str


class MaracError(Exception):
    """Base of every error a person may be shown."""

    status = 400
    title = "Bad request"
    type_slug = "bad-request"

    def __init__(self, detail: str, *, errors: list[FieldProblem] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra


class InvalidInput(MaracError):
    """The request was understood but a value in it is not acceptable."""

    status = 422
    title = "Invalid input"
    type_slug = "invalid-input"

    @classmethod
    def for_field(cls, field_name: str, message: str) -> InvalidInput:
        return cls(f"{field_name}: {message}", errors=[FieldProblem(field_name, message)])


class NotAuthenticated(MaracError):
    status = 401
    title = "Not authenticated"
    type_slug = "not-authenticated"


class PermissionDenied(MaracError):
    status = 403
    title = "Permission denied"
    type_slug = "permission-denied"


class NotFound(MaracError):
    """Also raised for objects the actor may not know exist (another area, a must-not-receive case)."""

    status = 404
    title = "Not found"
    type_slug = "not-found"

    def __init__(self, object_type: str, object_id: object | None = None) -> None:
        label = f"{object_type} {object_id}" if object_id is not None else object_type
        super().__init__(f"{label} was not found", object_type=object_type)
        self.object_type = object_type
        self.object_id = object_id


class Conflict(MaracError):
    """The change clashes with the current state (a duplicate, a stale version, a closed meeting)."""

    status = 409
    title = "Conflict"
    type_slug = "conflict"


class StaleVersion(Conflict):
    """Someone else changed the record since the client read it; nothing was overwritten."""

    title = "Edited by someone else"
    type_slug = "stale-version"

    def __init__(self, object_type: str, object_id: object, expected: int, actual: int) -> None:
        super().__init__(
            f"{object_type} {object_id} is at version {actual}, not {expected}: reload and try again",
            current_version=actual,
        )


class TooManyAttempts(MaracError):
    status = 429
    title = "Too many attempts"
    type_slug = "too-many-attempts"


class Unavailable(MaracError):
    """A feature that depends on something not installed here (e.g. LibreOffice for PDF)."""

    status = 503
    title = "Unavailable"
    type_slug = "unavailable"
