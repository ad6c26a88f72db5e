"""A reseller's price plans, priced in the reseller account's currency. Every use case first checks that
the account is a reseller (409 `account_not_reseller`)."""

from __future__ import annotations

from reseller_billing.dal import price_plans as table
from reseller_billing.dal.writes import saved_with_retries
from reseller_billing.etags import check_if_match
from reseller_billing.ids import new_id
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.models.common import Page, Versioned, utcnow
from reseller_billing.models.price_plans import PricePlan, PricePlanCreate, PricePlanRecord, PricePlanUpdate


def _priced(stored: Versioned[PricePlanRecord], currency: str) -> Versioned[PricePlan]:
    return Versioned(PricePlan.of(stored.value, currency), stored.version)


def create_price_plan(account_id: str, request: PricePlanCreate) -> Versioned[PricePlan]:
    account, _ = load_reseller(account_id)
    now = utcnow()
    plan = PricePlanRecord(
        id=new_id("plan"),
        account_id=account_id,
        name=request.name,
        activation_fee=request.activation_fee,
        monthly_fee=request.monthly_fee,
        pool_type=request.pool_type,
        allowances=request.allowances,
        mrc_tiers=request.mrc_tiers,
        created_at=now,
        updated_at=now,
    )
    return _priced(table.insert_price_plan(plan), account.currency)


def get_price_plan(account_id: str, plan_id: str) -> Versioned[PricePlan]:
    account, _ = load_reseller(account_id)
    return _priced(table.get_price_plan(account_id, plan_id), account.currency)


def list_price_plans(account_id: str, limit: int, cursor: str | None) -> Page[PricePlan]:
    account, _ = load_reseller(account_id)
    page = table.list_price_plans(account_id, limit, cursor)
    return Page(items=[PricePlan.of(plan, account.currency) for plan in page.items], next_cursor=page.next_cursor)


def update_price_plan(
    account_id: str, plan_id: str, request: PricePlanUpdate, if_match: str | None
) -> Versioned[PricePlan]:
    """New prices apply from the next billing run: issued invoices keep the amounts they were issued with."""
    return saved_with_retries(lambda: _update_price_plan(account_id, plan_id, request, if_match), if_match)


def _update_price_plan(
    account_id: str, plan_id: str, request: PricePlanUpdate, if_match: str | None
) -> Versioned[PricePlan]:
    account, _ = load_reseller(account_id)
    stored = table.get_price_plan(account_id, plan_id)
    check_if_match(if_match, stored.version)
    changes = {field: getattr(request, field) for field in request.model_fields_set}
    plan = stored.value.model_copy(update={**changes, "updated_at": utcnow()})
    return _priced(table.save_price_plan(plan, stored.version), account.currency)


def delete_price_plan(account_id: str, plan_id: str) -> None:
    load_reseller(account_id)
    table.delete_price_plan(account_id, plan_id)
