"""Manual billing runs: POST/GET /accounts/{account_id}/billing-runs, GET .../billing-runs/{run_id}."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from reseller_billing.api import http
from reseller_billing.api.idempotency import once_per_key
from reseller_billing.logic import billing_runs
from reseller_billing.models.billing_runs import BillingRun, BillingRunRequest
from reseller_billing.models.common import Page

router = Router()
BASE = "/accounts/<account_id>/billing-runs"


@router.post(BASE, summary="Start a billing run", responses={202: {"description": "Queued"}})
def start_billing_run(
    account_id: str, body: BillingRunRequest, idempotency_key: http.IdempotencyKey = None
) -> Response[BillingRun]:
    caller = http.principal(router)

    def start() -> Response[BillingRun]:
        run = billing_runs.start_manual_run(account_id, body.run_date, body.customer_ids)
        return http.respond(
            run,
            HTTPStatus.ACCEPTED,
            location=f"/accounts/{account_id}/billing-runs/{run.id}",
        )

    route = f"POST /accounts/{account_id}/billing-runs"
    return once_per_key(caller, route, idempotency_key, body.model_dump(mode="json"), start)


@router.get(BASE, summary="List billing runs, newest first")
def list_billing_runs(account_id: str, limit: http.Limit = 50, cursor: http.Cursor = None) -> Page[BillingRun]:
    return billing_runs.list_runs(account_id, limit, cursor)


@router.get(f"{BASE}/<run_id>", summary="Read a billing run and its counts")
def get_billing_run(account_id: str, run_id: str) -> Response[BillingRun]:
    return http.respond(billing_runs.get_run(account_id, run_id))


app = http.create_app(router)
lambda_handler = http.http_handler(app)
