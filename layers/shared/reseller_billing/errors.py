"""The one error hierarchy and the one list of error codes.

Each error knows its HTTP status and carries an `ErrorCode`; the API layer maps errors to
`{"error": {"code", "message", "details"}}` in one place (api/http.py). docs/error-codes.md lists every
code with its status and meaning (tests/unit/test_error_codes.py keeps the two equal).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class ErrorCode(StrEnum):
    """Every `error.code` the service answers, grouped by HTTP status."""

    # 400
    BAD_REQUEST = "bad_request"
    MALFORMED_JSON = "malformed_json"
    INVALID_CURSOR = "invalid_cursor"
    # 401
    UNAUTHORIZED = "unauthorized"
    # 403
    FORBIDDEN = "forbidden"
    FEATURE_NOT_LICENSED = "feature_not_licensed"
    # 404
    NOT_FOUND = "not_found"
    # 409
    CONFLICT = "conflict"
    ACCOUNT_NOT_RESELLER = "account_not_reseller"
    ACCOUNT_HAS_CUSTOMERS = "account_has_customers"
    ALREADY_RESELLER = "already_reseller"
    CUSTOMER_NUMBER_TAKEN = "customer_number_taken"
    CUSTOMER_CLOSED = "customer_closed"
    CUSTOMER_HAS_ACTIVE_SIMS = "customer_has_active_sims"
    CUSTOMER_NOT_ACTIVE = "customer_not_active"
    PRICE_PLAN_IN_USE = "price_plan_in_use"
    PRODUCT_CODE_TAKEN = "product_code_taken"
    PRODUCT_NOT_ACTIVE = "product_not_active"
    ICCID_EXISTS = "iccid_exists"
    SIM_RETIRED = "sim_retired"
    STATUS_UNCHANGED = "status_unchanged"
    CYCLE_CLOSED = "cycle_closed"
    INVOICING_DISABLED = "invoicing_disabled"
    RUN_IN_PROGRESS = "run_in_progress"
    IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress"
    # 412
    PRECONDITION_FAILED = "precondition_failed"
    # 413
    PAYLOAD_TOO_LARGE = "payload_too_large"
    # 415
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    # 422
    VALIDATION_ERROR = "validation_error"
    PRICE_PLAN_NOT_FOUND = "price_plan_not_found"
    PRODUCT_NOT_FOUND = "product_not_found"
    ICCID_NOT_IN_STOCK = "iccid_not_in_stock"
    INVALID_EFFECTIVE_DATE = "invalid_effective_date"
    RUN_DATE_IN_FUTURE = "run_date_in_future"
    RUN_DATE_NOT_CYCLE_DAY = "run_date_not_cycle_day"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    E_INVOICE_INVALID = "e_invoice_invalid"
    CREDIT_EXCEEDS_INVOICE = "credit_exceeds_invoice"
    # 429, answered by API Gateway itself (template.yaml, GatewayResponses)
    THROTTLED = "throttled"
    # 500
    INTERNAL_ERROR = "internal_error"
    # 503: a transient failure; an API caller may retry, a worker's message is delivered again
    SERVICE_UNAVAILABLE = "service_unavailable"
    CONFLICT_RETRY = "conflict_retry"
    NUMBERING_CONTENTION = "numbering_contention"
    QUEUE_UNAVAILABLE = "queue_unavailable"
    EVENTS_UNAVAILABLE = "events_unavailable"


class UsageRejection(StrEnum):
    """Why a usage record was rejected; the request's other records are kept."""

    INVALID_RECORD = "invalid_record"
    INVALID_ICCID = "invalid_iccid"
    UNKNOWN_SERVICE = "unknown_service"
    INVALID_QUANTITY = "invalid_quantity"
    INVALID_OCCURRED_AT = "invalid_occurred_at"
    UNKNOWN_ICCID = "unknown_iccid"
    BEFORE_ACTIVATION = "before_activation"
    SIM_RETIRED = "sim_retired"
    CYCLE_CLOSED = "cycle_closed"
    SERVICE_NOT_IN_PLAN = "service_not_in_plan"


class StockRejection(StrEnum):
    """Why an ICCID was not added to an account's SIM stock; the request's other ICCIDs are added."""

    ICCID_IN_STOCK = "iccid_in_stock"


class UsageFileFailure(StrEnum):
    """Why a usage file as a whole was not ingested (status FAILED); a bad line is only rejected."""

    TOO_LARGE = "file_too_large"
    EMPTY = "file_empty"
    NOT_TEXT = "not_text"
    NOT_NDJSON = "not_ndjson"
    NO_CSV_HEADER = "no_csv_header"


class ServiceError(Exception):
    """Base of every error the service raises on purpose."""

    status: ClassVar[int] = 500
    default_code: ClassVar[ErrorCode] = ErrorCode.INTERNAL_ERROR

    def __init__(
        self, message: str, *, code: ErrorCode | None = None, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details or []


class BadRequestError(ServiceError):
    status = 400
    default_code = ErrorCode.BAD_REQUEST


class MalformedJsonError(BadRequestError):
    default_code = ErrorCode.MALFORMED_JSON


class UnauthorizedError(ServiceError):
    status = 401
    default_code = ErrorCode.UNAUTHORIZED


class ForbiddenError(ServiceError):
    status = 403
    default_code = ErrorCode.FORBIDDEN


class NotFoundError(ServiceError):
    status = 404
    default_code = ErrorCode.NOT_FOUND


class ConflictError(ServiceError):
    status = 409
    default_code = ErrorCode.CONFLICT


class PreconditionFailedError(ServiceError):
    status = 412
    default_code = ErrorCode.PRECONDITION_FAILED


class PayloadTooLargeError(ServiceError):
    status = 413
    default_code = ErrorCode.PAYLOAD_TOO_LARGE


class UnsupportedMediaTypeError(ServiceError):
    status = 415
    default_code = ErrorCode.UNSUPPORTED_MEDIA_TYPE


class UnprocessableError(ServiceError):
    status = 422
    default_code = ErrorCode.VALIDATION_ERROR


class TransientError(ServiceError):
    """A retryable failure (contention, throttling): workers let the message be redelivered."""

    status = 503
    default_code = ErrorCode.SERVICE_UNAVAILABLE
