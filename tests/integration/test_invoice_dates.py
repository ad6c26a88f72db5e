"""An invoice's dates on moto, and one active run per account and cycle.

Dates: `billing_date` is the run date, `issue_date` the UTC date the number was allocated, `due_date` the
issue date plus the profile's `payment_terms_days`; the number's year is the issue date's, so a catch-up
run never issues a back-dated invoice nor a number lower than one issued before it."""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import date
from typing import Any

import boto3
import pytest

from infra.local.schedule import scheduled_event
from reseller_billing.dal.items import InvoiceItem
from reseller_billing.settings import get_settings
from tests.support import factories
from tests.support.catalog import Catalog, build_catalog, created
from tests.support.iccids import iccid
from tests.support.table import stored_items


@pytest.fixture
def catalog(operator, clock) -> Catalog:
    """Cycle day 5, one SIM active since 2026-09-10."""
    clock.set("2026-10-01")
    catalog = build_catalog(operator)
    created(catalog.assign(operator, iccid(1), "2026-09-10"))
    return catalog


def run(operator, catalog: Catalog, run_date: str) -> dict[str, Any]:
    answer = operator.post(f"{catalog.base}/billing-runs", {"run_date": run_date})
    assert answer.status == 202, answer.json
    body: dict[str, Any] = answer.json
    return body


def issued(operator, catalog: Catalog) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = operator.get(f"{catalog.base}/invoices").json["items"]
    return items


def artefact(invoice: dict[str, Any], account_id: str, name: str) -> bytes:
    cycle_start = date.fromisoformat(invoice["cycle_start"])
    stored = InvoiceItem.get(*InvoiceItem.key(account_id, invoice["customer_id"], cycle_start))
    key = stored.artifacts[name]["key"]
    body: bytes = boto3.client("s3").get_object(Bucket=get_settings().artifacts_bucket, Key=key)["Body"].read()
    return body


class TestDates:
    def test_a_catch_up_run_is_issued_and_numbered_on_the_day_it_runs(self, operator, catalog, queues, clock):
        clock.set("2026-11-05")
        run(operator, catalog, "2026-11-05")
        queues.drain()
        clock.set("2027-01-03")  # the cycle billed on 2026-12-05 is invoiced late
        run(operator, catalog, "2026-12-05")
        queues.drain()
        dates = [
            (i["invoice_number"], i["billing_date"], i["issue_date"], i["due_date"])
            for i in sorted(issued(operator, catalog), key=lambda i: i["issue_date"])
        ]
        assert dates == [
            ("INV-2026-000001", "2026-11-05", "2026-11-05", "2026-12-05"),
            ("INV-2027-000001", "2026-12-05", "2027-01-03", "2027-02-02"),  # not INV-2026-000002, nor back-dated
        ]

    def test_the_dates_are_in_every_artefact(self, operator, catalog, queues, clock):
        clock.set("2026-11-09")
        profile = factories.reseller_profile(payment_terms_days=14)
        assert operator.put(f"{catalog.base}/reseller-profile", profile).json["payment_terms_days"] == 14
        run(operator, catalog, "2026-11-05")
        queues.drain()
        (invoice,) = issued(operator, catalog)
        expected = {"billing_date": "2026-11-05", "issue_date": "2026-11-09", "due_date": "2026-11-23"}
        assert {k: invoice[k] for k in expected} == expected
        document = json.loads(artefact(invoice, catalog.account_id, "json"))
        assert document["schema_version"] == "2.0"
        assert {k: document[k] for k in expected} == expected
        (row,) = csv.DictReader(io.StringIO(artefact(invoice, catalog.account_id, "csv").decode()))
        assert {k: row[k] for k in expected} == expected

    def test_a_preview_is_dated_as_if_issued_today(self, operator, catalog, clock):
        clock.set("2026-11-20")
        profile = factories.reseller_profile(payment_terms_days=0)
        assert operator.put(f"{catalog.base}/reseller-profile", profile).status == 200
        preview = operator.get(f"{catalog.customer_path}/invoice-preview?run_date=2026-11-05").json
        assert (preview["billing_date"], preview["issue_date"], preview["due_date"]) == (
            "2026-11-05",
            "2026-11-20",
            "2026-11-20",
        )


class TestOneActiveRun:
    def test_a_second_run_while_one_is_queued_is_409_and_changes_nothing(self, operator, catalog, queues, clock):
        clock.set("2026-11-05")
        first = run(operator, catalog, "2026-11-05")
        assert first["status"] == "QUEUED"
        before = stored_items()
        second = operator.post(f"{catalog.base}/billing-runs", {"run_date": "2026-11-05"})
        assert (second.status, second.error_code) == (409, "run_in_progress")
        assert first["id"] in second.json["error"]["message"]
        assert stored_items() == before
        queues.drain()
        again = run(operator, catalog, "2026-11-05")  # the first is COMPLETED: another may start
        queues.drain()
        done = operator.get(f"{catalog.base}/billing-runs/{again['id']}").json
        assert (done["status"], done["issued"], done["skipped"]) == ("COMPLETED", 0, 1)
        assert len(issued(operator, catalog)) == 1

    def test_two_requests_at_the_same_moment_start_one_run(self, operator, catalog, clock):
        clock.set("2026-11-05")
        barrier = threading.Barrier(2)
        answers = []

        def start() -> None:
            barrier.wait()
            answers.append(operator.post(f"{catalog.base}/billing-runs", {"run_date": "2026-11-05"}))

        threads = [threading.Thread(target=start) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted((a.status, a.error_code) for a in answers) == [(202, None), (409, "run_in_progress")]
        assert len(operator.get(f"{catalog.base}/billing-runs").json["items"]) == 1

    def test_runs_of_other_cycles_are_independent(self, operator, catalog, clock):
        clock.set("2026-12-05")
        run(operator, catalog, "2026-11-05")
        run(operator, catalog, "2026-12-05")
        assert len(operator.get(f"{catalog.base}/billing-runs").json["items"]) == 2

    def test_the_schedule_leaves_a_cycle_to_the_manual_run_billing_it(self, operator, catalog, functions, clock):
        clock.set("2026-11-05")
        manual = run(operator, catalog, "2026-11-05")
        assert functions["BillingSchedulerFunction"].invoke(scheduled_event(date(2026, 11, 5)))["runs"] == []
        (only,) = operator.get(f"{catalog.base}/billing-runs").json["items"]
        assert only["id"] == manual["id"]

    def test_a_manual_run_waits_for_the_scheduled_one(self, operator, catalog, functions, queues, clock):
        clock.set("2026-11-05")
        (scheduled,) = functions["BillingSchedulerFunction"].invoke(scheduled_event(date(2026, 11, 5)))["runs"]
        refused = operator.post(f"{catalog.base}/billing-runs", {"run_date": "2026-11-05"})
        assert (refused.status, refused.error_code) == (409, "run_in_progress")
        assert scheduled in refused.json["error"]["message"]
        again = functions["BillingSchedulerFunction"].invoke(scheduled_event(date(2026, 11, 5)))["runs"]
        assert again == [scheduled]  # the schedule firing twice finds its own run
        queues.drain()
        assert len(issued(operator, catalog)) == 1
