"""A reseller's SIM stock: the operator adds ICCIDs (a list at once, a range in the background), the
operator and the reseller list it."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from reseller_billing.api import http
from reseller_billing.api.idempotency import once_per_key
from reseller_billing.logic import stock
from reseller_billing.models.common import Page
from reseller_billing.models.stock import StockAdded, StockAddition, StockAllocation, StockEntry, StockStatus

router = Router()
BASE = "/accounts/<account_id>/sim-stock"

StatusFilter = Annotated[StockStatus | None, Query(description="Only the ICCIDs with this status")]


@router.post(
    BASE,
    summary="Add ICCIDs to a reseller's SIM stock (operator)",
    description=(
        "`iccids` (up to 1000) are added at once: 201 with `added` and the `rejected` ones. A `range` (up to "
        "100,000) is added in the background: 202 with the allocation to follow at its Location. An ICCID "
        "already in any account's stock is rejected (`iccid_in_stock`)."
    ),
    responses={
        201: {
            "description": "The listed ICCIDs were added or rejected",
            "content": {"application/json": {"model": StockAdded}},
        },
        202: {
            "description": "The range is being added: GET the allocation for its progress",
            "content": {"application/json": {"model": StockAllocation}},
        },
    },
)
def add_to_stock(
    account_id: str, body: StockAddition, idempotency_key: http.IdempotencyKey = None
) -> Response[StockAdded | StockAllocation]:
    caller = http.principal(router)

    def create() -> Response[StockAdded | StockAllocation]:
        if body.range is None:
            return http.respond(stock.add_iccids(caller, account_id, body.iccids or []), HTTPStatus.CREATED)
        allocation = stock.start_allocation(caller, account_id, body.range)
        location = f"/accounts/{account_id}/sim-stock/allocations/{allocation.id}"
        return http.respond(allocation, HTTPStatus.ACCEPTED, location=location)

    route = f"POST /accounts/{account_id}/sim-stock"
    return once_per_key(caller, route, idempotency_key, body.model_dump(mode="json"), create)


@router.get(BASE, summary="List a reseller's SIM stock, by status then ICCID")
def list_stock(
    account_id: str, status: StatusFilter = None, limit: http.Limit = 50, cursor: http.Cursor = None
) -> Page[StockEntry]:
    return stock.list_stock(account_id, status, limit, cursor)


@router.get(f"{BASE}/allocations/<allocation_id>", summary="Read the allocation of a range (operator)")
def get_allocation(account_id: str, allocation_id: str) -> StockAllocation:
    return stock.get_allocation(http.principal(router), account_id, allocation_id)


app = http.create_app(router)
lambda_handler = http.http_handler(app)
