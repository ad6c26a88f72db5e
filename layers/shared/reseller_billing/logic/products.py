"""A reseller's products. Every use case first checks that the account is a reseller (409
`account_not_reseller`)."""

from __future__ import annotations

from datetime import date, datetime

from reseller_billing.dal import products as table
from reseller_billing.dal.writes import saved_with_retries
from reseller_billing.etags import check_if_match
from reseller_billing.ids import new_id
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.logic.price_plans import change_date, effective_from_error
from reseller_billing.models.common import Page, Versioned, utcnow, utctoday
from reseller_billing.models.products import PlanAssignment, Product, ProductCreate, ProductUpdate


def with_product_change(product: Product, request: ProductUpdate, today: date, now: datetime) -> Product:
    """`product` after the PATCH `request` on `today`. Name, description and status change at once; another
    plan prices the product's cycles from `effective_from` on (a move on the same date as one not yet in
    force replaces it; a move back to the plan before it cancels it)."""
    changes = {
        name: getattr(request, name)
        for name in request.model_fields_set
        if name not in ("price_plan_id", "effective_from")
    }
    if request.price_plan_id is None:
        if request.effective_from is not None:
            raise effective_from_error("only with price_plan_id")
        return product.model_copy(update={**changes, "updated_at": now})
    history = product.plan_history
    latest = history[-1]
    effective_from = change_date(request.effective_from, latest.effective_from, today)
    if effective_from == latest.effective_from:
        history = history[:-1]
    if history[-1].price_plan_id != request.price_plan_id:
        history = [*history, PlanAssignment(price_plan_id=request.price_plan_id, effective_from=effective_from)]
    return product.model_copy(
        update={
            **changes,
            "plan_history": history,
            "price_plan_id": Product.plan_in_force(history, today),
            "updated_at": now,
        }
    )


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
        plan_history=[PlanAssignment(price_plan_id=request.price_plan_id, effective_from=None)],
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
    """Rename, describe, retire a product, or move it to another plan from a date (default today)."""
    return saved_with_retries(lambda: _update_product(account_id, product_id, request, if_match), if_match)


def _update_product(
    account_id: str, product_id: str, request: ProductUpdate, if_match: str | None
) -> Versioned[Product]:
    stored = get_product(account_id, product_id)
    check_if_match(if_match, stored.version)
    product = with_product_change(stored.value, request, utctoday(), utcnow())
    return table.save_product(product, stored.version, stored.value)
