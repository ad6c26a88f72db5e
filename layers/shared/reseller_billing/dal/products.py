"""A reseller's products in the table.

A product is created in one transaction with the guard that keeps its code unique within the reseller and
its plan's product count; moving it to another plan moves the count in the same transaction as the edit.
A plan of another reseller has another partition key, so a product can never count on it."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from reseller_billing.dal.items import PricePlanItem, ProductItem, UniqueValueGuard, account_pk
from reseller_billing.dal.pagination import query_page
from reseller_billing.dal.writes import (
    ChangedMeanwhileError,
    Transaction,
    TransactionFailed,
    set_actions,
    update_version,
)
from reseller_billing.errors import ConflictError, ErrorCode, NotFoundError, UnprocessableError
from reseller_billing.models.common import Page, Versioned
from reseller_billing.models.products import Product, ProductStatus

# What an edit of a product writes: everything but its key, code and creation time.
_EDITED = ("name", "description", "price_plan_id", "status", "updated_at")


def _product(item: ProductItem) -> Product:
    return Product(
        id=item.id,
        account_id=item.account_id,
        code=item.code,
        name=item.name,
        description=item.description,
        price_plan_id=item.price_plan_id,
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
        price_plan_id=product.price_plan_id,
        status=product.status.value,
        created_at=product.created_at,
        updated_at=product.updated_at,
    )


def get_product(account_id: str, product_id: str) -> Versioned[Product]:
    try:
        item = ProductItem.get(*ProductItem.key(account_id, product_id), consistent_read=True)
    except DoesNotExist:
        raise NotFoundError(f"product {product_id} not found") from None
    return Versioned(_product(item), item.version)


def list_products(account_id: str, limit: int, cursor: str | None) -> Page[Product]:
    return query_page(
        ProductItem,
        _product,
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


def save_product(product: Product, expected_version: int, previous_plan_id: str) -> Versioned[Product]:
    """Save a changed product; moving it to another plan moves its count from one plan to the other."""
    item = _item(product)
    if product.price_plan_id == previous_plan_id:
        return Versioned(product, update_version(item, _EDITED, expected_version))
    tx = Transaction()
    tx.update(
        item,
        "product",
        [*set_actions(item, _EDITED), ProductItem.version.set(expected_version + 1)],
        ProductItem.version == expected_version,
    )
    _count_on_plan(tx, product.account_id, previous_plan_id, -1, "old_plan")
    _count_on_plan(tx, product.account_id, product.price_plan_id, 1, "new_plan")
    try:
        tx.commit()
    except TransactionFailed as failure:
        if "new_plan" in failure.failed:
            raise _plan_not_found(product.price_plan_id) from None
        raise ChangedMeanwhileError() from None
    return Versioned(product, expected_version + 1)
