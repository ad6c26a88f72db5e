"""The reseller catalog over real HTTP against the local stack: plans, products, customers, SIMs with
status history, usage with duplicates, and tenant isolation.

The stack lives for the whole session, so every name, number and ICCID here is fresh per test."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import boto3
import pytest

from tests.support import factories
from tests.support.catalog import Catalog, build_catalog, created
from tests.support.iccids import iccid

pytestmark = pytest.mark.xdist_group("e2e")


def _fresh_iccid() -> str:
    return iccid(uuid.uuid4().int % 10**12, prefix="894977")


def _usage_totals(stack: Any, catalog: Catalog) -> dict[tuple[str, str, str], Decimal]:
    """The customer's usage totals per cycle, read from the stack's DynamoDB (moto server) with one Query."""
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=stack.aws_endpoint,
        region_name="eu-west-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    answer = dynamodb.query(
        TableName="reseller-billing-local",
        KeyConditionExpression="PK = :pk AND begins_with(SK, :usage)",
        ExpressionAttributeValues={
            ":pk": {"S": f"ACCOUNT#{catalog.account_id}#CUSTOMER#{catalog.customer['id']}"},
            ":usage": {"S": "USAGE#"},
        },
        ConsistentRead=True,
    )
    return {
        (item["cycle_start"]["S"], item["iccid"]["S"], item["service"]["S"]): Decimal(item["quantity"]["N"])
        for item in answer["Items"]
    }


def test_a_reseller_catalog_from_plan_to_usage(stack, operator):
    catalog = build_catalog(operator, name=f"E2E Reseller {uuid.uuid4().hex[:6]}")
    assert catalog.plan["currency"] == "EUR"
    assert catalog.product["price_plan_id"] == catalog.plan["id"]
    assert catalog.customer["status"] == "ACTIVE"

    sim = _fresh_iccid()
    assigned = catalog.assign(operator, sim, "2025-01-10")
    assert assigned.status == 201, assigned.json
    assert assigned.json["history"] == [{"status": "ACTIVE", "effective_date": "2025-01-10", "scheduled": False}]
    assert [s["iccid"] for s in operator.get(f"{catalog.customer_path}/sims").json["items"]] == [sim]
    again = catalog.assign(operator, sim, "2025-01-10")
    assert (again.status, again.error_code) == (422, "iccid_not_in_stock")

    suspended = operator.post(
        f"{catalog.sim_path(sim)}/status", {"status": "SUSPENDED", "effective_date": "2025-02-01"}
    )
    assert suspended.status == 200
    assert [c["status"] for c in suspended.json["history"]] == ["ACTIVE", "SUSPENDED"]
    backdated = operator.post(f"{catalog.sim_path(sim)}/status", {"status": "ACTIVE", "effective_date": "2025-01-20"})
    assert (backdated.status, backdated.error_code) == (422, "invalid_effective_date")

    records = [
        factories.usage_record("e2e-1", sim, 300, occurred_at="2025-03-10T08:00:00Z"),
        factories.usage_record("e2e-2", sim, "12.5", occurred_at="2025-03-10T09:00:00Z"),
        factories.usage_record("e2e-3", sim, 4, service="SMS", occurred_at="2025-03-11T09:00:00+01:00"),
        factories.usage_record("e2e-4", sim, 1, occurred_at="2025-01-09T09:00:00Z"),
    ]
    first = operator.post(f"{catalog.base}/usage", {"records": records})
    assert first.status == 202
    assert first.json["accepted"] == 3
    assert first.json["duplicates"] == 0
    assert [(r["index"], r["record_id"], r["reason"]) for r in first.json["rejected"]] == [
        (3, "e2e-4", "before_activation")
    ]
    totals = _usage_totals(stack, catalog)
    assert totals == {
        ("2025-03-05", sim, "DATA"): Decimal("312.5"),  # the cycle of 2025-03-10 and 2025-03-11
        ("2025-03-05", sim, "SMS"): Decimal(4),
    }
    repeat = operator.post(f"{catalog.base}/usage", {"records": records[:2]})
    assert repeat.json == {"accepted": 0, "duplicates": 2, "rejected": []}
    assert _usage_totals(stack, catalog) == totals

    closing = operator.patch(catalog.customer_path, {"status": "CLOSED"})
    assert (closing.status, closing.error_code) == (409, "customer_has_active_sims")
    retired = operator.post(f"{catalog.sim_path(sim)}/status", {"status": "RETIRED", "effective_date": "2025-04-01"})
    assert retired.status == 200
    late = operator.post(
        f"{catalog.base}/usage",
        {"records": [factories.usage_record("e2e-5", sim, 1, occurred_at="2025-04-01T00:00:00Z")]},
    )
    assert [r["reason"] for r in late.json["rejected"]] == ["sim_retired"]
    read = operator.get(catalog.customer_path)
    closed = operator.patch(catalog.customer_path, {"status": "CLOSED"}, headers={"If-Match": read.header("ETag")})
    assert closed.status == 200
    assert closed.json["status"] == "CLOSED"
    assert operator.patch(catalog.customer_path, {"name": "x"}).error_code == "customer_closed"

    in_use = operator.delete(f"{catalog.base}/price-plans/{catalog.plan['id']}")
    assert (in_use.status, in_use.error_code) == (409, "price_plan_in_use")
    to_standard = operator.patch(catalog.base, {"type": "STANDARD"})
    assert (to_standard.status, to_standard.error_code) == (409, "account_has_customers")


def test_each_reseller_sees_only_its_own_catalog(api, operator):
    mine = build_catalog(operator, name=f"E2E Mine {uuid.uuid4().hex[:6]}")
    theirs = build_catalog(operator, name=f"E2E Theirs {uuid.uuid4().hex[:6]}")
    their_sim = _fresh_iccid()
    created(theirs.assign(operator, their_sim))
    me = api.as_reseller(mine.account_id)

    customer = me.post(f"{mine.base}/customers", factories.customer("C-2002"))
    assert customer.status == 201
    my_sim = _fresh_iccid()
    assert mine.assign(me, my_sim).status == 201
    assert (
        me.post(f"{mine.sim_path(my_sim)}/status", {"status": "SUSPENDED", "effective_date": "2025-02-01"}).status
        == 200
    )
    assert {c["customer_number"] for c in me.get(f"{mine.base}/customers").json["items"]} == {"C-1001", "C-2002"}

    for path in (
        f"{theirs.base}/customers",
        theirs.customer_path,
        f"{theirs.base}/price-plans",
        f"{theirs.base}/products/{theirs.product['id']}",
        theirs.sim_path(their_sim),
    ):
        answer = me.get(path)
        assert (answer.status, answer.error_code) == (404, "not_found"), path
    hijack = me.patch(theirs.customer_path, {"name": "Hijacked"})
    assert hijack.status == 404
    assert operator.get(theirs.customer_path).json["name"] == theirs.customer["name"]
    usage = me.post(f"{theirs.base}/usage", {"records": [factories.usage_record("x-1", their_sim)]})
    assert usage.status == 404

    stolen_plan = me.post(f"{mine.base}/products", factories.product(theirs.plan["id"], "STOLEN"))
    assert (stolen_plan.status, stolen_plan.error_code) == (422, "price_plan_not_found")
    stolen_sim = mine.assign(me, their_sim)
    assert (stolen_sim.status, stolen_sim.error_code) == (422, "iccid_not_in_stock")
    foreign_usage = me.post(f"{mine.base}/usage", {"records": [factories.usage_record("x-2", their_sim)]})
    assert [r["reason"] for r in foreign_usage.json["rejected"]] == ["unknown_iccid"]

    standard = created(operator.post("/accounts", factories.standard_account(name="E2E Standard")))
    not_reseller = operator.post(f"/accounts/{standard['id']}/customers", factories.customer())
    assert (not_reseller.status, not_reseller.error_code) == (409, "account_not_reseller")


def test_bad_catalog_input_is_a_clear_4xx_over_http(operator):
    catalog = build_catalog(operator, name=f"E2E Bad Input {uuid.uuid4().hex[:6]}")
    plans_before = operator.get(f"{catalog.base}/price-plans").json["items"]
    number = operator.post(f"{catalog.base}/price-plans", factories.price_plan(monthly_fee=9.99))
    assert number.status == 422
    assert set(number.json["error"]) == {"code", "message", "details"}
    assert "monthly_fee" in [d["field"] for d in number.json["error"]["details"]]
    negative = operator.post(f"{catalog.base}/price-plans", factories.price_plan(activation_fee="-5.00"))
    assert negative.status == 422
    assert operator.get(f"{catalog.base}/price-plans").json["items"] == plans_before

    good = _fresh_iccid()
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    bad_check_digit = operator.post(f"{catalog.customer_path}/sims", factories.sim(bad, catalog.product["id"]))
    assert bad_check_digit.status == 422
    assert "iccid" in [d["field"] for d in bad_check_digit.json["error"]["details"]]
    too_many = [factories.usage_record(f"r{n}", _fresh_iccid()) for n in range(1001)]
    answer = operator.post(f"{catalog.base}/usage", {"records": too_many})
    assert (answer.status, answer.error_code) == (422, "validation_error")
    assert operator.get(f"{catalog.customer_path}/sims").json["items"] == []
