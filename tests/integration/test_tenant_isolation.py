"""Who may touch a reseller's catalog: operators any reseller's, a reseller user only its own account's
(another account's answers 404, as if it did not exist); a STANDARD account has no catalog (409)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import factories
from tests.support.catalog import Catalog, build_catalog, created
from tests.support.iccids import iccid
from tests.support.table import stored_items

MY_SIM, THEIR_SIM = iccid(1), iccid(2)


def _catalog_routes(catalog: Catalog, sim: str, account_id: str | None = None) -> list[tuple[str, str, Any]]:
    """Every catalog route with a valid body, aimed at `catalog`'s resources (or at `account_id`)."""
    base = f"/accounts/{account_id or catalog.account_id}"
    customer = f"{base}/customers/{catalog.customer['id']}"
    plan = f"{base}/price-plans/{catalog.plan['id']}"
    product = f"{base}/products/{catalog.product['id']}"
    return [
        ("POST", f"{base}/customers", factories.customer("C-NEW")),
        ("GET", f"{base}/customers", None),
        ("GET", customer, None),
        ("PATCH", customer, {"name": "Hijacked"}),
        ("POST", f"{base}/price-plans", factories.price_plan()),
        ("GET", f"{base}/price-plans", None),
        ("GET", plan, None),
        ("PATCH", plan, {"monthly_fee": "0.01"}),
        ("DELETE", plan, None),
        ("POST", f"{base}/products", factories.product(catalog.plan["id"], "NEW")),
        ("GET", f"{base}/products", None),
        ("GET", product, None),
        ("PATCH", product, {"description": "Hijacked"}),
        ("POST", f"{customer}/sims", factories.sim(iccid(50), catalog.product["id"])),
        ("POST", f"{customer}/sim-batches", {"sims": [factories.sim(iccid(51), catalog.product["id"])]}),
        ("GET", f"{customer}/sims", None),
        ("GET", f"{base}/sim-stock", None),
        ("GET", f"{customer}/sims/{sim}", None),
        ("POST", f"{customer}/sims/{sim}/status", {"status": "SUSPENDED", "effective_date": "2025-02-01"}),
        ("POST", f"{base}/usage", {"records": [factories.usage_record("r-x", sim)]}),
        ("POST", f"{base}/usage-files", {"format": "ndjson"}),
    ]


@pytest.fixture
def mine(operator) -> Catalog:
    catalog = build_catalog(operator, name="Mine")
    created(catalog.assign(operator, MY_SIM))
    catalog.stock(iccid(50), iccid(51))  # for the reseller's own assignments below
    return catalog


@pytest.fixture
def theirs(operator) -> Catalog:
    catalog = build_catalog(operator, name="Theirs")
    created(catalog.assign(operator, THEIR_SIM))
    return catalog


def test_a_reseller_user_runs_its_own_catalog_including_writes(api, mine, theirs):
    me = api.as_reseller(mine.account_id)
    routes = _catalog_routes(mine, MY_SIM)
    answers = {f"{method} {path}": me.call(method, path, body) for method, path, body in routes}
    statuses = {key: answer.status for key, answer in answers.items()}
    expected = {f"{method} {path}": 200 for method, path, _ in routes}
    for method, path, _ in routes:
        key = f"{method} {path}"
        if method == "POST" and not path.endswith(("/status", "/sim-batches")):
            expected[key] = 202 if path.endswith("/usage") else 201
        if method == "DELETE":
            expected[key] = 409  # the plan is in use by the product
    assert statuses == expected
    assert answers[f"POST {mine.base}/usage"].json == {"accepted": 1, "duplicates": 0, "rejected": []}
    assert answers[f"POST {mine.customer_path}/sim-batches"].json == {"created": 1, "rejected": []}
    stock = answers[f"GET {mine.base}/sim-stock"].json["items"]
    assert [(s["iccid"], s["status"]) for s in stock] == [(sim, "ASSIGNED") for sim in (MY_SIM, iccid(50), iccid(51))]
    assert me.get(mine.customer_path).json["name"] == "Hijacked"
    assert me.get(mine.sim_path(MY_SIM)).json["status"] == "SUSPENDED"
    assert me.get(f"{mine.base}/products/{mine.product['id']}").json["description"] == "Hijacked"
    spare = created(me.post(f"{mine.base}/price-plans", factories.price_plan(name="Spare")))
    assert me.delete(f"{mine.base}/price-plans/{spare['id']}").status == 204


def test_an_operator_reaches_every_resellers_catalog(operator, mine, theirs):
    for catalog, sim in ((mine, MY_SIM), (theirs, THEIR_SIM)):
        assert operator.get(catalog.customer_path).json["account_id"] == catalog.account_id
        assert operator.get(catalog.sim_path(sim)).json["iccid"] == sim
        assert [p["id"] for p in operator.get(f"{catalog.base}/products").json["items"]] == [catalog.product["id"]]


class TestIdsOfAnotherResellerUnderMyAccount:
    """Ids are looked up within the account in the path: another reseller's ids are unknown there."""

    def test_their_plan_or_product_cannot_be_referenced(self, api, mine, theirs):
        me = api.as_reseller(mine.account_id)
        product = me.post(f"{mine.base}/products", factories.product(theirs.plan["id"], "STOLEN"))
        assert (product.status, product.error_code) == (422, "price_plan_not_found")
        moved = me.patch(f"{mine.base}/products/{mine.product['id']}", {"price_plan_id": theirs.plan["id"]})
        assert (moved.status, moved.error_code) == (422, "price_plan_not_found")
        sim = me.post(f"{mine.customer_path}/sims", factories.sim(iccid(60), theirs.product["id"]))
        assert (sim.status, sim.error_code) == (422, "product_not_found")

    def test_their_sim_is_neither_reassignable_nor_billable_here(self, api, operator, mine, theirs):
        me = api.as_reseller(mine.account_id)
        taken = mine.assign(me, THEIR_SIM)
        assert (taken.status, taken.error_code) == (422, "iccid_not_in_stock")
        usage = me.post(f"{mine.base}/usage", {"records": [factories.usage_record("r1", THEIR_SIM)]})
        assert usage.json["accepted"] == 0
        assert [r["reason"] for r in usage.json["rejected"]] == ["unknown_iccid"]
        assert operator.get(theirs.sim_path(THEIR_SIM)).json["customer_id"] == theirs.customer["id"]

    def test_their_list_cursor_is_400_here(self, api, operator, mine, theirs):
        created(operator.post(f"{theirs.base}/customers", factories.customer("C-2")))
        cursor = operator.get(f"{theirs.base}/customers?limit=1").json["next_cursor"]
        assert cursor
        me = api.as_reseller(mine.account_id)
        answer = me.get(f"{mine.base}/customers?cursor={cursor}")
        assert (answer.status, answer.error_code) == (400, "invalid_cursor")


def test_a_standard_account_answers_409_account_not_reseller_on_every_catalog_route(operator, mine):
    standard = created(operator.post("/accounts", factories.standard_account()))
    before = stored_items()
    outcomes = {}
    for method, path, body in _catalog_routes(mine, MY_SIM, account_id=standard["id"]):
        answer = operator.call(method, path, body)
        outcomes[f"{method} {path}"] = (answer.status, answer.error_code)
    assert outcomes == dict.fromkeys(outcomes, (409, "account_not_reseller"))
    assert stored_items() == before
