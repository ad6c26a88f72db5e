"""POST /accounts/{account_id}/customers/{customer_id}/sim-batches: up to 1000 SIMs, each created or
rejected on its own."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from reseller_billing.api import http
from reseller_billing.api.idempotency import once_per_key
from reseller_billing.logic import sim_batches
from reseller_billing.models.sim_batches import SimBatch, SimBatchResult

router = Router()


@router.post(
    "/accounts/<account_id>/customers/<customer_id>/sim-batches",
    summary="Assign up to 1000 SIMs to a customer",
    responses={200: {"description": "Each SIM created, or rejected with the error code it would get alone"}},
)
def create_sims(
    account_id: str, customer_id: str, body: SimBatch, idempotency_key: http.IdempotencyKey = None
) -> Response[SimBatchResult]:
    def create() -> Response[SimBatchResult]:
        return http.respond(sim_batches.create_sims(account_id, customer_id, body.sims))

    route = f"POST /accounts/{account_id}/customers/{customer_id}/sim-batches"
    return once_per_key(http.principal(router), route, idempotency_key, body.model_dump(mode="json"), create)


app = http.create_app(router)
lambda_handler = http.http_handler(app)
