"""A reseller's price plans: money as decimal strings in the account's currency, allowances, MRC tiers,
and the rule that a plan in use cannot be deleted."""

from __future__ import annotations

from typing import Any

import pytest

from reseller_billing.dal.items import PricePlanItem
from tests.support import factories
from tests.support.catalog import created
from tests.support.table import item_count


@pytest.fixture
def reseller(operator):
    return created(operator.post("/accounts", factories.reseller_account()))


def _plans(account):
    return f"/accounts/{account['id']}/price-plans"


def test_create_and_read_back(operator, reseller):
    body = factories.price_plan(
        mrc_tiers=[{"min_active_sims": 100, "monthly_fee": "7.50"}, {"min_active_sims": 10, "monthly_fee": "8.75"}]
    )
    answer = operator.post(_plans(reseller), body)
    assert answer.status == 201, answer.json
    plan = answer.json
    assert plan["id"].startswith("plan_")
    assert plan["account_id"] == reseller["id"]
    assert plan["currency"] == "EUR"
    assert plan["activation_fee"] == "5.00"
    assert plan["monthly_fee"] == "9.99"
    assert plan["pool_type"] == "INDIVIDUAL"
    assert plan["allowances"] == [
        {"service": "DATA", "included": "1024", "overage_price": "0.004"},
        {"service": "SMS", "included": "100", "overage_price": "0.05"},
    ]
    # Tiers come back ordered by their threshold.
    assert plan["mrc_tiers"] == [
        {"min_active_sims": 10, "monthly_fee": "8.75"},
        {"min_active_sims": 100, "monthly_fee": "7.50"},
    ]
    assert answer.header("ETag") == '"1"'
    assert answer.header("Location") == f"{_plans(reseller)}/{plan['id']}"
    read = operator.get(f"{_plans(reseller)}/{plan['id']}")
    assert read.status == 200
    assert read.json == plan


def test_money_keeps_its_exact_decimal_digits(operator, reseller):
    plan = created(
        operator.post(
            _plans(reseller),
            factories.price_plan(activation_fee="0", monthly_fee="0.123456", pool_type="POOL", allowances=[]),
        )
    )
    assert plan["activation_fee"] == "0"
    assert plan["monthly_fee"] == "0.123456"
    assert plan["pool_type"] == "POOL"
    assert plan["allowances"] == []
    assert plan["mrc_tiers"] == []
    assert operator.get(f"{_plans(reseller)}/{plan['id']}").json == plan


def test_currency_is_the_reseller_accounts(operator):
    account = created(operator.post("/accounts", factories.reseller_account(currency="JPY")))
    plan = created(operator.post(_plans(account), factories.price_plan(activation_fee="500", monthly_fee="1200")))
    assert plan["currency"] == "JPY"


def test_a_plan_body_cannot_choose_a_currency(operator, reseller):
    before = item_count()
    answer = operator.post(_plans(reseller), factories.price_plan(currency="USD"))
    assert answer.status == 422
    assert item_count() == before


INVALID_PLANS: list[tuple[dict[str, Any], str]] = [
    (factories.price_plan(monthly_fee=9.99), "monthly_fee"),
    (factories.price_plan(monthly_fee=10), "monthly_fee"),
    (factories.price_plan(activation_fee=5), "activation_fee"),
    (factories.price_plan(monthly_fee="-1.00"), "monthly_fee"),
    (factories.price_plan(monthly_fee="1.1234567"), "monthly_fee"),
    (factories.price_plan(monthly_fee="1e3"), "monthly_fee"),
    (factories.price_plan(monthly_fee="NaN"), "monthly_fee"),
    (factories.price_plan(monthly_fee=""), "monthly_fee"),
    (factories.price_plan(monthly_fee=None), "monthly_fee"),
    (factories.price_plan(pool_type="SHARED"), "pool_type"),
    (factories.price_plan(name=""), "name"),
    (factories.price_plan(allowances=[{"service": "VOICE", "included": 10, "overage_price": "0.1"}]), "service"),
    (
        factories.price_plan(allowances=[{"service": "DATA", "included": 10, "overage_price": 0.1}]),
        "overage_price",
    ),
    (
        factories.price_plan(allowances=[{"service": "DATA", "included": -1, "overage_price": "0.1"}]),
        "included",
    ),
    (
        factories.price_plan(allowances=[{"service": "DATA", "included": 1.5, "overage_price": "0.1"}]),
        "included",
    ),
    (
        factories.price_plan(
            allowances=[
                {"service": "DATA", "included": 10, "overage_price": "0.1"},
                {"service": "DATA", "included": 20, "overage_price": "0.1"},
            ]
        ),
        "allowances",
    ),
    (factories.price_plan(mrc_tiers=[{"min_active_sims": 0, "monthly_fee": "1"}]), "min_active_sims"),
    (factories.price_plan(mrc_tiers=[{"min_active_sims": "10", "monthly_fee": "1"}]), "min_active_sims"),
    (factories.price_plan(mrc_tiers=[{"min_active_sims": 10, "monthly_fee": 1}]), "monthly_fee"),
    (
        factories.price_plan(
            mrc_tiers=[{"min_active_sims": 10, "monthly_fee": "1"}, {"min_active_sims": 10, "monthly_fee": "2"}]
        ),
        "mrc_tiers",
    ),
    ({k: v for k, v in factories.price_plan().items() if k != "monthly_fee"}, "monthly_fee"),
    (factories.price_plan(discount="10"), "discount"),
]


def test_invalid_plans_are_422_naming_the_field_and_nothing_written(operator, reseller):
    before = item_count()
    outcomes = []
    for body, field in INVALID_PLANS:
        answer = operator.post(_plans(reseller), body)
        fields = [d["field"] for d in answer.json["error"]["details"]] if answer.error_code else []
        outcomes.append((answer.status, answer.error_code, any(field in f for f in fields), body))
    assert outcomes == [(422, "validation_error", True, body) for body, _ in INVALID_PLANS]
    assert item_count() == before


def test_listing_pages_through_the_resellers_plans_only(operator, reseller):
    other = created(operator.post("/accounts", factories.reseller_account(name="Other")))
    created(operator.post(_plans(other), factories.price_plan(name="Theirs")))
    made = {created(operator.post(_plans(reseller), factories.price_plan(name=f"P{i}")))["id"] for i in range(3)}
    first = operator.get(f"{_plans(reseller)}?limit=2").json
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    second = operator.get(f"{_plans(reseller)}?limit=2&cursor={first['next_cursor']}").json
    assert second["next_cursor"] is None
    assert {p["id"] for p in first["items"] + second["items"]} == made
    assert {p["currency"] for p in first["items"]} == {"EUR"}


class TestUpdate:
    def test_prices_change_with_if_match(self, operator, reseller):
        plan = created(operator.post(_plans(reseller), factories.price_plan()))
        path = f"{_plans(reseller)}/{plan['id']}"
        answer = operator.patch(
            path,
            {
                "monthly_fee": "12.00",
                "pool_type": "POOL",
                "allowances": [{"service": "SMS", "included": 50, "overage_price": "0.07"}],
                "mrc_tiers": [{"min_active_sims": 5, "monthly_fee": "11.00"}],
            },
            headers={"If-Match": '"1"'},
        )
        assert answer.status == 200, answer.json
        assert answer.header("ETag") == '"2"'
        changed = answer.json
        assert changed["monthly_fee"] == "12.00"
        assert changed["activation_fee"] == plan["activation_fee"]
        assert changed["pool_type"] == "POOL"
        assert changed["allowances"] == [{"service": "SMS", "included": "50", "overage_price": "0.07"}]
        assert changed["mrc_tiers"] == [{"min_active_sims": 5, "monthly_fee": "11.00"}]
        assert operator.get(path).json == changed

    def test_prices_of_a_plan_in_use_can_change(self, operator, reseller):
        # Issued invoices keep their amounts; the next billing run reads the plan as it is then.
        plan = created(operator.post(_plans(reseller), factories.price_plan()))
        created(operator.post(f"/accounts/{reseller['id']}/products", factories.product(plan["id"])))
        answer = operator.patch(f"{_plans(reseller)}/{plan['id']}", {"monthly_fee": "8.00"})
        assert answer.status == 200
        assert operator.get(f"{_plans(reseller)}/{plan['id']}").json["monthly_fee"] == "8.00"

    def test_stale_if_match_is_412(self, operator, reseller):
        plan = created(operator.post(_plans(reseller), factories.price_plan()))
        path = f"{_plans(reseller)}/{plan['id']}"
        assert operator.patch(path, {"monthly_fee": "1.00"}).status == 200
        stale = operator.patch(path, {"monthly_fee": "2.00"}, headers={"If-Match": '"1"'})
        assert stale.status == 412
        assert operator.get(path).json["monthly_fee"] == "1.00"

    def test_invalid_patches_are_422_and_change_nothing(self, operator, reseller):
        plan = created(operator.post(_plans(reseller), factories.price_plan()))
        path = f"{_plans(reseller)}/{plan['id']}"
        bodies = [
            {},
            {"monthly_fee": 12},
            {"monthly_fee": "-3"},
            {"monthly_fee": None},
            {"currency": "USD"},
            {"pool_type": "X"},
            {"allowances": [{"service": "DATA", "included": 1, "overage_price": 0.5}]},
        ]
        outcomes = [(operator.patch(path, body).error_code, body) for body in bodies]
        assert outcomes == [("validation_error", body) for body in bodies]
        assert operator.get(path).json == plan


class TestDelete:
    def test_an_unused_plan_is_deleted(self, operator, reseller):
        plan = created(operator.post(_plans(reseller), factories.price_plan()))
        path = f"{_plans(reseller)}/{plan['id']}"
        answer = operator.delete(path)
        assert answer.status == 204
        assert operator.get(path).status == 404
        assert operator.delete(path).status == 404

    def test_a_plan_used_by_a_product_cannot_be_deleted(self, operator, reseller):
        plan = created(operator.post(_plans(reseller), factories.price_plan()))
        created(operator.post(f"/accounts/{reseller['id']}/products", factories.product(plan["id"])))
        answer = operator.delete(f"{_plans(reseller)}/{plan['id']}")
        assert answer.status == 409
        assert answer.error_code == "price_plan_in_use"
        assert operator.get(f"{_plans(reseller)}/{plan['id']}").json == plan

    def test_a_retired_product_still_uses_its_plan(self, operator, reseller):
        plan = created(operator.post(_plans(reseller), factories.price_plan()))
        product = created(operator.post(f"/accounts/{reseller['id']}/products", factories.product(plan["id"])))
        assert (
            operator.patch(f"/accounts/{reseller['id']}/products/{product['id']}", {"status": "RETIRED"}).status == 200
        )
        answer = operator.delete(f"{_plans(reseller)}/{plan['id']}")
        assert answer.status == 409
        assert answer.error_code == "price_plan_in_use"

    def test_a_plan_that_priced_a_product_stays_in_use_after_it_moved_away(self, operator, reseller, clock):
        """The plan priced the product's earlier cycles, which may still be billed or previewed."""
        clock.set("2026-11-20")
        old = created(operator.post(_plans(reseller), factories.price_plan(name="Old")))
        new = created(operator.post(_plans(reseller), factories.price_plan(name="New")))
        products = f"/accounts/{reseller['id']}/products"
        first = created(operator.post(products, factories.product(old["id"], "P-1")))
        second = created(operator.post(products, factories.product(old["id"], "P-2")))
        assert operator.patch(f"{products}/{first['id']}", {"price_plan_id": new["id"]}).status == 200
        assert operator.patch(f"{products}/{second['id']}", {"price_plan_id": new["id"]}).status == 200
        assert operator.delete(f"{_plans(reseller)}/{old['id']}").error_code == "price_plan_in_use"
        assert operator.delete(f"{_plans(reseller)}/{new['id']}").error_code == "price_plan_in_use"
        counts = [PricePlanItem.get(*PricePlanItem.key(reseller["id"], p["id"])).product_count for p in (old, new)]
        assert counts == [2, 2]

    def test_a_move_replaced_before_it_takes_effect_releases_its_plan(self, operator, reseller, clock):
        clock.set("2026-11-20")
        kept = created(operator.post(_plans(reseller), factories.price_plan(name="Kept")))
        planned = created(operator.post(_plans(reseller), factories.price_plan(name="Planned")))
        products = f"/accounts/{reseller['id']}/products"
        product = created(operator.post(products, factories.product(kept["id"])))
        path = f"{products}/{product['id']}"
        moved = operator.patch(path, {"price_plan_id": planned["id"], "effective_from": "2026-12-05"})
        assert moved.json["price_plan_id"] == kept["id"]  # not yet
        assert operator.delete(f"{_plans(reseller)}/{planned['id']}").error_code == "price_plan_in_use"
        undone = operator.patch(path, {"price_plan_id": kept["id"], "effective_from": "2026-12-05"})
        assert undone.json["plan_history"] == [{"price_plan_id": kept["id"], "effective_from": None}]
        assert operator.delete(f"{_plans(reseller)}/{planned['id']}").status == 204


def test_a_product_created_during_a_plan_edit_keeps_the_plan_in_use(operator, reseller, monkeypatch):
    """Creating a product counts on its plan without changing the plan's version (its ETag): an edit of
    the plan that read the count before must not write the old count back, and is not refused (the
    caller's If-Match still holds)."""
    from reseller_billing.dal import price_plans as plans_table

    plan = created(operator.post(_plans(reseller), factories.price_plan()))
    real_save = plans_table.save_price_plan
    saves = []

    def save_after_a_product_was_created(plan_record, expected_version):
        saves.append(expected_version)
        if len(saves) == 1:
            created(operator.post(f"/accounts/{reseller['id']}/products", factories.product(plan["id"])))
        return real_save(plan_record, expected_version)

    monkeypatch.setattr(plans_table, "save_price_plan", save_after_a_product_was_created)
    edit = operator.patch(f"{_plans(reseller)}/{plan['id']}", {"monthly_fee": "1.00"}, headers={"If-Match": '"1"'})
    assert edit.status == 200, edit.json
    assert saves == [1]  # an edit writes only the plan's own attributes: the moved count is no conflict
    monkeypatch.undo()
    assert operator.get(f"{_plans(reseller)}/{plan['id']}").json["monthly_fee"] == "1.00"
    answer = operator.delete(f"{_plans(reseller)}/{plan['id']}")
    assert answer.status == 409
    assert answer.error_code == "price_plan_in_use"
