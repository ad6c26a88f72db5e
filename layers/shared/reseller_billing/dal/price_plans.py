"""A reseller's price plans in the table.

A plan's item counts the products on it (`product_count`, moved by the products' transactions): edits
leave that count alone, and a plan is deleted only while it is 0."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, DoesNotExist

from reseller_billing.dal.items import AllowanceMap, MrcTierMap, PricePlanItem, account_pk
from reseller_billing.dal.pagination import query_page
from reseller_billing.dal.writes import condition_failed, update_version
from reseller_billing.errors import ConflictError, ErrorCode, NotFoundError
from reseller_billing.models.common import Page, Versioned
from reseller_billing.models.price_plans import Allowance, MrcTier, PricePlanRecord

# What an edit of a plan writes: everything but its key, creation time and product count.
_EDITED = ("name", "activation_fee", "monthly_fee", "pool_type", "allowances", "mrc_tiers", "updated_at")


def _plan(item: PricePlanItem) -> PricePlanRecord:
    return PricePlanRecord(
        id=item.id,
        account_id=item.account_id,
        name=item.name,
        activation_fee=item.activation_fee,
        monthly_fee=item.monthly_fee,
        pool_type=item.pool_type,
        allowances=[
            Allowance(service=a.service, included=a.included, overage_price=a.overage_price) for a in item.allowances
        ],
        mrc_tiers=[MrcTier(min_active_sims=t.min_active_sims, monthly_fee=t.monthly_fee) for t in item.mrc_tiers],
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _item(plan: PricePlanRecord) -> PricePlanItem:
    return PricePlanItem(
        *PricePlanItem.key(plan.account_id, plan.id),
        id=plan.id,
        account_id=plan.account_id,
        name=plan.name,
        activation_fee=plan.activation_fee,
        monthly_fee=plan.monthly_fee,
        pool_type=plan.pool_type.value,
        allowances=[
            AllowanceMap(service=a.service.value, included=a.included, overage_price=a.overage_price)
            for a in plan.allowances
        ],
        mrc_tiers=[MrcTierMap(min_active_sims=t.min_active_sims, monthly_fee=t.monthly_fee) for t in plan.mrc_tiers],
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )


def get_price_plan(account_id: str, plan_id: str) -> Versioned[PricePlanRecord]:
    try:
        item = PricePlanItem.get(*PricePlanItem.key(account_id, plan_id), consistent_read=True)
    except DoesNotExist:
        raise NotFoundError(f"price plan {plan_id} not found") from None
    return Versioned(_plan(item), item.version)


def list_price_plans(account_id: str, limit: int, cursor: str | None) -> Page[PricePlanRecord]:
    return query_page(
        PricePlanItem,
        _plan,
        account_pk(account_id),
        PricePlanItem.sk.startswith("PRICE_PLAN#"),
        limit=limit,
        cursor=cursor,
    )


def insert_price_plan(plan: PricePlanRecord) -> Versioned[PricePlanRecord]:
    item = _item(plan)
    item.product_count = 0
    item.version = 1
    item.save(condition=PricePlanItem.pk.does_not_exist())
    return Versioned(plan, 1)


def save_price_plan(plan: PricePlanRecord, expected_version: int) -> Versioned[PricePlanRecord]:
    return Versioned(plan, update_version(_item(plan), _EDITED, expected_version))


def delete_price_plan(account_id: str, plan_id: str) -> None:
    """Delete a plan no product uses (404 if there is none, 409 `price_plan_in_use` if one does)."""
    get_price_plan(account_id, plan_id)
    try:
        PricePlanItem(*PricePlanItem.key(account_id, plan_id)).delete(condition=PricePlanItem.product_count == 0)
    except DeleteError as error:
        if not condition_failed(error):
            raise
        raise ConflictError(
            f"price plan {plan_id} is used by products; move them to another plan first",
            code=ErrorCode.PRICE_PLAN_IN_USE,
        ) from None
