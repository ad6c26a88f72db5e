"""A reseller's price plans in the table.

A plan's item holds every version of its prices, and counts the products whose plan history names it
(`product_count`, moved by the products' transactions): edits leave that count alone, and a plan is deleted
only while it is 0 — a plan that priced a product's cycles stays, so that those cycles can be billed and
previewed as they were priced."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, DoesNotExist

from reseller_billing.dal.items import AllowanceMap, MrcTierMap, PricePlanItem, PriceVersionMap, account_pk
from reseller_billing.dal.pagination import query_page
from reseller_billing.dal.writes import condition_failed, update_version
from reseller_billing.errors import ConflictError, ErrorCode, NotFoundError
from reseller_billing.models.common import Page, Versioned
from reseller_billing.models.price_plans import Allowance, MrcTier, PricePlanRecord, PriceVersion

# What an edit of a plan writes: everything but its key, creation time and product count (the prices of a
# plan stored before versions existed are removed: they are its first version now).
_EDITED = ("name", "versions", "activation_fee", "monthly_fee", "pool_type", "allowances", "mrc_tiers", "updated_at")


def _allowances(stored: list[AllowanceMap]) -> list[Allowance]:
    return [Allowance(service=a.service, included=a.included, overage_price=a.overage_price) for a in stored]


def _tiers(stored: list[MrcTierMap]) -> list[MrcTier]:
    return [MrcTier(min_active_sims=t.min_active_sims, monthly_fee=t.monthly_fee) for t in stored]


def _versions(item: PricePlanItem) -> list[PriceVersion]:
    if not item.versions:  # stored before prices had versions
        return [
            PriceVersion(
                version=1,
                effective_from=None,
                activation_fee=item.activation_fee,
                monthly_fee=item.monthly_fee,
                pool_type=item.pool_type,
                allowances=_allowances(item.allowances or []),
                mrc_tiers=_tiers(item.mrc_tiers or []),
            )
        ]
    return [
        PriceVersion(
            version=v.version,
            effective_from=v.effective_from,
            activation_fee=v.activation_fee,
            monthly_fee=v.monthly_fee,
            pool_type=v.pool_type,
            allowances=_allowances(v.allowances),
            mrc_tiers=_tiers(v.mrc_tiers),
        )
        for v in item.versions
    ]


def plan_of(item: PricePlanItem) -> PricePlanRecord:
    return PricePlanRecord(
        id=item.id,
        account_id=item.account_id,
        name=item.name,
        versions=_versions(item),
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _version_map(version: PriceVersion) -> PriceVersionMap:
    return PriceVersionMap(
        version=version.version,
        effective_from=version.effective_from,
        activation_fee=version.activation_fee,
        monthly_fee=version.monthly_fee,
        pool_type=version.pool_type.value,
        allowances=[
            AllowanceMap(service=a.service.value, included=a.included, overage_price=a.overage_price)
            for a in version.allowances
        ],
        mrc_tiers=[MrcTierMap(min_active_sims=t.min_active_sims, monthly_fee=t.monthly_fee) for t in version.mrc_tiers],
    )


def _item(plan: PricePlanRecord) -> PricePlanItem:
    return PricePlanItem(
        *PricePlanItem.key(plan.account_id, plan.id),
        id=plan.id,
        account_id=plan.account_id,
        name=plan.name,
        versions=[_version_map(v) for v in plan.versions],
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )


def get_price_plan(account_id: str, plan_id: str) -> Versioned[PricePlanRecord]:
    try:
        item = PricePlanItem.get(*PricePlanItem.key(account_id, plan_id), consistent_read=True)
    except DoesNotExist:
        raise NotFoundError(f"price plan {plan_id} not found") from None
    return Versioned(plan_of(item), item.version)


def list_price_plans(account_id: str, limit: int, cursor: str | None) -> Page[PricePlanRecord]:
    return query_page(
        PricePlanItem,
        plan_of,
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
