"""A reseller's price plans, priced in the reseller account's currency. Every use case first checks that
the account is a reseller (409 `account_not_reseller`).

Prices are versioned: a change of prices takes effect from a date (today or later), and every cycle is
priced by the version in force on its first day, so an invoice, or a preview of an ended cycle, never
changes after the fact. A name changes at once."""

from __future__ import annotations

from datetime import date, datetime

from reseller_billing.dal import price_plans as table
from reseller_billing.dal.writes import saved_with_retries
from reseller_billing.errors import UnprocessableError
from reseller_billing.etags import check_if_match
from reseller_billing.ids import new_id
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.models.common import Page, Versioned, utcnow, utctoday
from reseller_billing.models.price_plans import (
    PRICE_FIELDS,
    PricePlan,
    PricePlanCreate,
    PricePlanRecord,
    PricePlanUpdate,
    PriceVersion,
)


def _priced(stored: Versioned[PricePlanRecord], currency: str) -> Versioned[PricePlan]:
    return Versioned(PricePlan.of(stored.value, currency, utctoday()), stored.version)


def effective_from_error(message: str) -> UnprocessableError:
    """A date the document admits but a rule of the service refuses (a `value_error`, as the API's own
    validators name theirs)."""
    detail = {"in": "body", "field": "effective_from", "message": message, "type": "value_error"}
    return UnprocessableError(f"effective_from {message}", details=[detail])


def change_date(requested: date | None, last_scheduled: date | None, today: date) -> date:
    """The date a dated change (a plan's prices, a product's plan) takes effect: `requested`, or today.
    Never before today (what is billed or being billed keeps its prices), and never before a change that
    is already scheduled (`last_scheduled`, the latest entry's date): entries stay in date order, each
    built on the one before it."""
    effective_from = requested or today
    if effective_from < today:
        raise effective_from_error(f"must be today ({today.isoformat()}) or later")
    if last_scheduled is not None and effective_from < last_scheduled:
        raise effective_from_error(
            f"a change is scheduled from {last_scheduled.isoformat()}: date this one on or after it "
            "(the same date replaces it)"
        )
    return effective_from


def with_price_change(plan: PricePlanRecord, request: PricePlanUpdate, today: date, now: datetime) -> PricePlanRecord:
    """`plan` after the PATCH `request` on `today`: the name at once; changed prices as a new version from
    `effective_from` (built on the latest version), or replacing the version that starts on that date."""
    changes = {name: getattr(request, name) for name in request.model_fields_set if name in PRICE_FIELDS}
    update: dict[str, object] = {"updated_at": now}
    if request.name is not None:
        update["name"] = request.name
    if not changes:
        if request.effective_from is not None:
            raise effective_from_error("only with a price change (activation_fee, monthly_fee, pool_type, ...)")
        return plan.model_copy(update=update)
    latest = plan.versions[-1]
    effective_from = change_date(request.effective_from, latest.effective_from, today)
    if effective_from == latest.effective_from:
        versions = [*plan.versions[:-1], latest.model_copy(update=changes)]
    else:
        version = latest.model_copy(update={**changes, "version": latest.version + 1, "effective_from": effective_from})
        versions = [*plan.versions, version]
    return plan.model_copy(update={**update, "versions": versions})


def create_price_plan(account_id: str, request: PricePlanCreate) -> Versioned[PricePlan]:
    account, _ = load_reseller(account_id)
    now = utcnow()
    plan = PricePlanRecord(
        id=new_id("plan"),
        account_id=account_id,
        name=request.name,
        versions=[
            PriceVersion(
                version=1,
                effective_from=None,
                activation_fee=request.activation_fee,
                monthly_fee=request.monthly_fee,
                pool_type=request.pool_type,
                allowances=request.allowances,
                mrc_tiers=request.mrc_tiers,
            )
        ],
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
    on = utctoday()
    return Page(items=[PricePlan.of(plan, account.currency, on) for plan in page.items], next_cursor=page.next_cursor)


def update_price_plan(
    account_id: str, plan_id: str, request: PricePlanUpdate, if_match: str | None
) -> Versioned[PricePlan]:
    """Rename at once; new prices as a version from `effective_from` (default today)."""
    return saved_with_retries(lambda: _update_price_plan(account_id, plan_id, request, if_match), if_match)


def _update_price_plan(
    account_id: str, plan_id: str, request: PricePlanUpdate, if_match: str | None
) -> Versioned[PricePlan]:
    account, _ = load_reseller(account_id)
    stored = table.get_price_plan(account_id, plan_id)
    check_if_match(if_match, stored.version)
    plan = with_price_change(stored.value, request, utctoday(), utcnow())
    return _priced(table.save_price_plan(plan, stored.version), account.currency)


def delete_price_plan(account_id: str, plan_id: str) -> None:
    load_reseller(account_id)
    table.delete_price_plan(account_id, plan_id)
