"""The HTTP edge every API handler shares: one resolver factory, one place that turns errors into
`{"error": {...}}` answers, request admission (size, media type, caller, tenant), ETags, pagination
parameters and cursors."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Collection
from http import HTTPStatus
from typing import Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from pydantic import BaseModel

from reseller_billing.api import cursors
from reseller_billing.api.auth import principal_from_claims
from reseller_billing.api.body import parse_json
from reseller_billing.api.idempotency import register_context
from reseller_billing.errors import (
    BadRequestError,
    ForbiddenError,
    MalformedJsonError,
    PayloadTooLargeError,
    ServiceError,
    UnsupportedMediaTypeError,
)
from reseller_billing.etags import etag
from reseller_billing.observability import logger
from reseller_billing.principal import Principal

MAX_BODY_BYTES = 1024 * 1024
JSON = "application/json"
_JSON_MEDIA = re.compile(r"^application/([\w.+-]+\+)?json\s*(;.*)?$", re.IGNORECASE)

Limit = Annotated[int, Query(ge=1, le=100, description="Page size, 1-100")]
Cursor = Annotated[
    str | None,
    Query(description="`next_cursor` of the previous page of this list (another list's, or an altered one, is 400)"),
]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="ETag of the version you read")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[ -~]+$",
        description="1-200 printable ASCII characters; the same key and body within 24 h replay the first answer",
    ),
]

ModelT = TypeVar("ModelT", bound=BaseModel)


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> str:
    return json.dumps({"error": {"code": code, "message": message, "details": details or []}})


def error_response(error: ServiceError) -> Response[str]:
    return Response(error.status, JSON, error_body(error.code, error.message, error.details))


def _validation_details(errors: list[Any]) -> list[dict[str, Any]]:
    details = []
    for err in errors:
        location = [str(part) for part in err.get("loc", ())]
        source = location[0] if location else "body"
        field = ".".join(location[1:]) if len(location) > 1 else source
        details.append({"in": source, "field": field, "message": err.get("msg", ""), "type": err.get("type")})
    return details


def _on_validation_error(error: RequestValidationError) -> Response[str]:
    details = _validation_details(list(error.errors()))
    return Response(422, JSON, error_body("validation_error", "the request is invalid", details))


def create_app(*routers: Router) -> APIGatewayRestResolver:
    """A REST API resolver with request validation, OpenAPI, and the service's error answers. A body is
    parsed once, by `parse_json` (strict: a malformed, too deep or too long one is a 400), when the
    resolver reads it to validate it."""
    app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=parse_json)
    for router in routers:
        app.include_router(router)

    app.exception_handler(RequestValidationError)(_on_validation_error)
    app.exception_handler(ServiceError)(error_response)

    @app.not_found
    def _not_found(_: Exception) -> Response[str]:
        return Response(404, JSON, error_body("not_found", "no such route"))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[str]:
        refused = _refused_read(error)
        if refused is not None:
            logger.warning("DynamoDB refused a read", extra={"operation": refused.operation_name, "why": str(refused)})
            return error_response(
                BadRequestError("a value in the request cannot be looked up: an id or filter too long, or empty")
            )
        logger.exception("unexpected error")
        return Response(500, JSON, error_body("internal_error", "internal error; it has been logged"))

    return app


# Reads whose keys and key conditions are made from the request's path and query.
_READS = frozenset({"GetItem", "BatchGetItem", "TransactGetItems", "Query"})


def _refused_read(error: BaseException) -> ClientError | None:
    """The ValidationException DynamoDB answered a read with, if that is what `error` comes from. Reads are
    made of the request's ids and filters (the service's own expressions are fixed), so such a refusal is
    the request's: an id over DynamoDB's key limits (2,048 bytes for a partition key, 1,024 for a sort key)
    or empty. It answers 400, not 500."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ClientError):
            code = cause.response.get("Error", {}).get("Code")
            return cause if code == "ValidationException" and cause.operation_name in _READS else None
        cause = cause.__cause__ or cause.__context__
    return None


def _body_bytes(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body, validate=False)
    return str(body).encode()


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name.lower():
            return str(value)
    return None


def admit(event: dict[str, Any], scoped_by_caller: Collection[str] = ()) -> Principal:
    """Checks that do not depend on the route's code: body size (413), media type (415), caller (401/403)
    and tenant (`check_tenant`)."""
    if event.get("body"):
        body = _body_bytes(event)
        if len(body) > MAX_BODY_BYTES:
            raise PayloadTooLargeError("the request body is over 1 MB")
        content_type = _header(event, "content-type") or ""
        if not _JSON_MEDIA.match(content_type):
            raise UnsupportedMediaTypeError("send the body as application/json")
        try:
            body.decode()
        except UnicodeDecodeError:
            raise MalformedJsonError("the request body is not UTF-8 JSON") from None
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims")
    principal = principal_from_claims(claims)
    check_tenant(event, principal, scoped_by_caller)
    return principal


def check_tenant(event: dict[str, Any], caller: Principal, scoped_by_caller: Collection[str] = ()) -> None:
    """A reseller user reaches its own account's routes, and the routes in `scoped_by_caller` ("GET
    /accounts": they answer with the caller's own account, a list of one); nothing else.

    It reads what API Gateway routed: the route's `account_id` path parameter, which every tenant route
    names. Not the raw path, which a custom domain's base path mapping or a stage prefix would change. It
    fails closed: another account is 404 (as if it did not exist), and a route that names no account, or
    an event whose route cannot be read, is 403 for a reseller user."""
    if caller.is_operator:
        return
    account_id = (event.get("pathParameters") or {}).get("account_id")
    if isinstance(account_id, str) and account_id:
        caller.check_account(account_id)
    elif f"{event.get('httpMethod')} {event.get('resource')}" not in scoped_by_caller:
        raise ForbiddenError("only operators may do this")


def http_handler(
    app: APIGatewayRestResolver, *, scoped_by_caller: Collection[str] = ()
) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda entry point of an API function: admission, then the resolver, with list cursors opened
    on the way in and sealed on the way out (api/cursors.py). `scoped_by_caller`: routes that name no
    account and still serve reseller users, each answering with the caller's own account alone
    ("GET /accounts")."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        started = time.perf_counter()
        caller: Principal | None = None
        try:
            caller = admit(event, scoped_by_caller)
            routed = cursors.opened(event, caller)
        except ServiceError as error:
            response = error_response(error)
            answer = {
                "statusCode": response.status_code,
                "headers": {"Content-Type": JSON},
                "body": response.body,
                "isBase64Encoded": False,
            }
        else:
            app.append_context(principal=caller)
            register_context(context)
            answer = cursors.sealed(app.resolve(routed, context), event, caller)
        _log_request(event, answer, caller, started)
        return answer

    return handler


def _log_request(event: dict[str, Any], answer: dict[str, Any], caller: Principal | None, started: float) -> None:
    """One line per request. Only the route template, ids and outcome: never a body, a query string or
    a path's values beyond the account, so that no customer's name, e-mail or address reaches the logs."""
    status = int(answer.get("statusCode", 0))
    error_code = None
    if status >= 400:
        try:
            error_code = json.loads(answer.get("body") or "{}")["error"]["code"]
        except (ValueError, KeyError, TypeError):
            error_code = None
    logger.info(
        "request",
        extra={
            "method": event.get("httpMethod"),
            "route": event.get("resource"),
            "status": status,
            "error_code": error_code,
            "role": caller.role.value if caller else None,
            "account_id": (event.get("pathParameters") or {}).get("account_id"),
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )


def principal(app: APIGatewayRestResolver | Router) -> Principal:
    """The caller admitted for the current request."""
    caller: Principal = app.context["principal"]
    return caller


def respond(
    body: ModelT,
    status: HTTPStatus = HTTPStatus.OK,
    *,
    version: int | None = None,
    location: str | None = None,
) -> Response[ModelT]:
    headers: dict[str, str] = {}
    if version is not None:
        headers["ETag"] = etag(version)
    if location is not None:
        headers["Location"] = location
    return Response(status_code=status.value, content_type=JSON, body=body, headers=headers)
