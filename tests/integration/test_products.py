"""A reseller's products: unique codes, a price plan of the same reseller, ACTIVE/RETIRED."""

from __future__ import annotations

from typing import Any

import pytest

from reseller_billing.dal.items import PricePlanItem
from tests.support import factories
from tests.support.catalog import build_catalog, created
from tests.support.iccids import iccid
from tests.support.table import item_count


@pytest.fixture
def reseller(operator):
    return created(operator.post("/accounts", factories.reseller_account()))


@pytest.fixture
def plan(operator, reseller):
    return created(operator.post(f"/accounts/{reseller['id']}/price-plans", factories.price_plan()))


def _products(account):
    return f"/accounts/{account['id']}/products"


def test_create_and_read_back(operator, reseller, plan):
    answer = operator.post(_products(reseller), factories.product(plan["id"]))
    assert answer.status == 201, answer.json
    product = answer.json
    assert product["id"].startswith("prod_")
    assert product["account_id"] == reseller["id"]
    assert product["code"] == "IOT-EU-1GB"
    assert product["name"] == "IoT Europe 1 GB"
    assert product["description"] == "Pan-European data"
    assert product["price_plan_id"] == plan["id"]
    assert product["status"] == "ACTIVE"
    assert answer.header("ETag") == '"1"'
    assert answer.header("Location") == f"{_products(reseller)}/{product['id']}"
    read = operator.get(f"{_products(reseller)}/{product['id']}")
    assert read.status == 200
    assert read.json == product
    assert PricePlanItem.get(*PricePlanItem.key(reseller["id"], plan["id"])).product_count == 1


def test_description_defaults_to_empty(operator, reseller, plan):
    body = factories.product(plan["id"])
    del body["description"]
    assert created(operator.post(_products(reseller), body))["description"] == ""


def test_code_is_unique_within_the_reseller(operator, reseller, plan):
    created(operator.post(_products(reseller), factories.product(plan["id"], "P-1")))
    before = item_count()
    answer = operator.post(_products(reseller), factories.product(plan["id"], "P-1", name="Another"))
    assert answer.status == 409
    assert answer.error_code == "product_code_taken"
    assert item_count() == before
    assert PricePlanItem.get(*PricePlanItem.key(reseller["id"], plan["id"])).product_count == 1


def test_another_reseller_may_use_the_same_code(operator, reseller, plan):
    other = created(operator.post("/accounts", factories.reseller_account(name="Other")))
    other_plan = created(operator.post(f"/accounts/{other['id']}/price-plans", factories.price_plan()))
    created(operator.post(_products(reseller), factories.product(plan["id"], "P-1")))
    assert operator.post(_products(other), factories.product(other_plan["id"], "P-1")).status == 201


def test_a_plan_of_another_reseller_is_422_price_plan_not_found(operator, reseller):
    other = created(operator.post("/accounts", factories.reseller_account(name="Other")))
    their_plan = created(operator.post(f"/accounts/{other['id']}/price-plans", factories.price_plan()))
    before = item_count()
    answer = operator.post(_products(reseller), factories.product(their_plan["id"]))
    assert answer.status == 422
    assert answer.error_code == "price_plan_not_found"
    assert answer.json["error"]["details"][0]["field"] == "price_plan_id"
    assert item_count() == before
    assert PricePlanItem.get(*PricePlanItem.key(other["id"], their_plan["id"])).product_count == 0


def test_an_unknown_plan_is_422_and_the_code_stays_free(operator, reseller, plan):
    answer = operator.post(_products(reseller), factories.product("plan_nope", "P-1"))
    assert answer.status == 422
    assert answer.error_code == "price_plan_not_found"
    assert operator.post(_products(reseller), factories.product(plan["id"], "P-1")).status == 201


INVALID_PRODUCTS: list[tuple[dict[str, Any], str]] = [
    ({"code": ""}, "code"),
    ({"code": "has space"}, "code"),
    ({"code": "x" * 41}, "code"),
    ({"name": " "}, "name"),
    ({"description": "x" * 1001}, "description"),
    ({"status": "DRAFT"}, "status"),
    ({"price_plan_id": None}, "price_plan_id"),
    ({"price_plan_id": 7}, "price_plan_id"),
    ({"currency": "EUR"}, "currency"),
]


def test_invalid_products_are_422_naming_the_field_and_nothing_written(operator, reseller, plan):
    before = item_count()
    outcomes = []
    for overrides, field in INVALID_PRODUCTS:
        answer = operator.post(_products(reseller), {**factories.product(plan["id"]), **overrides})
        fields = [d["field"] for d in answer.json["error"]["details"]] if answer.error_code else []
        outcomes.append((answer.status, answer.error_code, any(field in f for f in fields), overrides))
    assert outcomes == [(422, "validation_error", True, overrides) for overrides, _ in INVALID_PRODUCTS]
    assert item_count() == before
    assert PricePlanItem.get(*PricePlanItem.key(reseller["id"], plan["id"])).product_count == 0


def test_listing_pages_through_the_resellers_products(operator, reseller, plan):
    made = {
        created(operator.post(_products(reseller), factories.product(plan["id"], f"P-{i}")))["id"] for i in range(3)
    }
    seen: list[str] = []
    cursor = None
    while True:
        page = operator.get(f"{_products(reseller)}?limit=1" + (f"&cursor={cursor}" if cursor else "")).json
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(made)


class TestUpdate:
    def test_rename_and_describe_with_if_match(self, operator, reseller, plan):
        product = created(operator.post(_products(reseller), factories.product(plan["id"])))
        path = f"{_products(reseller)}/{product['id']}"
        answer = operator.patch(path, {"name": "IoT EU", "description": ""}, headers={"If-Match": '"1"'})
        assert answer.status == 200
        assert answer.header("ETag") == '"2"'
        assert answer.json["name"] == "IoT EU"
        assert answer.json["description"] == ""
        assert answer.json["code"] == product["code"]
        stale = operator.patch(path, {"name": "Again"}, headers={"If-Match": '"1"'})
        assert stale.status == 412
        assert operator.get(path).json["name"] == "IoT EU"

    def test_move_to_a_plan_of_another_reseller_is_422_and_changes_nothing(self, operator, reseller, plan):
        other = created(operator.post("/accounts", factories.reseller_account(name="Other")))
        their_plan = created(operator.post(f"/accounts/{other['id']}/price-plans", factories.price_plan()))
        product = created(operator.post(_products(reseller), factories.product(plan["id"])))
        path = f"{_products(reseller)}/{product['id']}"
        answer = operator.patch(path, {"price_plan_id": their_plan["id"]})
        assert answer.status == 422
        assert answer.error_code == "price_plan_not_found"
        assert operator.get(path).json == product
        assert PricePlanItem.get(*PricePlanItem.key(reseller["id"], plan["id"])).product_count == 1

    def test_code_cannot_be_changed(self, operator, reseller, plan):
        product = created(operator.post(_products(reseller), factories.product(plan["id"])))
        answer = operator.patch(f"{_products(reseller)}/{product['id']}", {"code": "NEW"})
        assert answer.status == 422

    def test_unknown_product_is_404(self, operator, reseller, plan):
        assert operator.get(f"{_products(reseller)}/prod_nope").status == 404
        assert operator.patch(f"{_products(reseller)}/prod_nope", {"name": "x"}).status == 404


class TestRetirement:
    def test_a_retired_product_takes_no_new_sims_but_keeps_its_own(self, operator):
        catalog = build_catalog(operator)
        kept = iccid(1)
        created(catalog.assign(operator, kept))
        path = f"{catalog.base}/products/{catalog.product['id']}"
        retired = operator.patch(path, {"status": "RETIRED"})
        assert retired.status == 200
        assert retired.json["status"] == "RETIRED"
        catalog.stock(iccid(2))
        before = item_count()
        answer = catalog.assign(operator, iccid(2))
        assert answer.status == 409
        assert answer.error_code == "product_not_active"
        assert item_count() == before
        sim = operator.get(catalog.sim_path(kept))
        assert sim.status == 200
        assert sim.json["status"] == "ACTIVE"

    def test_a_product_created_retired_takes_no_sims(self, operator):
        catalog = build_catalog(operator)
        retired = created(
            operator.post(f"{catalog.base}/products", factories.product(catalog.plan["id"], "OLD", status="RETIRED"))
        )
        catalog.stock(iccid(3))
        body = factories.sim(iccid(3), retired["id"])
        answer = operator.post(f"{catalog.customer_path}/sims", body)
        assert answer.status == 409
        assert answer.error_code == "product_not_active"

    def test_reactivated_it_takes_sims_again(self, operator):
        catalog = build_catalog(operator)
        path = f"{catalog.base}/products/{catalog.product['id']}"
        assert operator.patch(path, {"status": "RETIRED"}).status == 200
        assert operator.patch(path, {"status": "ACTIVE"}).status == 200
        assert catalog.assign(operator, iccid(4)).status == 201
