"""A reseller's customers: POST/GET /accounts/{account_id}/customers, GET/PATCH .../customers/{customer_id}."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from reseller_billing.api import http
from reseller_billing.api.idempotency import once_per_key
from reseller_billing.logic import customers
from reseller_billing.models.common import Page
from reseller_billing.models.customers import Customer, CustomerCreate, CustomerUpdate

router = Router()
BASE = "/accounts/<account_id>/customers"


@router.post(BASE, summary="Create a customer", responses={201: {"description": "Created"}})
def create_customer(
    account_id: str, body: CustomerCreate, idempotency_key: http.IdempotencyKey = None
) -> Response[Customer]:
    def create() -> Response[Customer]:
        customer = customers.create_customer(account_id, body)
        return http.respond(
            customer.value,
            HTTPStatus.CREATED,
            version=customer.version,
            location=f"/accounts/{account_id}/customers/{customer.value.id}",
        )

    route = f"POST /accounts/{account_id}/customers"
    return once_per_key(http.principal(router), route, idempotency_key, body.model_dump(mode="json"), create)


@router.get(BASE, summary="List customers")
def list_customers(account_id: str, limit: http.Limit = 50, cursor: http.Cursor = None) -> Page[Customer]:
    return customers.list_customers(account_id, limit, cursor)


@router.get(f"{BASE}/<customer_id>", summary="Read a customer")
def get_customer(account_id: str, customer_id: str) -> Response[Customer]:
    customer = customers.get_customer(account_id, customer_id)
    return http.respond(customer.value, version=customer.version)


@router.patch(f"{BASE}/<customer_id>", summary="Update, suspend or close a customer")
def update_customer(
    account_id: str, customer_id: str, body: CustomerUpdate, if_match: http.IfMatch = None
) -> Response[Customer]:
    customer = customers.update_customer(account_id, customer_id, body, if_match)
    return http.respond(customer.value, version=customer.version)


app = http.create_app(router)
lambda_handler = http.http_handler(app)
