"""Powertools Logger, Metrics and Tracer, created once and shared by every handler.

The X-Ray SDK behind Tracer costs ~300 ms when it is first imported (it builds an X-Ray client). The
API functions therefore rely on Lambda's and API Gateway's active tracing alone and never load it; the
billing functions (scheduler, fan-out, invoice worker), where per-call subsegments to DynamoDB and S3
are worth it and a cold start matters little, wrap their handler with `traced`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.tracing import Tracer

SERVICE = "reseller-billing"

logger = Logger(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace="ResellerBilling")

HandlerT = TypeVar("HandlerT", bound=Callable[..., Any])


@cache
def tracer() -> Tracer:
    from aws_lambda_powertools.tracing import Tracer

    return Tracer(service=SERVICE)


def traced(handler: HandlerT) -> HandlerT:
    """`Tracer.capture_lambda_handler`, with the tracer (and the X-Ray SDK) created on first invocation."""

    @cache
    def captured() -> Callable[..., Any]:
        return tracer().capture_lambda_handler(handler)

    @wraps(handler)
    def wrapper(event: Any, context: Any) -> Any:
        return captured()(event, context)

    return wrapper  # type: ignore[return-value]
