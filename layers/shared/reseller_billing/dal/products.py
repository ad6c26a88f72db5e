"""A reseller's products in the table.

A product is created in one transaction with the guard that keeps its code unique within the reseller and
its plan's product count. A plan counts the products whose plan history names it: a move to another plan
counts the product on that plan in the same transaction as the edit, and the plan it leaves keeps it (it
priced the product's earlier cycles); only a move replaced before it took effect releases its plan. A
plan of another reseller has another partition key, so a product can never count on it."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from reseller_billing.dal.items import PlanAssignmentMap, PricePlanItem, ProductItem, UniqueValueGuard, account_pk
from reseller_billing.dal.pagination import query_page
from reseller_billing.dal.writes import (
    ChangedMeanwhileError,
    Transaction,
    TransactionFailed,
    set_actions,
    update_version,
)
from reseller_billing.errors import ConflictError, ErrorCode, NotFoundError, UnprocessableError
from reseller_billing.models.common import Page, Versioned, utctoday
from reseller_billing.models.products import PlanAssignment, Product, ProductStatus

# What an edit of a product writes: everything but its key, code and creation time.
_EDITED = ("name", "description", "price_plan_id", "plan_history", "status", "updated_at")


def product_of(item: ProductItem) -> Product:
    """The product as stored, its `price_plan_id` the plan in force today."""
    history = [
        PlanAssignment(price_plan_id=entry.price_plan_id, effective_from=entry.effective_from)
        for entry in item.plan_history or []
    ] or [PlanAssignment(price_plan_id=item.price_plan_id, effective_from=None)]
    return Product(
        id=item.id,
        account_id=item.account_id,
        code=item.code,
        name=item.name,
        description=item.description,
        price_plan_id=Product.plan_in_force(history, utctoday()),
        plan_history=history,
        status=ProductStatus(item.status),
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _item(product: Product) -> ProductItem:
    return ProductItem(
        *ProductItem.key(product.account_id, product.id),
        id=product.id,
        account_id=product.account_id,
        code=product.code,
        name=product.name,
        description=product.description,
        price_plan_id=product.plan_history[-1].price_plan_id,
        plan_history=[
            PlanAssignmentMap(price_plan_id=entry.price_plan_id, effective_from=entry.effective_from)
            for entry in product.plan_history
        ],
        status=product.status.value,
        created_at=product.created_at,
        updated_at=product.updated_at,
    )


def get_product(account_id: str, product_id: str) -> Versioned[Product]:
    try:
        item = ProductItem.get(*ProductItem.key(account_id, product_id), consistent_read=True)
    except DoesNotExist:
        raise NotFoundError(f"product {product_id} not found") from None
    return Versioned(product_of(item), item.version)


def list_products(account_id: str, limit: int, cursor: str | None) -> Page[Product]:
    return query_page(
        ProductItem,
        product_of,
        account_pk(account_id),
        ProductItem.sk.startswith("PRODUCT#"),
        limit=limit,
        cursor=cursor,
    )


def _plan_not_found(plan_id: str) -> UnprocessableError:
    return UnprocessableError(
        f"price plan {plan_id} does not exist in this account",
        code=ErrorCode.PRICE_PLAN_NOT_FOUND,
        details=[{"in": "body", "field": "price_plan_id", "message": "no such price plan in this account"}],
    )


def _count_on_plan(tx: Transaction, account_id: str, plan_id: str, delta: int, label: str) -> None:
    plan = PricePlanItem(*PricePlanItem.key(account_id, plan_id))
    tx.update(plan, label, [PricePlanItem.product_count.add(delta)], PricePlanItem.pk.exists())


def insert_product(product: Product) -> Versioned[Product]:
    """Create the product, claim its code within the reseller, and count it on its price plan."""
    item = _item(product)
    item.version = 1
    tx = Transaction()
    tx.put(item, "product", ProductItem.pk.does_not_exist())
    guard = UniqueValueGuard(*UniqueValueGuard.product_code_key(product.account_id, product.code))
    guard.owner_id = product.id
    tx.put(guard, "code", UniqueValueGuard.pk.does_not_exist())
    _count_on_plan(tx, product.account_id, product.price_plan_id, 1, "plan")
    try:
        tx.commit()
    except TransactionFailed as failure:
        if "code" in failure.failed:
            raise ConflictError(
                f"product code {product.code} is already used by this reseller", code=ErrorCode.PRODUCT_CODE_TAKEN
            ) from None
        raise _plan_not_found(product.price_plan_id) from None
    return Versioned(product, 1)


def save_product(product: Product, expected_version: int, previous: Product) -> Versioned[Product]:
    """Save a changed product. A plan its history names now and did not before counts it (and must be one
    of the reseller's); a plan it no longer names at all (a move replaced before it took effect) stops."""
    item = _item(product)
    named = {entry.price_plan_id for entry in product.plan_history}
    named_before = {entry.price_plan_id for entry in previous.plan_history}
    if named == named_before:
        return Versioned(product, update_version(item, _EDITED, expected_version))
    tx = Transaction()
    tx.update(
        item,
        "product",
        [*set_actions(item, _EDITED), ProductItem.version.set(expected_version + 1)],
        ProductItem.version == expected_version,
    )
    for plan_id in sorted(named - named_before):
        _count_on_plan(tx, product.account_id, plan_id, 1, f"plan:{plan_id}")
    for plan_id in sorted(named_before - named):
        _count_on_plan(tx, product.account_id, plan_id, -1, f"released:{plan_id}")
    try:
        tx.commit()
    except TransactionFailed as failure:
        missing = [label.partition(":")[2] for label in failure.failed if label.startswith("plan:")]
        if missing:
            raise _plan_not_found(missing[0]) from None
        raise ChangedMeanwhileError() from None
    return Versioned(product, expected_version + 1)
