"""A reseller's price plans: POST/GET /accounts/{account_id}/price-plans, GET/PATCH/DELETE .../{price_plan_id}."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from reseller_billing.api import http
from reseller_billing.api.idempotency import once_per_key
from reseller_billing.logic import price_plans
from reseller_billing.models.common import Page
from reseller_billing.models.price_plans import PricePlan, PricePlanCreate, PricePlanUpdate

router = Router()
BASE = "/accounts/<account_id>/price-plans"


@router.post(BASE, summary="Create a price plan", responses={201: {"description": "Created"}})
def create_price_plan(
    account_id: str, body: PricePlanCreate, idempotency_key: http.IdempotencyKey = None
) -> Response[PricePlan]:
    def create() -> Response[PricePlan]:
        plan = price_plans.create_price_plan(account_id, body)
        return http.respond(
            plan.value,
            HTTPStatus.CREATED,
            version=plan.version,
            location=f"/accounts/{account_id}/price-plans/{plan.value.id}",
        )

    route = f"POST /accounts/{account_id}/price-plans"
    return once_per_key(http.principal(router), route, idempotency_key, body.model_dump(mode="json"), create)


@router.get(BASE, summary="List price plans")
def list_price_plans(account_id: str, limit: http.Limit = 50, cursor: http.Cursor = None) -> Page[PricePlan]:
    return price_plans.list_price_plans(account_id, limit, cursor)


@router.get(f"{BASE}/<price_plan_id>", summary="Read a price plan")
def get_price_plan(account_id: str, price_plan_id: str) -> Response[PricePlan]:
    plan = price_plans.get_price_plan(account_id, price_plan_id)
    return http.respond(plan.value, version=plan.version)


@router.patch(
    f"{BASE}/<price_plan_id>", summary="Rename a price plan, or change its prices from a date (a new version)"
)
def update_price_plan(
    account_id: str, price_plan_id: str, body: PricePlanUpdate, if_match: http.IfMatch = None
) -> Response[PricePlan]:
    plan = price_plans.update_price_plan(account_id, price_plan_id, body, if_match)
    return http.respond(plan.value, version=plan.version)


@router.delete(f"{BASE}/<price_plan_id>", summary="Delete a price plan no product's plan history names")
def delete_price_plan(account_id: str, price_plan_id: str) -> Response[None]:
    price_plans.delete_price_plan(account_id, price_plan_id)
    return Response(status_code=HTTPStatus.NO_CONTENT.value, body=None)


app = http.create_app(router)
lambda_handler = http.http_handler(app)
