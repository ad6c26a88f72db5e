"""Changing a reseller's billing-cycle day, on moto: the daily schedule driven day by day across the
change, the invoices it issues (cycles and amounts), and the closed periods that stay closed.

The reseller bills on day 5 with the default plan (MRC 9.99, activation 5.00, DATA 1024 MB at 0.004) and
a customer at 23 % VAT with one SIM activated on 2026-10-10; on 2026-11-05 its first invoice is issued."""

from __future__ import annotations

from datetime import date, time, timedelta
from itertools import pairwise
from typing import Any

import pytest

from infra.local.schedule import scheduled_event
from reseller_billing.dal.billing_runs import resellers_invoicing_on
from tests.support import factories
from tests.support.catalog import Catalog, build_catalog, created
from tests.support.iccids import iccid
from tests.support.table import stored_items

SIM = iccid(1)


@pytest.fixture
def catalog(operator, clock) -> Catalog:
    clock.set("2026-11-01")
    catalog = build_catalog(operator)
    created(catalog.assign(operator, SIM, "2026-10-10"))
    assert usage(operator, catalog, "u-1", "2026-10-20T08:00:00Z", 1500)["accepted"] == 1
    return catalog


def usage(operator, catalog: Catalog, record_id: str, occurred_at: str, quantity: int) -> dict[str, Any]:
    record = factories.usage_record(record_id, SIM, quantity, occurred_at=occurred_at)
    answer: dict[str, Any] = operator.post(f"{catalog.base}/usage", {"records": [record]}).json
    return answer


def set_cycle_day(operator, catalog: Catalog, day: int) -> dict[str, Any]:
    answer = operator.put(f"{catalog.base}/reseller-profile", factories.reseller_profile(billing_cycle_day=day))
    assert answer.status == 200, answer.json
    profile: dict[str, Any] = answer.json
    return profile


def drive_schedule(functions, queues, clock, first: str, last: str, on_day=None) -> list[str]:
    """Fire the daily schedule at 00:05 UTC of every day from `first` to `last`, as EventBridge would, and
    let the queues deliver; `on_day(day)` runs later that day. Returns the days runs started on."""
    started = []
    day, end = date.fromisoformat(first), date.fromisoformat(last)
    while day <= end:
        clock.set(day, time(0, 5))
        if functions["BillingSchedulerFunction"].invoke(scheduled_event(day))["runs"]:
            started.append(day.isoformat())
        queues.drain()
        if on_day is not None:
            clock.set(day)
            on_day(day.isoformat())
        day += timedelta(days=1)
    return started


def invoices(operator, catalog: Catalog) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = operator.get(f"{catalog.base}/invoices?customer_id={catalog.customer['id']}").json[
        "items"
    ]
    return items


def summary(invoice: dict[str, Any]) -> tuple[Any, ...]:
    lines = {line["kind"]: line["amount"] for line in invoice["lines"]}
    return (invoice["cycle_start"], invoice["cycle_end"], lines, invoice["net_total"], invoice["gross_total"])


def assert_back_to_back(issued: list[dict[str, Any]]) -> None:
    """No day billed twice or never: each cycle starts the day after the one before ends."""
    for earlier, later in pairwise(issued):
        assert date.fromisoformat(later["cycle_start"]) == date.fromisoformat(earlier["cycle_end"]) + timedelta(days=1)


def test_day_5_to_10_after_a_run_bills_every_day_once(operator, catalog, functions, queues, clock):
    refused: dict[str, Any] = {}
    catalog.stock(iccid(2))  # in the reseller's stock: the assignment refused below is refused for its date

    def on_day(day: str) -> None:
        if day == "2026-11-20":
            profile = set_cycle_day(operator, catalog, 10)
            assert profile["billing_cycle_day"] == 10
            assert profile["billing_cycle_history"] == [
                {"billing_cycle_day": 5, "effective_from": None},
                {"billing_cycle_day": 10, "effective_from": "2026-12-05"},
            ]
        if day == "2026-11-21":
            before = stored_items()
            # [Oct 10, Nov 9] would bill the days of the first invoice again: Nov 10 is no run date.
            refused["run"] = operator.post(f"{catalog.base}/billing-runs", {"run_date": "2026-11-10"})
            refused["usage"] = usage(operator, catalog, "late", "2026-10-25T10:00:00Z", 300)
            refused["status"] = operator.post(
                f"{catalog.sim_path(SIM)}/status", {"status": "SUSPENDED", "effective_date": "2026-10-28"}
            )
            refused["sim"] = catalog.assign(operator, iccid(2), "2026-10-15")
            refused["unchanged"] = stored_items() == before
        if day == "2026-11-25":
            assert usage(operator, catalog, "u-2", "2026-11-25T08:00:00Z", 200)["accepted"] == 1

    started = drive_schedule(functions, queues, clock, "2026-11-01", "2027-01-12", on_day)

    assert started == ["2026-11-05", "2026-12-05", "2026-12-10", "2027-01-10"]
    assert (refused["run"].status, refused["run"].error_code) == (422, "run_date_not_cycle_day")
    assert [r["reason"] for r in refused["usage"]["rejected"]] == ["cycle_closed"]
    assert (refused["status"].status, refused["status"].error_code) == (409, "cycle_closed")
    assert (refused["sim"].status, refused["sim"].error_code) == (409, "cycle_closed")
    assert refused["unchanged"]

    issued = invoices(operator, catalog)
    assert [summary(i) for i in issued] == [
        # 26 of 31 days; activation; 1500 MB over 1024 × 26/31
        ("2026-10-05", "2026-11-04", {"MRC": "8.38", "ACTIVATION": "5.00", "OVERAGE_DATA": "2.56"}, "15.94", "19.61"),
        ("2026-11-05", "2026-12-04", {"MRC": "9.99"}, "9.99", "12.29"),  # 200 MB within the allowance
        ("2026-12-05", "2026-12-09", {"MRC": "1.61"}, "1.61", "1.98"),  # transition: 9.99 × 5/31
        ("2026-12-10", "2027-01-09", {"MRC": "9.99"}, "9.99", "12.29"),
    ]
    assert_back_to_back(issued)
    assert [(i["invoice_number"], i["billing_date"], i["issue_date"]) for i in issued] == [
        ("INV-2026-000001", "2026-11-05", "2026-11-05"),
        ("INV-2026-000002", "2026-12-05", "2026-12-05"),
        ("INV-2026-000003", "2026-12-10", "2026-12-10"),
        ("INV-2027-000001", "2027-01-10", "2027-01-10"),
    ]


def test_day_5_to_20_leaves_no_day_unbilled(operator, catalog, functions, queues, clock):
    def on_day(day: str) -> None:
        if day == "2026-11-20":
            set_cycle_day(operator, catalog, 20)
        if day == "2026-12-12":
            assert usage(operator, catalog, "u-2", "2026-12-12T08:00:00Z", 600)["accepted"] == 1

    started = drive_schedule(functions, queues, clock, "2026-11-01", "2027-01-21", on_day)

    assert started == ["2026-11-05", "2026-12-05", "2026-12-20", "2027-01-20"]
    issued = invoices(operator, catalog)
    assert [summary(i) for i in issued][1:] == [
        ("2026-11-05", "2026-12-04", {"MRC": "9.99"}, "9.99", "12.29"),
        # transition of 15 days over L = 31: MRC 9.99 × 15/31; 600 MB over 1024 × 15/31 = 495.48 MB
        ("2026-12-05", "2026-12-19", {"MRC": "4.83", "OVERAGE_DATA": "0.42"}, "5.25", "6.46"),
        ("2026-12-20", "2027-01-19", {"MRC": "9.99"}, "9.99", "12.29"),
    ]
    assert_back_to_back(issued)


def test_the_history_through_the_api(operator, catalog, clock):
    path = f"{catalog.base}/reseller-profile"
    clock.set("2026-11-20")
    set_cycle_day(operator, catalog, 10)
    clock.set("2026-11-28")
    replaced = set_cycle_day(operator, catalog, 15)  # before it took effect: replaces it
    assert replaced["billing_cycle_history"] == [
        {"billing_cycle_day": 5, "effective_from": None},
        {"billing_cycle_day": 15, "effective_from": "2026-12-05"},
    ]
    clock.set("2026-12-07")  # during the transition [Dec 5, Dec 14]
    during = set_cycle_day(operator, catalog, 20)
    assert during["billing_cycle_history"][1:] == [
        {"billing_cycle_day": 15, "effective_from": "2026-12-05"},
        {"billing_cycle_day": 20, "effective_from": "2026-12-15"},
    ]
    assert operator.get(path).json == during
    assert (
        operator.get(catalog.base).json["reseller_profile"]["billing_cycle_history"] == during["billing_cycle_history"]
    )
    # Previews follow the history: Dec 15 bills the transition [Dec 5, Dec 14], Dec 20 the next one
    # [Dec 15, Dec 19]; Dec 10, the day replaced before it took effect, is no run date.
    clock.set("2026-12-21")
    bounds = []
    for run_date in ("2026-12-15", "2026-12-20"):
        preview = operator.get(f"{catalog.customer_path}/invoice-preview?run_date={run_date}").json
        bounds.append((preview["cycle_start"], preview["cycle_end"]))
    assert bounds == [("2026-12-05", "2026-12-14"), ("2026-12-15", "2026-12-19")]
    wrong = operator.get(f"{catalog.customer_path}/invoice-preview?run_date=2026-12-10")
    assert (wrong.status, wrong.error_code) == (422, "run_date_not_cycle_day")
    assert wrong.json["error"]["details"][0]["in"] == "query"


def test_refused_profiles_change_nothing(operator, catalog, clock):
    clock.set("2026-11-20")
    before = stored_items()
    path = f"{catalog.base}/reseller-profile"
    for body, field in [
        (factories.reseller_profile(billing_cycle_day=29), "billing_cycle_day"),
        (factories.reseller_profile(payment_terms_days=121), "payment_terms_days"),
        (factories.reseller_profile(payment_terms_days=-1), "payment_terms_days"),
        (factories.reseller_profile(billing_cycle_history=[]), "billing_cycle_history"),
    ]:
        answer = operator.put(path, body)
        assert (answer.status, answer.json["error"]["details"][0]["field"]) == (422, field)
    assert stored_items() == before


def test_the_invoicing_day_index_holds_every_day_of_the_history_while_invoicing_is_on(operator, catalog, clock):
    clock.set("2026-11-20")
    set_cycle_day(operator, catalog, 10)
    assert (list(resellers_invoicing_on(5)), list(resellers_invoicing_on(10))) == (
        [catalog.account_id],
        [catalog.account_id],
    )
    clock.set("2026-11-28")
    set_cycle_day(operator, catalog, 5)  # the pending change undone: day 10 is no longer in the history
    assert (list(resellers_invoicing_on(5)), list(resellers_invoicing_on(10))) == ([catalog.account_id], [])
    off = operator.put(f"{catalog.base}/reseller-profile", factories.reseller_profile(customer_invoice_creation=False))
    assert off.status == 200
    assert list(resellers_invoicing_on(5)) == []
    # A reseller without customers that becomes STANDARD leaves the index too.
    other = created(operator.post("/accounts", factories.reseller_account(name="Short-lived")))
    assert list(resellers_invoicing_on(5)) == [other["id"]]
    assert operator.patch(f"/accounts/{other['id']}", {"type": "STANDARD"}).status == 200
    assert list(resellers_invoicing_on(5)) == []
