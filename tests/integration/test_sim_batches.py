"""Bulk onboarding: up to 1,000 SIMs of a customer in one request, each created or rejected on its own
with the error code the same SIM alone would get, in transactions of many SIMs."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from reseller_billing.dal.items import CustomerItem, SimItem, StockItem
from tests.support import factories
from tests.support.catalog import Catalog, build_catalog, created
from tests.support.iccids import iccid
from tests.support.table import close_cycle, item_count, stored_items


@pytest.fixture
def catalog(operator) -> Catalog:
    return build_catalog(operator)  # billing cycle day 5


def _batch(api, catalog: Catalog, sims: list[Any], customer_id: str | None = None):
    path = f"{catalog.base}/customers/{customer_id or catalog.customer['id']}/sim-batches"
    return api.post(path, {"sims": sims})


def _sim(n: int, catalog: Catalog, activation_date: str = "2025-01-10", **overrides: Any) -> dict[str, Any]:
    return {**factories.sim(iccid(n), catalog.product["id"], activation_date), **overrides}


def test_a_thousand_sims_in_one_request(api, operator, catalog):
    catalog.stock(*(iccid(n) for n in range(1, 1001)))
    me = api.as_reseller(catalog.account_id)
    answer = _batch(me, catalog, [_sim(n, catalog) for n in range(1, 1001)])
    assert answer.status == 200, answer.json
    assert answer.json == {"created": 1000, "rejected": []}
    customer = CustomerItem.get(*CustomerItem.key(catalog.account_id, catalog.customer["id"]))
    assert customer.open_sim_count == 1000
    assert sum(1 for _ in SimItem.scan()) == 1000
    assert {s.status for s in StockItem.scan()} == {"ASSIGNED"}
    first = operator.get(catalog.sim_path(iccid(1))).json
    assert (first["status"], first["activation_date"]) == ("ACTIVE", "2025-01-10")


def test_each_sim_is_rejected_with_the_code_it_would_get_alone_and_the_others_are_created(operator, catalog):
    other = build_catalog(operator, name="Other")
    other.stock(iccid(4))
    retired = created(
        operator.post(f"{catalog.base}/products", factories.product(catalog.plan["id"], "OLD", status="RETIRED"))
    )
    close_cycle(catalog.account_id, date(2025, 2, 5))
    catalog.stock(*(iccid(n) for n in (1, 2, 5, 6, 7, 8)))
    bad_check_digit = iccid(2)[:-1] + str((int(iccid(2)[-1]) + 1) % 10)
    sims: list[Any] = [
        _sim(1, catalog),  # 0: fine
        {**_sim(2, catalog), "iccid": bad_check_digit},  # 1
        _sim(3, catalog),  # 2: not in any stock
        _sim(4, catalog),  # 3: in another reseller's stock
        _sim(1, catalog),  # 4: listed twice
        _sim(5, catalog, product_id="prod_nope"),  # 5: unknown product
        _sim(6, catalog, product_id=retired["id"]),  # 6: RETIRED product
        _sim(7, catalog, "2025-02-20"),  # 7: activation in a closed cycle
        {"iccid": iccid(8)},  # 8: no product, no date
        "not an object",  # 9
        _sim(8, catalog, status="ACTIVE"),  # 10: an unknown field
        _sim(2, catalog),  # 11: fine
    ]
    answer = _batch(operator, catalog, sims)
    assert answer.status == 200, answer.json
    assert answer.json["created"] == 2
    rejected = {r["index"]: (r["iccid"], r["reason"]) for r in answer.json["rejected"]}
    assert rejected == {
        1: (bad_check_digit, "validation_error"),
        2: (iccid(3), "iccid_not_in_stock"),
        3: (iccid(4), "iccid_not_in_stock"),
        4: (iccid(1), "iccid_not_in_stock"),
        5: (iccid(5), "product_not_found"),
        6: (iccid(6), "product_not_active"),
        7: (iccid(7), "cycle_closed"),
        8: (iccid(8), "validation_error"),
        9: (None, "validation_error"),
        10: (iccid(8), "validation_error"),
    }
    assert all(r["message"] for r in answer.json["rejected"])
    listed = operator.get(f"{catalog.customer_path}/sims").json["items"]
    assert [s["iccid"] for s in listed] == [iccid(1), iccid(2)]
    assert CustomerItem.get(*CustomerItem.key(catalog.account_id, catalog.customer["id"])).open_sim_count == 2
    stock = {s.iccid: s.status for s in StockItem.scan() if s.account_id == catalog.account_id}
    assert stock == {iccid(n): "AVAILABLE" for n in (5, 6, 7, 8)} | {iccid(1): "ASSIGNED", iccid(2): "ASSIGNED"}


def test_rejections_in_one_transaction_leave_the_other_transactions_alone(operator, catalog):
    """200 SIMs take several transactions; refused SIMs spread over them are taken out of theirs only."""
    catalog.stock(*(iccid(n) for n in range(1, 201) if n % 37))
    answer = _batch(operator, catalog, [_sim(n, catalog) for n in range(1, 201)])
    refused = [n for n in range(1, 201) if n % 37 == 0]
    assert answer.json["created"] == 200 - len(refused)
    assert [r["iccid"] for r in answer.json["rejected"]] == [iccid(n) for n in refused]
    assert {r["reason"] for r in answer.json["rejected"]} == {"iccid_not_in_stock"}


def test_a_customer_not_active_takes_none(operator, catalog):
    catalog.stock(iccid(1), iccid(2))
    assert operator.patch(catalog.customer_path, {"status": "SUSPENDED"}).status == 200
    before = stored_items()
    answer = _batch(operator, catalog, [_sim(1, catalog), _sim(2, catalog)])
    assert answer.json["created"] == 0
    assert {r["reason"] for r in answer.json["rejected"]} == {"customer_not_active"}
    assert stored_items() == before


def test_whole_request_errors(operator, catalog):
    before = item_count()
    unknown = operator.post(f"{catalog.base}/customers/cus_nope/sim-batches", {"sims": [_sim(1, catalog)]})
    assert (unknown.status, unknown.error_code) == (404, "not_found")
    bodies: list[dict[str, Any]] = [{"sims": []}, {"sims": [_sim(1, catalog)] * 1001}, {"sims": "x"}, {}]
    for body in bodies:
        answer = operator.post(f"{catalog.customer_path}/sim-batches", body)
        assert (answer.status, answer.error_code) == (422, "validation_error"), body
    standard = created(operator.post("/accounts", factories.standard_account()))
    answer = operator.post(f"/accounts/{standard['id']}/customers/cus_x/sim-batches", {"sims": [_sim(1, catalog)]})
    assert (answer.status, answer.error_code) == (409, "account_not_reseller")
    assert item_count() == before + 1  # the standard account


def test_a_batch_sent_again_with_its_idempotency_key_is_answered_the_same(operator, catalog):
    catalog.stock(iccid(1), iccid(2))
    body = {"sims": [_sim(1, catalog), _sim(2, catalog)]}
    path = f"{catalog.customer_path}/sim-batches"
    first = operator.post(path, body, headers={"Idempotency-Key": "batch-1"})
    again = operator.post(path, body, headers={"Idempotency-Key": "batch-1"})
    assert first.json == again.json == {"created": 2, "rejected": []}
    without_key = operator.post(path, body)
    assert {r["reason"] for r in without_key.json["rejected"]} == {"iccid_not_in_stock"}
