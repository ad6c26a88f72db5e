"""POST /accounts/{account_id}/usage: up to 1000 usage records; 202 with what was accepted."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from reseller_billing.api import http
from reseller_billing.logic import usage
from reseller_billing.models.usage import UsageBatch, UsageResult

router = Router()


@router.post(
    "/accounts/<account_id>/usage",
    summary="Submit usage records",
    responses={202: {"description": "Each record accepted, duplicate, or rejected with a reason"}},
)
def submit_usage(account_id: str, body: UsageBatch) -> Response[UsageResult]:
    return http.respond(usage.ingest_usage(account_id, body.records), HTTPStatus.ACCEPTED)


app = http.create_app(router)
lambda_handler = http.http_handler(app)
