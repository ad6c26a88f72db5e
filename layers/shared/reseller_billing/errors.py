"""The one error hierarchy. Each error knows its HTTP status and stable error code; the API layer maps
them to `{"error": {"code", "message", "details"}}` in one place (api/http.py)."""

from __future__ import annotations

from typing import Any, ClassVar


class ServiceError(Exception):
    """Base of every error the service raises on purpose."""

    status: ClassVar[int] = 500
    default_code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details or []


class BadRequestError(ServiceError):
    status = 400
    default_code = "bad_request"


class MalformedJsonError(BadRequestError):
    default_code = "malformed_json"


class UnauthorizedError(ServiceError):
    status = 401
    default_code = "unauthorized"


class ForbiddenError(ServiceError):
    status = 403
    default_code = "forbidden"


class NotFoundError(ServiceError):
    status = 404
    default_code = "not_found"


class ConflictError(ServiceError):
    status = 409
    default_code = "conflict"


class PreconditionFailedError(ServiceError):
    status = 412
    default_code = "precondition_failed"


class PayloadTooLargeError(ServiceError):
    status = 413
    default_code = "payload_too_large"


class UnsupportedMediaTypeError(ServiceError):
    status = 415
    default_code = "unsupported_media_type"


class UnprocessableError(ServiceError):
    status = 422
    default_code = "validation_error"


class TransientError(ServiceError):
    """A retryable failure (contention, throttling): workers let the message be redelivered."""

    status = 503
    default_code = "service_unavailable"
