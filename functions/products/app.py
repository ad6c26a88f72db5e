"""A reseller's products: POST/GET /accounts/{account_id}/products, GET/PATCH .../products/{product_id}."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from reseller_billing.api import http
from reseller_billing.api.idempotency import once_per_key
from reseller_billing.logic import products
from reseller_billing.models.common import Page
from reseller_billing.models.products import Product, ProductCreate, ProductUpdate

router = Router()
BASE = "/accounts/<account_id>/products"


@router.post(BASE, summary="Create a product", responses={201: {"description": "Created"}})
def create_product(
    account_id: str, body: ProductCreate, idempotency_key: http.IdempotencyKey = None
) -> Response[Product]:
    def create() -> Response[Product]:
        product = products.create_product(account_id, body)
        return http.respond(
            product.value,
            HTTPStatus.CREATED,
            version=product.version,
            location=f"/accounts/{account_id}/products/{product.value.id}",
        )

    route = f"POST /accounts/{account_id}/products"
    return once_per_key(http.principal(router), route, idempotency_key, body.model_dump(mode="json"), create)


@router.get(BASE, summary="List products")
def list_products(account_id: str, limit: http.Limit = 50, cursor: http.Cursor = None) -> Page[Product]:
    return products.list_products(account_id, limit, cursor)


@router.get(f"{BASE}/<product_id>", summary="Read a product")
def get_product(account_id: str, product_id: str) -> Response[Product]:
    product = products.get_product(account_id, product_id)
    return http.respond(product.value, version=product.version)


@router.patch(f"{BASE}/<product_id>", summary="Update or retire a product, or move it to another plan from a date")
def update_product(
    account_id: str, product_id: str, body: ProductUpdate, if_match: http.IfMatch = None
) -> Response[Product]:
    product = products.update_product(account_id, product_id, body, if_match)
    return http.respond(product.value, version=product.version)


app = http.create_app(router)
lambda_handler = http.http_handler(app)
