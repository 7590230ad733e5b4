"""Domain errors that carry an HTTP status and a message that is safe to show a client.

One handler (`creditpilot.platform.http`) maps every `AppError` to the JSON error shape of DESIGN.md §6:
`{"ok": false, "error": CODE, "message": TEXT, "fields": {...}}`.
"""

from __future__ import annotations

from collections.abc import Mapping


class AppError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if code:
            self.code = code

    def to_body(self) -> dict:
        return {"ok": False, "error": self.code, "message": self.message, "fields": self.fields}


class BadRequestError(AppError):
    status = 400
    code = "bad_request"


class UnauthorizedError(AppError):
    status = 401
    code = "unauthorized"


class ForbiddenError(AppError):
    status = 403
    code = "forbidden"


class NotFoundError(AppError):
    status = 404
    code = "not_found"


class ConflictError(AppError):
    status = 409
    code = "conflict"


class ValidationError(AppError):
    """Input that parses but breaks a rule: 422 with a message per field."""

    status = 422
    code = "validation_error"


class ServiceUnavailableError(AppError):
    status = 503
    code = "service_unavailable"


class DatabaseUnavailableError(ServiceUnavailableError):
    code = "database_unavailable"


class StorageUnavailableError(ServiceUnavailableError):
    code = "storage_unavailable"


class ConfigError(RuntimeError):
    """A required setting is missing or malformed. Raised at start so the function stops loudly."""
