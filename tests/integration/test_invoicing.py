"""Billing runs and invoices on moto: one invoice per customer and cycle, gapless numbers, artefacts that
match their SHA-256, and recovery from every failure between two steps of the worker."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import jsonschema
import pytest

from reseller_billing.dal.items import InvoiceCounter, InvoiceItem
from reseller_billing.integration import artifacts as artifact_store
from reseller_billing.integration import events as event_bus
from reseller_billing.logic import invoice_issuing as issuing
from reseller_billing.logic.invoice_issuing import InvoiceRequest, issue_invoices
from reseller_billing.settings import get_settings
from tests.support import factories
from tests.support.catalog import Catalog, build_catalog, created
from tests.support.iccids import iccid

MAX_PRESIGNED_SECONDS = 900  # artefact links are short-lived (README, Security)
RUN_DATE = "2026-11-05"  # bills 2026-10-05 .. 2026-11-04 (31 days) for billing-cycle day 5
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "layers/shared/reseller_billing/schemas/invoice-2.0.schema.json").read_text()
)


@pytest.fixture(autouse=True)
def fresh_worker_caches():
    issuing._runs.clear()
    issuing._counters.clear()


def add_customers(
    operator,
    catalog: Catalog,
    count: int,
    *,
    sims_each: int = 2,
    first_serial: int = 0,
    activated: str = "2026-10-10",
    used_at: str = "2026-10-20T08:00:00Z",
) -> list[dict[str, Any]]:
    """`count` customers with `sims_each` SIMs activated on `activated`, each using 1500 MB at `used_at`."""
    customers = []
    serial = first_serial
    for n in range(count):
        customer = created(
            operator.post(f"{catalog.base}/customers", factories.customer(number=f"C-{first_serial + n:04d}"))
        )
        records = []
        for _ in range(sims_each):
            serial += 1
            created(catalog.assign(operator, iccid(serial), activated, customer_id=customer["id"]))
            records.append(factories.usage_record(f"u-{serial}", iccid(serial), "1500", occurred_at=used_at))
        accepted = operator.post(f"{catalog.base}/usage", {"records": records}).json
        assert accepted["accepted"] == sims_each, accepted
        customers.append(customer)
    return customers


def start_run(operator, catalog: Catalog, run_date: str = RUN_DATE) -> dict[str, Any]:
    answer = operator.post(f"{catalog.base}/billing-runs", {"run_date": run_date})
    assert answer.status == 202, answer.json
    body: dict[str, Any] = answer.json
    return body


def invoices_of(operator, catalog: Catalog) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = operator.get(f"{catalog.base}/invoices?limit=100").json["items"]
    return items


def s3_object(key: str) -> bytes:
    body: bytes = boto3.client("s3").get_object(Bucket=get_settings().artifacts_bucket, Key=key)["Body"].read()
    return body


def stored_invoice(invoice: dict[str, Any], account_id: str) -> InvoiceItem:
    cycle_start = date.fromisoformat(invoice["cycle_start"])
    return InvoiceItem.get(*InvoiceItem.key(account_id, invoice["customer_id"], cycle_start))


def counter(account_id: str, year: int = 2026) -> int:
    return InvoiceCounter.get(*InvoiceCounter.key(account_id, year)).last_number


@pytest.fixture
def catalog(operator) -> Catalog:
    return build_catalog(operator)


@pytest.fixture
def on_time(clock):
    """Runs on their run date: invoices issued (and numbered) on RUN_DATE, in 2026, whatever today is."""
    clock.set(RUN_DATE)


@pytest.mark.usefixtures("on_time")
class TestRun:
    def test_issues_one_invoice_per_customer_with_gapless_numbers(self, operator, catalog, queues):
        customers = add_customers(operator, catalog, 4)
        run = start_run(operator, catalog)
        assert run["status"] == "QUEUED"
        queues.drain()

        done = operator.get(f"{catalog.base}/billing-runs/{run['id']}").json
        # build_catalog's own customer has no SIMs: no lines, no invoice, counted as skipped.
        assert (done["status"], done["customers"], done["issued"], done["skipped"], done["failed"]) == (
            "COMPLETED",
            5,
            4,
            1,
            0,
        )
        invoices = invoices_of(operator, catalog)
        assert sorted(i["customer_id"] for i in invoices) == sorted(c["id"] for c in customers)
        assert sorted(i["invoice_number"] for i in invoices) == [f"INV-2026-{n:06d}" for n in range(1, 5)]
        assert counter(catalog.account_id) == 4

    def test_invoice_amounts_follow_the_billing_rules(self, operator, catalog, queues):
        add_customers(operator, catalog, 1)
        start_run(operator, catalog)
        queues.drain()
        (invoice,) = invoices_of(operator, catalog)
        lines = {line["kind"]: line for line in invoice["lines"]}
        # Cycle 2026-10-05..11-04 = 31 days; SIMs active from 10-10: 26 days each, 2 SIMs.
        # MRC: 9.99 × 52 / 31 = 16.7574... -> 16.76
        assert (lines["MRC"]["quantity"], lines["MRC"]["amount"]) == ("2", "16.76")
        # Activation: 2 × 5.00
        assert (lines["ACTIVATION"]["quantity"], lines["ACTIVATION"]["amount"]) == ("2", "10.00")
        # Data: each SIM used 1500 MB against 1024 × 26/31 = 858.8387...; overage 2 × 641.1613 = 1282.3226 MB
        # × 0.004 = 5.1293 -> 5.13
        assert lines["OVERAGE_DATA"]["amount"] == "5.13"
        assert "OVERAGE_SMS" not in lines
        # net 16.76 + 10.00 + 5.13 = 31.89; VAT 23 %: 7.3347 -> 7.33; gross 39.22
        assert (invoice["net_total"], invoice["vat_amount"], invoice["gross_total"]) == ("31.89", "7.33", "39.22")

    def test_artefacts_are_stored_and_match_their_sha256(self, operator, catalog, queues):
        add_customers(operator, catalog, 1)
        start_run(operator, catalog)
        queues.drain()
        (invoice,) = invoices_of(operator, catalog)
        item = stored_invoice(invoice, catalog.account_id)
        assert set(invoice["artifacts"]) == {"pdf", "json", "csv"}
        for name, meta in invoice["artifacts"].items():
            body = s3_object(item.artifacts[name]["key"])
            assert item.artifacts[name]["key"].startswith(f"resellers/{catalog.account_id}/")
            assert hashlib.sha256(body).hexdigest() == meta["sha256"]
            assert len(body) == meta["size"]
        document = json.loads(s3_object(item.artifacts["json"]["key"]))
        jsonschema.validate(document, SCHEMA)
        assert document["invoice_number"] == invoice["invoice_number"]
        assert len(document["sims"]) > 0
        assert s3_object(item.artifacts["pdf"]["key"]).startswith(b"%PDF-")

    def test_a_second_run_issues_nothing_already_issued(self, operator, catalog, queues):
        add_customers(operator, catalog, 2)
        start_run(operator, catalog)
        queues.drain()
        before = invoices_of(operator, catalog)
        again = start_run(operator, catalog)
        queues.drain()
        rerun = operator.get(f"{catalog.base}/billing-runs/{again['id']}").json
        assert (rerun["issued"], rerun["skipped"], rerun["status"]) == (0, 3, "COMPLETED")
        assert invoices_of(operator, catalog) == before
        assert counter(catalog.account_id) == 2

    def test_preview_equals_the_issued_invoice(self, operator, catalog, queues):
        (customer,) = add_customers(operator, catalog, 1)
        preview = operator.get(f"{catalog.base}/customers/{customer['id']}/invoice-preview?run_date={RUN_DATE}").json
        assert preview["id"] is None
        assert preview["invoice_number"] is None
        start_run(operator, catalog)
        queues.drain()
        (issued,) = invoices_of(operator, catalog)
        comparable = ("lines", "net_total", "vat_rate", "vat_amount", "gross_total", "cycle_start", "cycle_end")
        assert {k: preview[k] for k in comparable} == {k: issued[k] for k in comparable}
        assert counter(catalog.account_id) == 1  # the preview took no number

    def test_usage_for_a_billed_cycle_is_refused(self, operator, catalog, queues):
        add_customers(operator, catalog, 1)
        start_run(operator, catalog)
        queues.drain()
        late = factories.usage_record("late-1", iccid(1), 5, occurred_at="2026-10-30T10:00:00Z")
        answer = operator.post(f"{catalog.base}/usage", {"records": [late]}).json
        assert answer["accepted"] == 0
        assert answer["rejected"][0]["reason"] == "cycle_closed"
        current = factories.usage_record("next-1", iccid(1), 5, occurred_at="2026-11-05T10:00:00Z")
        assert operator.post(f"{catalog.base}/usage", {"records": [current]}).json["accepted"] == 1

    def test_numbers_restart_each_year(self, operator, queues, clock):
        catalog = build_catalog(operator, reseller_profile=factories.reseller_profile(billing_cycle_day=1))
        add_customers(operator, catalog, 2, activated="2025-11-10", used_at="2025-11-20T08:00:00Z")
        for run_date in ("2025-12-01", "2026-01-01", "2026-02-01"):
            clock.set(run_date)  # each run on time: issued on its run date, in that year
            start_run(operator, catalog, run_date)
            queues.drain()
        numbers = sorted(i["invoice_number"] for i in invoices_of(operator, catalog))
        assert numbers == [
            "INV-2025-000001",
            "INV-2025-000002",  # cycle 2025-11-01: run in 2025
            "INV-2026-000001",
            "INV-2026-000002",  # cycle 2025-12-01: run 2026-01-01, a new year
            "INV-2026-000003",
            "INV-2026-000004",
        ]


class TestRequests:
    def test_run_date_must_be_the_cycle_day_and_not_in_the_future(self, operator, catalog):
        wrong_day = operator.post(f"{catalog.base}/billing-runs", {"run_date": "2026-11-06"})
        assert (wrong_day.status, wrong_day.error_code) == (422, "run_date_not_cycle_day")
        future = operator.post(f"{catalog.base}/billing-runs", {"run_date": "2099-01-05"})
        assert (future.status, future.error_code) == (422, "run_date_in_future")
        assert operator.post(f"{catalog.base}/billing-runs", {"run_date": "5.11.2026"}).status == 422
        assert operator.get(f"{catalog.base}/billing-runs").json["items"] == []

    def test_invoicing_off_is_409(self, operator):
        catalog = build_catalog(operator, reseller_profile=factories.reseller_profile(customer_invoice_creation=False))
        answer = operator.post(f"{catalog.base}/billing-runs", {"run_date": RUN_DATE})
        assert (answer.status, answer.error_code) == (409, "invoicing_disabled")

    def test_standard_account_has_no_billing(self, operator):
        account = created(operator.post("/accounts", factories.standard_account()))
        answer = operator.post(f"/accounts/{account['id']}/billing-runs", {"run_date": RUN_DATE})
        assert (answer.status, answer.error_code) == (409, "account_not_reseller")

    def test_preview_needs_the_cycle_day(self, operator, catalog):
        answer = operator.get(f"{catalog.customer_path}/invoice-preview?run_date=2026-11-06")
        assert (answer.status, answer.error_code) == (422, "run_date_not_cycle_day")
        assert operator.get(f"{catalog.customer_path}/invoice-preview").status == 422

    def test_unknown_invoices_and_artefacts_are_404(self, operator, catalog, queues):
        assert operator.get(f"{catalog.base}/invoices/inv_nope").status == 404
        assert operator.get(f"{catalog.base}/invoices/inv_X_20261005").status == 404
        assert operator.get(f"{catalog.base}/invoices/inv_X_20261005/artifacts/pdf").status == 404


def assert_short_lived(link: dict[str, Any]) -> None:
    """A SigV4 presigned URL valid for at most 15 minutes, and an `expires_at` that says when it stops
    working: the URL carries its signing time (X-Amz-Date) and lifetime (X-Amz-Expires)."""
    query = parse_qs(urlsplit(link["url"]).query)
    assert query.get("X-Amz-Algorithm") == ["AWS4-HMAC-SHA256"], f"not a SigV4 URL: {link['url']}"
    lifetime = int(query["X-Amz-Expires"][0])
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    url_expiry = signed_at + timedelta(seconds=lifetime)
    assert 0 < lifetime <= MAX_PRESIGNED_SECONDS, f"presigned URL valid for {lifetime} s, over 900 s"
    late = datetime.fromisoformat(link["expires_at"]) - url_expiry
    assert timedelta(0) <= late < timedelta(seconds=5), (
        f"expires_at {link['expires_at']} is not when the URL expires ({url_expiry.isoformat()})"
    )


@pytest.mark.parametrize(
    ("invoice_type", "present", "absent"), [("RAW", {"json", "csv"}, "pdf"), ("PDF", {"pdf"}, "json")]
)
def test_artefacts_follow_the_profile(operator, queues, invoice_type, present, absent):
    catalog = build_catalog(operator, reseller_profile=factories.reseller_profile(customer_invoice_type=invoice_type))
    add_customers(operator, catalog, 1)
    start_run(operator, catalog)
    queues.drain()
    (invoice,) = invoices_of(operator, catalog)
    assert set(invoice["artifacts"]) == present
    for name in present:
        link = operator.get(f"{catalog.base}/invoices/{invoice['id']}/artifacts/{name}")
        assert link.status == 200
        assert "X-Amz-Signature=" in link.json["url"] or "Signature=" in link.json["url"]
        assert_short_lived(link.json)
    assert operator.get(f"{catalog.base}/invoices/{invoice['id']}/artifacts/{absent}").status == 404
    assert operator.get(f"{catalog.base}/invoices/{invoice['id']}/artifacts/zip").status == 422


class TestSchedule:
    def test_the_schedule_bills_the_resellers_due_today_once_even_if_it_fires_twice(self, operator, functions, queues):
        due = build_catalog(operator, name="Due today")
        add_customers(operator, due, 2)
        other_day = build_catalog(
            operator, name="Other day", reseller_profile=factories.reseller_profile(billing_cycle_day=6)
        )
        add_customers(operator, other_day, 1, first_serial=100)
        scheduler = functions["BillingSchedulerFunction"]
        event = {
            "version": "0",
            "id": "1",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": f"{RUN_DATE}T00:05:00Z",
            "region": "eu-west-1",
            "resources": [],
            "detail": {},
        }
        first = scheduler.invoke(event)
        second = scheduler.invoke(event)
        assert first["runs"] == second["runs"]
        assert len(first["runs"]) == 1
        queues.drain()
        assert len(invoices_of(operator, due)) == 2
        assert invoices_of(operator, other_day) == []
        (run,) = operator.get(f"{due.base}/billing-runs").json["items"]
        assert (run["trigger"], run["issued"], run["status"]) == ("SCHEDULE", 2, "COMPLETED")


def _requests(
    catalog: Catalog, customers: list[dict[str, Any]], run_id: str, *, receive_count: int = 1
) -> list[InvoiceRequest]:
    from reseller_billing.dal.customers import get_customer
    from reseller_billing.models.messages import InvoicedCustomer

    return [
        InvoiceRequest(
            message_id=f"m-{c['id']}-{threading.get_ident()}",
            account_id=catalog.account_id,
            run_id=run_id,
            customer=InvoicedCustomer.of(get_customer(catalog.account_id, c["id"]).value),
            receive_count=receive_count,
        )
        for c in customers
    ]


def _run_without_workers(operator, catalog: Catalog, queues) -> dict[str, Any]:
    """Start a run and let only the fan-out happen (its invoice requests are then purged from the queue)."""
    run = start_run(operator, catalog)
    fanout = queues.functions["BillingFanoutFunction"]
    from infra.local.pollers import deliver

    deliver(fanout, queues.resources.refs["BillingFanoutQueue"], queues.resources.arns["BillingFanoutQueue"], 1, 0)
    boto3.client("sqs").purge_queue(QueueUrl=queues.resources.refs["InvoiceQueue"])
    return run


@pytest.mark.usefixtures("on_time")
class TestFailures:
    def test_s3_failure_is_retried_and_issues_once_without_a_gap(self, operator, catalog, queues, monkeypatch):
        add_customers(operator, catalog, 3)
        real_store = artifact_store.store
        calls = {"n": 0}

        def flaky_store(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise ConnectionError("S3 is unreachable")
            return real_store(*args, **kwargs)

        monkeypatch.setattr(artifact_store, "store", flaky_store)
        run = start_run(operator, catalog)
        queues.drain()
        done = operator.get(f"{catalog.base}/billing-runs/{run['id']}").json
        assert (done["issued"], done["skipped"], done["failed"], done["status"]) == (3, 1, 0, "COMPLETED")
        numbers = sorted(i["invoice_number"] for i in invoices_of(operator, catalog))
        assert numbers == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]
        assert counter(catalog.account_id) == 3

    def test_a_worker_dying_after_numbering_is_finished_by_the_redelivery(self, operator, catalog, queues, monkeypatch):
        customers = add_customers(operator, catalog, 2)
        run = _run_without_workers(operator, catalog, queues)
        requests = _requests(catalog, customers, run["id"])

        def crash(*args, **kwargs):
            raise SystemExit("the Lambda runtime went away")

        monkeypatch.setattr(issuing, "_store_artifacts", crash)
        with pytest.raises(SystemExit):
            issue_invoices(requests)
        assert counter(catalog.account_id) == 2  # numbers allocated, nothing stored yet
        assert invoices_of(operator, catalog) == []  # a NUMBERED invoice is not yet an issued one
        monkeypatch.undo()
        issuing._runs.clear()
        issuing._counters.clear()
        assert issue_invoices(requests) == []
        invoices = invoices_of(operator, catalog)
        assert sorted(i["invoice_number"] for i in invoices) == ["INV-2026-000001", "INV-2026-000002"]
        assert counter(catalog.account_id) == 2
        done = operator.get(f"{catalog.base}/billing-runs/{run['id']}").json
        assert done["issued"] == 2

    def test_the_same_message_twice_counts_and_issues_once(self, operator, catalog, queues):
        customers = add_customers(operator, catalog, 1)
        run = _run_without_workers(operator, catalog, queues)
        requests = _requests(catalog, customers, run["id"])
        assert issue_invoices(requests) == []
        assert issue_invoices(requests) == []
        assert len(invoices_of(operator, catalog)) == 1
        done = operator.get(f"{catalog.base}/billing-runs/{run['id']}").json
        assert done["issued"] == 1
        assert counter(catalog.account_id) == 1

    def test_the_same_customer_twice_in_one_batch_is_issued_once(self, operator, catalog, queues):
        customers = add_customers(operator, catalog, 2)
        run = _run_without_workers(operator, catalog, queues)
        once = _requests(catalog, customers, run["id"])
        twice = [*once, InvoiceRequest("again", once[0].account_id, once[0].run_id, once[0].customer, 1)]
        assert issue_invoices(twice) == []
        assert sorted(i["invoice_number"] for i in invoices_of(operator, catalog)) == [
            "INV-2026-000001",
            "INV-2026-000002",
        ]
        assert operator.get(f"{catalog.base}/billing-runs/{run['id']}").json["issued"] == 2

    def test_two_workers_on_the_same_customer_issue_one_invoice(self, operator, catalog, queues):
        customers = add_customers(operator, catalog, 1)
        run = _run_without_workers(operator, catalog, queues)
        barrier = threading.Barrier(4)
        results: list[list[str]] = []

        def worker() -> None:
            requests = _requests(catalog, customers, run["id"])
            barrier.wait()
            results.append(issue_invoices(requests))

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(invoices_of(operator, catalog)) == 1
        assert counter(catalog.account_id) == 1
        assert operator.get(f"{catalog.base}/billing-runs/{run['id']}").json["issued"] == 1

    def test_concurrent_workers_number_without_gaps_or_reuse(self, operator, catalog, queues):
        customers = add_customers(operator, catalog, 8, sims_each=1)
        run = _run_without_workers(operator, catalog, queues)
        batches = [customers[i::4] for i in range(4)]
        barrier = threading.Barrier(4)

        def worker(batch: list[dict[str, Any]]) -> None:
            requests = _requests(catalog, batch, run["id"])
            barrier.wait()
            assert issue_invoices(requests) == []

        threads = [threading.Thread(target=worker, args=(b,)) for b in batches]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        numbers = sorted(i["invoice_number"] for i in invoices_of(operator, catalog))
        assert numbers == [f"INV-2026-{n:06d}" for n in range(1, 9)]
        assert counter(catalog.account_id) == 8

    def test_the_last_failing_delivery_counts_as_failed(self, operator, catalog, queues, monkeypatch):
        customers = add_customers(operator, catalog, 1)
        run = _run_without_workers(operator, catalog, queues)

        def broken(*args, **kwargs):
            raise ValueError("renderer bug")

        monkeypatch.setattr(issuing, "render_artifacts", broken)
        requests = _requests(catalog, customers, run["id"], receive_count=get_settings().invoice_max_receive_count)
        assert issue_invoices(requests) == [requests[0].message_id]
        done = operator.get(f"{catalog.base}/billing-runs/{run['id']}").json
        assert done["failed"] == 1
        monkeypatch.undo()
        # Redriven from the DLQ after the fix: the FAILED outcome turns into ISSUED.
        assert issue_invoices(requests) == []
        done = operator.get(f"{catalog.base}/billing-runs/{run['id']}").json
        assert (done["failed"], done["issued"]) == (0, 1)

    def test_events_are_published_once_issued_and_retried_when_eventbridge_fails(
        self, operator, catalog, queues, aws, monkeypatch
    ):
        events = boto3.client("events")
        sqs = boto3.client("sqs")
        capture = sqs.create_queue(QueueName="captured-events")["QueueUrl"]
        capture_arn = sqs.get_queue_attributes(QueueUrl=capture, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        bus = get_settings().event_bus_name
        events.put_rule(
            Name="all-invoices", EventBusName=bus, EventPattern=json.dumps({"detail-type": ["InvoiceIssued"]})
        )
        events.put_targets(Rule="all-invoices", EventBusName=bus, Targets=[{"Id": "q", "Arn": capture_arn}])

        customers = add_customers(operator, catalog, 2)
        run = _run_without_workers(operator, catalog, queues)
        requests = _requests(catalog, customers, run["id"])
        real_publish = event_bus.publish
        monkeypatch.setattr(event_bus, "publish", lambda *a, **k: (_ for _ in ()).throw(ConnectionError("down")))
        assert sorted(issue_invoices(requests)) == sorted(r.message_id for r in requests)
        assert len(invoices_of(operator, catalog)) == 2  # issued; only the events are due
        monkeypatch.setattr(event_bus, "publish", real_publish)
        assert issue_invoices(requests) == []
        assert issue_invoices(requests) == []  # nothing more to publish

        received = sqs.receive_message(QueueUrl=capture, MaxNumberOfMessages=10).get("Messages", [])
        details = [json.loads(m["Body"])["detail"] for m in received]
        assert sorted(d["invoice_number"] for d in details) == ["INV-2026-000001", "INV-2026-000002"]
        assert all(d["account_id"] == catalog.account_id for d in details)
        assert operator.get(f"{catalog.base}/billing-runs/{run['id']}").json["issued"] == 2
