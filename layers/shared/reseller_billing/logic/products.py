"""A reseller's products. Every use case first checks that the account is a reseller (409
`account_not_reseller`)."""

from __future__ import annotations

from reseller_billing.dal import products as table
from reseller_billing.dal.writes import saved_with_retries
from reseller_billing.etags import check_if_match
from reseller_billing.ids import new_id
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.models.common import Page, Versioned, utcnow
from reseller_billing.models.products import Product, ProductCreate, ProductUpdate


def create_product(account_id: str, request: ProductCreate) -> Versioned[Product]:
    """A product on one of the reseller's price plans (422 `price_plan_not_found` otherwise)."""
    load_reseller(account_id)
    now = utcnow()
    product = Product(
        id=new_id("prod"),
        account_id=account_id,
        code=request.code,
        name=request.name,
        description=request.description,
        price_plan_id=request.price_plan_id,
        status=request.status,
        created_at=now,
        updated_at=now,
    )
    return table.insert_product(product)


def get_product(account_id: str, product_id: str) -> Versioned[Product]:
    load_reseller(account_id)
    return table.get_product(account_id, product_id)


def list_products(account_id: str, limit: int, cursor: str | None) -> Page[Product]:
    load_reseller(account_id)
    return table.list_products(account_id, limit, cursor)


def update_product(
    account_id: str, product_id: str, request: ProductUpdate, if_match: str | None
) -> Versioned[Product]:
    """Rename, describe, move to another plan or retire a product."""
    return saved_with_retries(lambda: _update_product(account_id, product_id, request, if_match), if_match)


def _update_product(
    account_id: str, product_id: str, request: ProductUpdate, if_match: str | None
) -> Versioned[Product]:
    stored = get_product(account_id, product_id)
    check_if_match(if_match, stored.version)
    changes = {field: getattr(request, field) for field in request.model_fields_set}
    product = stored.value.model_copy(update={**changes, "updated_at": utcnow()})
    return table.save_product(product, stored.version, stored.value.price_plan_id)
