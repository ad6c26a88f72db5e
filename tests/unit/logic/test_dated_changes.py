"""Changes that take effect from a date: a plan's prices (price versions) and a product's plan (its plan
history). Never before today, never before a change already scheduled, the same date replaces (no table
needed)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from reseller_billing.billing.model import PoolType
from reseller_billing.errors import UnprocessableError
from reseller_billing.logic.price_plans import with_price_change
from reseller_billing.logic.products import with_product_change
from reseller_billing.models.price_plans import PricePlan, PricePlanRecord, PricePlanUpdate, PriceVersion
from reseller_billing.models.products import PlanAssignment, Product, ProductStatus, ProductUpdate

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
TODAY = NOW.date()
FIRST = PriceVersion(
    version=1,
    effective_from=None,
    activation_fee=Decimal("5.00"),
    monthly_fee=Decimal("10.00"),
    pool_type=PoolType.INDIVIDUAL,
    allowances=[],
    mrc_tiers=[],
)
PLAN = PricePlanRecord(id="plan_1", account_id="acc_1", name="IoT", versions=[FIRST], created_at=NOW, updated_at=NOW)


def patched(plan: PricePlanRecord, **body: object) -> PricePlanRecord:
    return with_price_change(plan, PricePlanUpdate.model_validate(body), TODAY, NOW)


def fees(plan: PricePlanRecord) -> list[tuple[int, date | None, str]]:
    return [(v.version, v.effective_from, str(v.monthly_fee)) for v in plan.versions]


def test_a_price_change_is_a_new_version_from_today_by_default():
    changed = patched(PLAN, monthly_fee="12.00")
    assert fees(changed) == [(1, None, "10.00"), (2, TODAY, "12.00")]
    assert changed.versions[1].activation_fee == Decimal("5.00")  # built on the version before
    assert changed.version_on(date(2026, 11, 19)).monthly_fee == Decimal("10.00")
    assert changed.version_on(TODAY).monthly_fee == Decimal("12.00")


def test_a_change_for_a_later_date_and_one_replacing_it():
    scheduled = patched(PLAN, monthly_fee="12.00", effective_from="2027-01-01")
    replaced = patched(scheduled, activation_fee="3.00", effective_from="2027-01-01")
    assert fees(replaced) == [(1, None, "10.00"), (2, date(2027, 1, 1), "12.00")]
    assert replaced.versions[1].activation_fee == Decimal("3.00")
    later = patched(replaced, monthly_fee="14.00", effective_from="2027-03-01")
    assert fees(later) == [(1, None, "10.00"), (2, date(2027, 1, 1), "12.00"), (3, date(2027, 3, 1), "14.00")]
    shown = PricePlan.of(later, "EUR", TODAY)
    assert (shown.monthly_fee, len(shown.versions)) == (Decimal("10.00"), 3)  # today's version at the top


@pytest.mark.parametrize(
    ("plan", "body", "message"),
    [
        (PLAN, {"monthly_fee": "12.00", "effective_from": "2026-11-19"}, "today"),
        (
            patched(PLAN, monthly_fee="12.00", effective_from="2027-01-01"),
            {"monthly_fee": "11.00", "effective_from": "2026-12-01"},
            "scheduled from 2027-01-01",
        ),
        (
            patched(PLAN, monthly_fee="12.00", effective_from="2027-01-01"),
            {"monthly_fee": "11.00"},  # today, before the scheduled version
            "scheduled from 2027-01-01",
        ),
        (PLAN, {"name": "Renamed", "effective_from": "2026-12-01"}, "only with a price change"),
    ],
)
def test_refused_dates_name_effective_from(plan: PricePlanRecord, body: dict[str, object], message: str):
    with pytest.raises(UnprocessableError, match=message) as refused:
        patched(plan, **body)
    assert refused.value.details[0]["field"] == "effective_from"


def test_a_name_changes_at_once_without_a_version():
    renamed = patched(PLAN, name="IoT Europe")
    assert (renamed.name, fees(renamed)) == ("IoT Europe", [(1, None, "10.00")])


PRODUCT = Product(
    id="prod_1",
    account_id="acc_1",
    code="P",
    name="P",
    description="",
    price_plan_id="plan_a",
    plan_history=[PlanAssignment(price_plan_id="plan_a", effective_from=None)],
    status=ProductStatus.ACTIVE,
    created_at=NOW,
    updated_at=NOW,
)


def moved(product: Product, **body: object) -> Product:
    return with_product_change(product, ProductUpdate.model_validate(body), TODAY, NOW)


def history(product: Product) -> list[tuple[str, date | None]]:
    return [(entry.price_plan_id, entry.effective_from) for entry in product.plan_history]


def test_a_move_to_another_plan_from_today_and_from_a_later_date():
    today = moved(PRODUCT, price_plan_id="plan_b")
    assert (today.price_plan_id, history(today)) == ("plan_b", [("plan_a", None), ("plan_b", TODAY)])
    later = moved(PRODUCT, price_plan_id="plan_b", effective_from="2026-12-05")
    assert (later.price_plan_id, history(later)) == ("plan_a", [("plan_a", None), ("plan_b", date(2026, 12, 5))])
    assert (later.plan_on(date(2026, 12, 4)), later.plan_on(date(2026, 12, 5))) == ("plan_a", "plan_b")


def test_a_pending_move_is_replaced_or_cancelled_on_its_date():
    pending = moved(PRODUCT, price_plan_id="plan_b", effective_from="2026-12-05")
    replaced = moved(pending, price_plan_id="plan_c", effective_from="2026-12-05")
    assert history(replaced) == [("plan_a", None), ("plan_c", date(2026, 12, 5))]
    cancelled = moved(pending, price_plan_id="plan_a", effective_from="2026-12-05")
    assert history(cancelled) == [("plan_a", None)]
    assert history(moved(PRODUCT, price_plan_id="plan_a")) == [("plan_a", None)]  # the plan it is on: no change


def test_a_move_before_today_or_a_pending_move_is_refused():
    with pytest.raises(UnprocessableError, match="today"):
        moved(PRODUCT, price_plan_id="plan_b", effective_from="2026-11-01")
    pending = moved(PRODUCT, price_plan_id="plan_b", effective_from="2026-12-05")
    with pytest.raises(UnprocessableError, match="scheduled from 2026-12-05"):
        moved(pending, price_plan_id="plan_c")
    with pytest.raises(UnprocessableError, match="only with price_plan_id"):
        moved(PRODUCT, name="Renamed", effective_from="2026-12-05")
