"""Price versions on moto: a plan's prices and a product's plan change from a date, every cycle is priced
by what is in force on its first day, and a preview of an ended cycle is the invoice issued later,
whatever was edited in between."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.support import factories
from tests.support.catalog import Catalog, build_catalog, created
from tests.support.iccids import iccid
from tests.support.table import stored_items

# Cycle day 5: [2026-10-05, 2026-11-04] ends, then [2026-11-05, 2026-12-04] runs.
ENDED = "2026-11-05"
RUNNING = "2026-12-05"


@pytest.fixture
def catalog(operator, clock) -> Catalog:
    """A SIM active since September on a plan of 10.00 a month, no activation fee, no allowances."""
    clock.set("2026-09-01")
    catalog = build_catalog(operator)
    body = factories.price_plan(activation_fee="0", monthly_fee="10.00", allowances=[])
    plan = created(operator.post(f"{catalog.base}/price-plans", body))
    product = created(operator.post(f"{catalog.base}/products", factories.product(plan["id"], "IOT-10")))
    catalog = replace(catalog, plan=plan, product=product)
    created(catalog.assign(operator, iccid(1), "2026-09-01"))
    return catalog


def preview(operator, catalog: Catalog, run_date: str) -> dict[str, Any]:
    answer = operator.get(f"{catalog.customer_path}/invoice-preview?run_date={run_date}")
    assert answer.status == 200, answer.json
    body: dict[str, Any] = answer.json
    return body


def mrc(invoice: dict[str, Any]) -> str:
    (line,) = invoice["lines"]
    assert line["kind"] == "MRC"
    return str(line["amount"])


def test_a_preview_of_an_ended_cycle_is_the_invoice_issued_after_an_edit(operator, catalog, queues, clock):
    clock.set(ENDED)
    before_the_edit = preview(operator, catalog, ENDED)
    assert mrc(before_the_edit) == "10.00"
    edited = operator.patch(f"{catalog.base}/price-plans/{catalog.plan['id']}", {"monthly_fee": "12.00"})
    assert edited.status == 200
    assert edited.json["monthly_fee"] == "12.00"  # in force from today, the first day of the running cycle
    assert [(v["version"], v["effective_from"], v["monthly_fee"]) for v in edited.json["versions"]] == [
        (1, None, "10.00"),
        (2, ENDED, "12.00"),
    ]
    assert mrc(preview(operator, catalog, ENDED)) == "10.00"
    started = operator.post(f"{catalog.base}/billing-runs", {"run_date": ENDED})
    assert started.status == 202
    queues.drain()
    (invoice,) = operator.get(f"{catalog.base}/invoices").json["items"]
    comparable = ("lines", "net_total", "vat_amount", "gross_total", "cycle_start", "cycle_end", "billing_date")
    assert {k: invoice[k] for k in comparable} == {k: before_the_edit[k] for k in comparable}
    assert mrc(preview(operator, catalog, RUNNING)) == "12.00"  # the cycle that started with the new version


def test_prices_scheduled_ahead_and_replaced_on_their_date(operator, catalog, clock):
    clock.set("2026-11-20")
    path = f"{catalog.base}/price-plans/{catalog.plan['id']}"
    scheduled = operator.patch(path, {"monthly_fee": "12.00", "effective_from": RUNNING})
    assert scheduled.json["monthly_fee"] == "10.00"  # not yet
    replaced = operator.patch(path, {"monthly_fee": "11.00", "effective_from": RUNNING})
    assert [(v["effective_from"], v["monthly_fee"]) for v in replaced.json["versions"]] == [
        (None, "10.00"),
        (RUNNING, "11.00"),
    ]
    assert mrc(preview(operator, catalog, "2027-01-05")) == "11.00"
    assert mrc(preview(operator, catalog, RUNNING)) == "10.00"
    renamed = operator.patch(path, {"name": "IoT Europe"})
    assert (renamed.json["name"], len(renamed.json["versions"])) == ("IoT Europe", 2)  # a name changes at once


def test_refused_price_changes_change_nothing(operator, catalog, clock):
    clock.set("2026-11-20")
    path = f"{catalog.base}/price-plans/{catalog.plan['id']}"
    assert operator.patch(path, {"monthly_fee": "12.00", "effective_from": "2027-01-05"}).status == 200
    before = stored_items()
    for body in (
        {"monthly_fee": "9.00", "effective_from": "2026-11-19"},  # before today
        {"monthly_fee": "9.00", "effective_from": RUNNING},  # before the version scheduled from 2027-01-05
        {"monthly_fee": "9.00"},  # today: also before it
        {"name": "Renamed", "effective_from": RUNNING},  # a date without prices
        {"monthly_fee": "9.00", "effective_from": "5.12.2026"},
    ):
        answer = operator.patch(path, body)
        assert (answer.status, answer.json["error"]["details"][0]["field"]) == (422, "effective_from"), body
    assert stored_items() == before


def test_a_product_moves_to_another_plan_from_a_date(operator, catalog, queues, clock):
    clock.set("2026-11-20")
    dearer = created(operator.post(f"{catalog.base}/price-plans", factories.price_plan(monthly_fee="20.00")))
    path = f"{catalog.base}/products/{catalog.product['id']}"
    moved = operator.patch(path, {"price_plan_id": dearer["id"], "effective_from": RUNNING})
    assert moved.status == 200
    assert moved.json["price_plan_id"] == catalog.plan["id"]  # in force today
    assert moved.json["plan_history"] == [
        {"price_plan_id": catalog.plan["id"], "effective_from": None},
        {"price_plan_id": dearer["id"], "effective_from": RUNNING},
    ]
    assert mrc(preview(operator, catalog, RUNNING)) == "10.00"
    assert mrc(preview(operator, catalog, "2027-01-05")) == "20.00"
    clock.set(RUNNING)
    assert operator.get(path).json["price_plan_id"] == dearer["id"]
    # The cycle that started on 2026-11-05 is billed with the plan in force then.
    assert operator.post(f"{catalog.base}/billing-runs", {"run_date": RUNNING}).status == 202
    queues.drain()
    (invoice,) = operator.get(f"{catalog.base}/invoices").json["items"]
    assert (invoice["cycle_start"], mrc(invoice)) == ("2026-11-05", "10.00")


def test_refused_product_moves_change_nothing(operator, catalog, clock):
    clock.set("2026-11-20")
    other = build_catalog(operator, name="Other")
    path = f"{catalog.base}/products/{catalog.product['id']}"
    before = stored_items()
    past = operator.patch(path, {"price_plan_id": catalog.plan["id"], "effective_from": "2026-11-01"})
    assert (past.status, past.json["error"]["details"][0]["field"]) == (422, "effective_from")
    theirs = operator.patch(path, {"price_plan_id": other.plan["id"], "effective_from": RUNNING})
    assert (theirs.status, theirs.error_code) == (422, "price_plan_not_found")
    assert stored_items() == before


def test_a_cycle_whose_prices_dropped_a_service_used_in_it_is_not_previewed(operator, catalog, clock):
    """SMS used on the first day of a cycle, then taken out of the plan from that very day: intake
    accepted them under the version then in force, the version that prices the cycle has no SMS. The
    preview says so (409), as the run fails that invoice, rather than dropping the SMS."""
    sms_plan = created(operator.post(f"{catalog.base}/price-plans", factories.price_plan()))
    product = created(operator.post(f"{catalog.base}/products", factories.product(sms_plan["id"], "IOT-SMS")))
    created(catalog.assign(operator, iccid(2), "2026-09-01", product_id=product["id"]))
    clock.set(ENDED)
    record = factories.usage_record("sms-1", iccid(2), 3, service="SMS", occurred_at=f"{ENDED}T00:30:00Z")
    assert operator.post(f"{catalog.base}/usage", {"records": [record]}).json["accepted"] == 1
    data_only = [{"service": "DATA", "included": 1024, "overage_price": "0.004"}]
    assert operator.patch(f"{catalog.base}/price-plans/{sms_plan['id']}", {"allowances": data_only}).status == 200
    answer = operator.get(f"{catalog.customer_path}/invoice-preview?run_date={RUNNING}")
    assert (answer.status, answer.error_code) == (409, "conflict")
    assert "SMS" in answer.json["error"]["message"]
