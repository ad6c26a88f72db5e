"""`Idempotency-Key` on creating POSTs, with Powertools idempotency on the service's table.

The same key with the same body within 24 h replays the first answer (status, body, headers); with
another body it is 422 `idempotency_key_reused`; while the first is still running, 409. Keys are scoped
to the caller and the route, so two tenants may use the same key.

Powertools' idempotency utility imports boto3 (~250 ms): it is loaded only when a request carries a key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from reseller_billing.errors import ConflictError, ErrorCode, UnprocessableError
from reseller_billing.principal import Principal
from reseller_billing.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import Response
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

TTL_ATTRIBUTE = "ttl"


class _Invocation:
    context: Any = None


def register_context(context: Any) -> None:
    """Remember the invocation, so Powertools can bound an in-progress record by its remaining time."""
    _Invocation.context = context


@cache
def _config() -> IdempotencyConfig:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="[caller, route, key]",
        payload_validation_jmespath="body",
        expires_after_seconds=24 * 3600,
        use_local_cache=False,
    )


@cache
def _persistence() -> DynamoDBPersistenceLayer:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(
        table_name=get_settings().table_name,
        key_attr="PK",
        sort_key_attr="SK",
        static_pk_value="IDEMPOTENCY",
        expiry_attr=TTL_ATTRIBUTE,
    )


def once_per_key(
    principal: Principal,
    route: str,
    key: str | None,
    body: Any,
    create: Callable[[], Response[Any]],
) -> Response[Any]:
    """Run `create` once per (caller, route, key); without a key, just run it."""
    if key is None:
        return create()
    from aws_lambda_powertools.event_handler.api_gateway import Response
    from aws_lambda_powertools.utilities.idempotency import idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    request = {
        "caller": principal.subject,
        "route": route,
        "key": key,
        "body": hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest(),
    }

    def run(request: dict[str, Any]) -> dict[str, Any]:
        response = create()
        content = response.body.model_dump(mode="json") if isinstance(response.body, BaseModel) else response.body
        return {"status": response.status_code, "body": content, "headers": response.headers}

    config = _config()
    if _Invocation.context is not None:
        config.register_lambda_context(_Invocation.context)
    guarded = idempotent_function(run, data_keyword_argument="request", persistence_store=_persistence(), config=config)
    try:
        stored = guarded(request=request)
    except IdempotencyValidationError:
        raise UnprocessableError(
            "this Idempotency-Key was used with another request body", code=ErrorCode.IDEMPOTENCY_KEY_REUSED
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise ConflictError(
            "a request with this Idempotency-Key is still in progress", code=ErrorCode.IDEMPOTENCY_IN_PROGRESS
        ) from None
    return Response(stored["status"], "application/json", stored["body"], headers=stored["headers"])
