"""A billing run under random faults: S3, DynamoDB and EventBridge calls that fail (a fixed, seeded fraction,
before or after AWS applied them) and invoice workers and fan-outs that die mid-batch, redelivered as SQS
and Lambda would until the queues are empty (tests/support/faults.py).

Then, with fault-free eyes: every customer has exactly one ISSUED invoice, or is counted FAILED in the run
with its message in the dead-letter queue (and no issued invoice); the run's counts add up; the reseller's
invoice numbers are unique and gapless; every artefact matches its recorded SHA-256 and size; every issued
invoice's InvoiceIssued event went out. Finally the DLQ is redriven without faults, and the run completes
with every customer invoiced, still without a gap."""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from infra.local.aws import LocalResources
from infra.local.lambda_runtime import LocalFunction
from infra.local.schedule import scheduled_event
from reseller_billing.dal import billing_runs as billing_runs_table
from reseller_billing.dal.items import BillingRunOutcome, CustomerItem, InvoiceCounter, InvoiceItem, account_pk
from reseller_billing.dal.writes import Transaction, condition_failed, response_code
from reseller_billing.logic import invoice_issuing as issuing
from reseller_billing.models.invoices import InvoiceState
from reseller_billing.settings import get_settings
from tests.bench.seed import seed_reseller
from tests.support import factories
from tests.support.catalog import created
from tests.support.faults import ChaosQueues, FaultInjector, quick_sqs_retention_check, read_all, redrive

RUN_DATE = "2026-11-05"  # bills 2026-10-05 .. 2026-11-04 for billing-cycle day 5 (tests/bench/seed.py)
CYCLE_START = date(2026, 10, 5)
CUSTOMERS = 200
SEED = int(os.environ.get("BILLING_FAULTS_SEED", "20261105"))  # another seed: other faults in other places
# Transient faults: the fraction of the fan-out's and the worker's calls to each service that fail (S3
# PutObject, DynamoDB reads and writes, EventBridge PutEvents; EventBridge gets few calls, one per 10 events).
FAULT_RATES = {"s3": 0.05, "dynamodb": 0.05, "events": 0.10}
KILL_RATE = 0.2  # the fraction of invocations that die at a random call
POISONED = 2  # customers whose artefacts can never be written (a persistent fault): they must fail visibly
FANOUT_PAGE_SIZE = 40  # several fan-out pages, so that a page is redelivered after enqueueing the next
INVOICE_TYPE = "RAW"  # json + csv: the PDF's rendering would double the run time and adds no failure path


@pytest.fixture(autouse=True)
def cold_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh worker process, with one I/O thread: AWS calls then come in an order fixed by the data, so the
    seed injects the same faults in the same places on every run."""
    issuing._runs.clear()
    issuing._counters.clear()
    monkeypatch.setattr(issuing, "IO_THREADS", 1)
    monkeypatch.setenv("FANOUT_PAGE_SIZE", str(FANOUT_PAGE_SIZE))
    get_settings.cache_clear()


def cold_start(function_name: str) -> None:
    """After a crash Lambda starts a fresh execution environment: the worker's caches are gone."""
    issuing._runs.clear()
    issuing._counters.clear()


def artefacts_of(customer_id: str) -> str:
    """What the S3 keys of a customer's invoice artefacts contain."""
    return f"/invoices/inv_{customer_id.removeprefix('cus_')}_"


@dataclass
class Customer:
    """One customer as the table shows it after the run."""

    invoice: InvoiceItem | None
    outcome: str | None  # ISSUED / SKIPPED / FAILED in the run's outcome items, None if never counted

    @property
    def issued(self) -> bool:
        return self.invoice is not None and self.invoice.status == InvoiceState.ISSUED


def seed_billing(operator) -> tuple[str, list[str], str]:
    """A reseller with CUSTOMERS customers of one SIM with DATA and SMS overage each, batch-written as the
    service stores them (tests/bench/seed.py), and one customer without SIMs made through the API (no
    charges: skipped). Returns the account id, the billable customers' ids and the idle one's."""
    account_id = seed_reseller(CUSTOMERS, 1, invoice_type=INVOICE_TYPE)
    idle = created(operator.post(f"/accounts/{account_id}/customers", factories.customer(number="IDLE-1")))["id"]
    customers = CustomerItem.query(account_pk(account_id), CustomerItem.sk.startswith("CUSTOMER#"))
    billable = sorted(item.id for item in customers if item.id != idle)
    assert len(billable) == CUSTOMERS
    return account_id, billable, idle


def look(account_id: str, run_id: str, customer_ids: list[str]) -> dict[str, Customer]:
    """Each customer's invoice for the cycle and its outcome in the run, read consistently."""
    keys = [InvoiceItem.key(account_id, c, CYCLE_START) for c in customer_ids]
    invoices = {i.customer_id: i for i in InvoiceItem.batch_get(keys, consistent_read=True)}
    partition = BillingRunOutcome.key(account_id, run_id, "")[0]
    query = BillingRunOutcome.query(partition, BillingRunOutcome.sk.startswith("CUSTOMER#"), consistent_read=True)
    recorded = {o.sk.removeprefix("CUSTOMER#"): o.outcome for o in query}
    return {c: Customer(invoices.get(c), recorded.get(c)) for c in customer_ids}


def check_numbers(account_id: str, invoices: list[InvoiceItem]) -> None:
    """Every number handed out belongs to exactly one invoice, and they run 1..counter without a gap."""
    counter = InvoiceCounter.get(*InvoiceCounter.key(account_id, 2026), consistent_read=True).last_number
    numbers = sorted(i.invoice_number for i in invoices)
    reused = [n for n, times in Counter(numbers).items() if times > 1]
    assert not reused, f"invoice numbers given twice: {reused}"
    expected = [f"INV-2026-{n:06d}" for n in range(1, counter + 1)]
    missing, beyond = sorted(set(expected) - set(numbers)), sorted(set(numbers) - set(expected))
    assert numbers == expected, f"counter at {counter}: numbers missing {missing[:10]}, beyond it {beyond[:10]}"


def check_artefacts(account_id: str, invoices: list[InvoiceItem]) -> None:
    """Each artefact as stored is what the invoice says (SHA-256, size); every version ever put under its key
    (a retry puts it again) holds the same bytes; the JSON artefact is this invoice."""
    s3 = boto3.client("s3")
    bucket = get_settings().artifacts_bucket
    etags: dict[str, set[str]] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=f"resellers/{account_id}/"):
        for version in page.get("Versions", []):
            etags.setdefault(version["Key"], set()).add(version["ETag"])
    for invoice in invoices:
        artifacts = invoice.artifacts or {}
        assert set(artifacts) == {"json", "csv"}, (invoice.id, artifacts)
        for name, meta in artifacts.items():
            body = s3.get_object(Bucket=bucket, Key=meta["key"])["Body"].read()
            assert hashlib.sha256(body).hexdigest() == meta["sha256"], f"{invoice.id} {name}: SHA-256 differs"
            assert len(body) == int(meta["size"]), f"{invoice.id} {name}: size differs"
            assert len(etags[meta["key"]]) == 1, f"{meta['key']}: versions with different bytes"
            if name == "json":
                document = json.loads(body)
                assert (document["id"], document["invoice_number"]) == (invoice.id, invoice.invoice_number)


def run_record(operator, account_id: str, run_id: str) -> dict[str, Any]:
    answer = operator.get(f"/accounts/{account_id}/billing-runs/{run_id}")
    assert answer.status == 200, answer.json
    body: dict[str, Any] = answer.json
    return body


def test_a_run_under_random_faults_and_killed_workers_issues_each_invoice_once_or_fails_visibly(
    operator, functions: dict[str, LocalFunction], aws: LocalResources
) -> None:
    account_id, billable, idle = seed_billing(operator)
    everyone = [idle, *billable]
    answer = operator.post(f"/accounts/{account_id}/billing-runs", {"run_date": RUN_DATE})
    assert answer.status == 202, answer.json
    run_id = answer.json["id"]

    poisoned = random.Random(SEED).sample(billable, POISONED)
    fragments = [artefacts_of(c) for c in poisoned]
    injector = FaultInjector(SEED, FAULT_RATES, KILL_RATE, poisoned=fragments)
    chaos = ChaosQueues(functions, aws, injector, on_crash=cold_start)
    started = time.perf_counter()
    with injector.installed(), quick_sqs_retention_check():
        chaos.drain()
    elapsed = time.perf_counter() - started

    # --- what the run left, read without faults ----------------------------------------------------------
    faults, delivery = injector.stats, chaos.stats
    invoice_dlq = read_all(aws.refs["InvoiceDeadLetterQueue"])
    fanout_dlq = read_all(aws.refs["BillingFanoutDeadLetterQueue"])
    parked = Counter(json.loads(m["Body"])["customer"]["id"] for m in invoice_dlq)
    seen = look(account_id, run_id, everyone)
    issued = [c for c in billable if seen[c].issued]
    failed = [c for c in billable if seen[c].outcome == "FAILED"]
    unpublished = [c for c in issued if not (i := seen[c].invoice) or not i.event_published]
    dlq = {
        "of failed customers": sum(parked[c] for c in failed),
        "of issued ones, event not out": sum(parked[c] for c in unpublished),
    }
    dlq["of issued ones, duplicates"] = len(invoice_dlq) - sum(dlq.values())
    report = (
        f"seed {SEED}: {len(everyone)} customers, {len(issued)} issued, {len(failed)} failed; transient faults "
        f"{dict(faults.by_service)}, persistent {faults.persistent}; invocations {dict(delivery.invocations)}, "
        f"died {dict(delivery.crashed)} (with {dict(delivery.last_deliveries_crashed)} messages on their last "
        f"delivery); messages delivered {dict(delivery.delivered)}, redelivered {dict(delivery.redelivered)}; "
        f"DLQ: {len(invoice_dlq)} invoice requests {dlq}, {len(fanout_dlq)} fan-out pages; {elapsed:.1f} s under faults"
    )
    print(f"{report}\n{faults.summary()}\n" + "\n".join(delivery.log))

    # Not vacuous: every kind of fault happened, workers died, and customers both succeeded and failed.
    assert all(faults.by_service[s] > 0 for s in ("s3", "dynamodb", "events")), report
    assert faults.kills["InvoiceWorkerFunction"] > 0, report
    assert delivery.last_deliveries_crashed["InvoiceWorkerFunction"] > 0, f"no worker died on a last delivery\n{report}"
    assert delivery.redelivered["InvoiceWorkerFunction"] > 0, report
    assert faults.persistent > 0, report
    assert set(poisoned) <= set(failed), f"poisoned customers {poisoned} did not all fail\n{report}"
    assert len(issued) > 0.9 * len(billable), f"too few issued: lower FAULT_RATES\n{report}"

    assert fanout_dlq == [], f"a fan-out page was parked: its customers were never asked for\n{report}"

    # Every customer: one issued invoice, or counted FAILED with its request in the DLQ and nothing issued.
    for customer_id in billable:
        customer = seen[customer_id]
        if customer.issued:
            assert customer.invoice is not None
            assert customer.outcome == "ISSUED", f"{customer_id}: issued, counted {customer.outcome}\n{report}"
            assert customer.invoice.run_id == run_id
            if not customer.invoice.event_published:  # its request kept failing to publish: the DLQ has it
                assert parked[customer_id], f"{customer_id}: InvoiceIssued never sent, nothing left to\n{report}"
        else:
            state = customer.invoice.status if customer.invoice else "no invoice"
            assert customer.outcome == "FAILED", f"{customer_id}: {state}, counted {customer.outcome}\n{report}"
            assert parked[customer_id], f"{customer_id}: counted FAILED, not in the DLQ\n{report}"
            assert customer.invoice is None or customer.invoice.status == InvoiceState.NUMBERED
    assert (seen[idle].invoice, seen[idle].outcome) == (None, "SKIPPED")
    assert set(parked) <= set(billable), f"DLQ messages for customers that needed none: {set(parked) - set(billable)}"

    record = run_record(operator, account_id, run_id)
    counts = (record["customers"], record["issued"], record["skipped"], record["failed"])
    assert counts == (len(everyone), len(issued), 1, len(failed)), f"run record {record}\n{report}"
    assert record["status"] == "COMPLETED_WITH_FAILURES", record

    # Numbers handed out (to issued invoices, and to numbered ones not issued yet) are 1..N, each once.
    check_numbers(account_id, [c.invoice for c in seen.values() if c.invoice is not None])
    issued_invoices = [i for c in issued if (i := seen[c].invoice) is not None]
    check_artefacts(account_id, issued_invoices)

    # InvoiceIssued: at least once for every invoice marked published, and never for one not issued.
    unsent = [i.id for i in issued_invoices if i.event_published and faults.published[i.id] == 0]
    assert not unsent, f"marked published, never sent: {unsent}"
    premature = set(faults.published) - {i.id for i in issued_invoices}
    assert not premature, f"InvoiceIssued for invoices not issued: {premature}"

    # --- the DLQ redriven once the faults are gone: the run completes, still gapless ---------------------
    assert redrive(aws.refs["InvoiceDeadLetterQueue"], aws.refs["InvoiceQueue"]) == len(invoice_dlq)
    calm = FaultInjector(SEED, rates={})  # injects nothing (the poison is gone too); still sees events go out
    with calm.installed(), quick_sqs_retention_check():
        ChaosQueues(functions, aws, calm).drain()

    record = run_record(operator, account_id, run_id)
    counts = (record["status"], record["issued"], record["skipped"], record["failed"])
    assert counts == ("COMPLETED", len(billable), 1, 0), record
    seen = look(account_id, run_id, billable)
    invoices = [i for c in billable if (i := seen[c].invoice) is not None]
    assert [(i.status, i.event_published) for i in invoices] == [(InvoiceState.ISSUED, True)] * len(billable)
    published = faults.published + calm.stats.published
    assert all(published[i.id] > 0 for i in invoices)
    check_numbers(account_id, invoices)
    assert {i.invoice_number for i in invoices} == {f"INV-2026-{n:06d}" for n in range(1, len(billable) + 1)}
    check_artefacts(account_id, [i for i in invoices if i.customer_id not in set(issued)])  # the others: above


def test_a_worker_dying_on_the_last_delivery_leaves_the_customer_counted_as_failed(
    operator, functions: dict[str, LocalFunction], aws: LocalResources
) -> None:
    """A request fails four times, and its last delivery before the DLQ dies half-way (numbered, storing
    its artefacts): the run still counts it FAILED and completes, instead of waiting for ever."""
    account_id = seed_reseller(3, 1, invoice_type=INVOICE_TYPE)
    customers = sorted(
        c.id for c in CustomerItem.query(account_pk(account_id), CustomerItem.sk.startswith("CUSTOMER#"))
    )
    doomed = customers[0]
    answer = operator.post(f"/accounts/{account_id}/billing-runs", {"run_date": RUN_DATE})
    run_id = answer.json["id"]
    injector = FaultInjector(SEED, rates={}, poisoned=[artefacts_of(doomed)], kill_last_deliveries_at="PutObject")
    chaos = ChaosQueues(functions, aws, injector, on_crash=cold_start)
    with injector.installed(), quick_sqs_retention_check():
        chaos.drain()

    assert chaos.stats.last_deliveries_crashed["InvoiceWorkerFunction"] == 1, chaos.stats.log
    (parked,) = read_all(aws.refs["InvoiceDeadLetterQueue"])
    assert json.loads(parked["Body"])["customer"]["id"] == doomed
    seen = look(account_id, run_id, customers)
    numbered = seen[doomed].invoice
    assert (seen[doomed].outcome, numbered and numbered.status) == ("FAILED", InvoiceState.NUMBERED)
    record = run_record(operator, account_id, run_id)
    counts = (record["status"], record["customers"], record["issued"], record["failed"])
    assert counts == ("COMPLETED_WITH_FAILURES", 3, 2, 1), record

    redrive(aws.refs["InvoiceDeadLetterQueue"], aws.refs["InvoiceQueue"])
    calm = FaultInjector(SEED, rates={})
    with calm.installed(), quick_sqs_retention_check():
        ChaosQueues(functions, aws, calm).drain()
    record = run_record(operator, account_id, run_id)
    assert (record["status"], record["issued"], record["failed"]) == ("COMPLETED", 3, 0), record
    seen = look(account_id, run_id, customers)
    invoices = [i for c in customers if (i := seen[c].invoice) is not None]
    assert [i.status for i in invoices] == [InvoiceState.ISSUED] * 3
    check_numbers(account_id, invoices)
    check_artefacts(account_id, invoices)


# --- runs that stopped: the reconciler ------------------------------------------------------------------

RECONCILER = "BillingReconcilerFunction"


class Timeline:
    """A run's status and counts after each step, printed with the test's output."""

    def __init__(self, operator, account_id: str, run_id: str):
        self.operator, self.account_id, self.run_id = operator, account_id, run_id
        self.steps: list[tuple[str, dict[str, Any]]] = []

    def note(self, step: str) -> str:
        record = run_record(self.operator, self.account_id, self.run_id)
        self.steps.append((step, record))
        return str(record["status"])

    @property
    def statuses(self) -> list[str]:
        return [record["status"] for _, record in self.steps]

    def __str__(self) -> str:
        return "\n".join(
            f"  {step:<64} {r['status']:<24} customers {r['customers']}, issued {r['issued']}, "
            f"skipped {r['skipped']}, failed {r['failed']}"
            for step, r in self.steps
        )


def reconcile(functions: dict[str, LocalFunction], hours_later: float) -> dict[str, Any]:
    """A pass of the reconciler as its schedule fires it, `hours_later` than now: every run then looks
    quiet for that long."""
    answer: dict[str, Any] = functions[RECONCILER].invoke(
        scheduled_event(datetime.now(UTC) + timedelta(hours=hours_later))
    )
    return answer


def reconciled_reason(run: dict[str, Any], settled_by: dict[str, Any]) -> str:
    """The reason a pass (its answer) gives the customers it counted FAILED in `run` (its record)."""
    started = datetime.fromisoformat(run["created_at"].replace("Z", "+00:00"))
    minutes = int((datetime.fromisoformat(settled_by["as_of"]) - started).total_seconds() // 60)
    return f"reconciled: no outcome {minutes} minutes after the run started"


def still_listed_as_unfinished(account_id: str, run_id: str) -> bool:
    return (account_id, run_id) in set(billing_runs_table.unfinished_runs())


def outcome_reasons(account_id: str, run_id: str) -> dict[str, str | None]:
    partition = BillingRunOutcome.key(account_id, run_id, "")[0]
    query = BillingRunOutcome.query(partition, BillingRunOutcome.sk.startswith("CUSTOMER#"), consistent_read=True)
    return {o.sk.removeprefix("CUSTOMER#"): o.reason for o in query}


def test_a_run_whose_worker_died_before_its_first_write_on_a_last_delivery_is_settled_then_completed(
    operator, functions: dict[str, LocalFunction], aws: LocalResources
) -> None:
    """One customer's request fails four times (its artefacts cannot be written), and its fifth and last
    delivery dies at its first write (counting it FAILED) before DynamoDB has it: no outcome, the message in
    the DLQ, the run RUNNING for ever, but for the reconciler."""
    account_id = seed_reseller(3, 1, invoice_type=INVOICE_TYPE)
    customers = sorted(
        c.id for c in CustomerItem.query(account_pk(account_id), CustomerItem.sk.startswith("CUSTOMER#"))
    )
    doomed = customers[0]
    run_id = operator.post(f"/accounts/{account_id}/billing-runs", {"run_date": RUN_DATE}).json["id"]
    injector = FaultInjector(
        SEED,
        rates={},
        poisoned=[artefacts_of(doomed)],
        kill_last_deliveries_at="TransactWriteItems",
        kill_reaches_aws=False,
    )
    timeline = Timeline(operator, account_id, run_id)

    with injector.installed(), quick_sqs_retention_check():
        ChaosQueues(functions, aws, injector, on_crash=cold_start).drain()
    timeline.note("queues drained: the last delivery died before its first write")
    assert [json.loads(m["Body"])["customer"]["id"] for m in read_all(aws.refs["InvoiceDeadLetterQueue"])] == [doomed]
    assert doomed not in outcome_reasons(account_id, run_id)

    assert reconcile(functions, 1)["runs_requeued"] == 0  # quiet for an hour only: left alone
    first = reconcile(functions, 2)
    assert (first["runs_requeued"], first["customers_requeued"], first["runs_settled"]) == (1, 1, 0), first
    timeline.note("reconciler, 2 h later: the customer's request enqueued again")
    with injector.installed(), quick_sqs_retention_check():
        ChaosQueues(functions, aws, injector, on_crash=cold_start).drain()
    timeline.note("queues drained: the same fault, the same death")

    second = reconcile(functions, 4)
    assert (second["runs_settled"], second["customers_failed"]) == (1, 1), second
    timeline.note("reconciler, 4 h later: settled, the customer counted FAILED")
    assert outcome_reasons(account_id, run_id)[doomed] == reconciled_reason(timeline.steps[-1][1], second)

    assert redrive(aws.refs["InvoiceDeadLetterQueue"], aws.refs["InvoiceQueue"]) == 2
    calm = FaultInjector(SEED, rates={})
    with calm.installed(), quick_sqs_retention_check():
        ChaosQueues(functions, aws, calm).drain()
    timeline.note("DLQ redriven (2 requests) once the fault is gone")
    assert still_listed_as_unfinished(account_id, run_id)
    reconcile(functions, 6)
    timeline.note("reconciler, 6 h later: the final run leaves the list")
    print(f"\nrun {run_id}:\n{timeline}")

    assert timeline.statuses == ["RUNNING", "RUNNING", "RUNNING", "COMPLETED_WITH_FAILURES", "COMPLETED", "COMPLETED"]
    settled, completed = timeline.steps[3][1], timeline.steps[4][1]
    assert (settled["customers"], settled["issued"], settled["failed"]) == (3, 2, 1)
    assert (completed["customers"], completed["issued"], completed["failed"]) == (3, 3, 0)
    assert not still_listed_as_unfinished(account_id, run_id)
    seen = look(account_id, run_id, customers)
    invoices = [i for c in customers if (i := seen[c].invoice) is not None]
    assert [i.status for i in invoices] == [InvoiceState.ISSUED] * 3
    check_numbers(account_id, invoices)
    check_artefacts(account_id, invoices)


def test_a_run_with_a_fanout_page_parked_in_the_dlq_is_settled_then_completed(
    operator, functions: dict[str, LocalFunction], aws: LocalResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of 2: page 1 can never send its invoice requests, after it has enqueued page 2 (the next page
    goes first). Page 2 is recorded as the last, but page 1 never is: the run must not look COMPLETED, and
    without the reconciler it would stay RUNNING for ever."""
    monkeypatch.setenv("FANOUT_PAGE_SIZE", "2")
    get_settings.cache_clear()
    account_id = seed_reseller(5, 1, invoice_type=INVOICE_TYPE)
    customers = sorted(
        c.id for c in CustomerItem.query(account_pk(account_id), CustomerItem.sk.startswith("CUSTOMER#"))
    )
    page_one = customers[2:4]

    def sends_page_one(function: str, operation: str, params: dict[str, Any]) -> bool:
        if (function, operation) != ("BillingFanoutFunction", "SendMessageBatch"):
            return False
        return any(c in entry["MessageBody"] for entry in params["Entries"] for c in page_one)

    run_id = operator.post(f"/accounts/{account_id}/billing-runs", {"run_date": RUN_DATE}).json["id"]
    injector = FaultInjector(SEED, rates={}, refused=sends_page_one)
    timeline = Timeline(operator, account_id, run_id)

    with injector.installed(), quick_sqs_retention_check():
        ChaosQueues(functions, aws, injector).drain()
    timeline.note("queues drained: page 1 of 3 parked in the fan-out DLQ")
    assert [json.loads(m["Body"])["page"] for m in read_all(aws.refs["BillingFanoutDeadLetterQueue"])] == [1]
    assert [c for c, s in look(account_id, run_id, customers).items() if not s.issued] == page_one

    first = reconcile(functions, 2)
    assert (first["runs_requeued"], first["pages_requeued"], first["customers_requeued"]) == (1, 1, 0), first
    timeline.note("reconciler, 2 h later: page 1 enqueued again")
    with injector.installed(), quick_sqs_retention_check():
        ChaosQueues(functions, aws, injector).drain()
    timeline.note("queues drained: page 1 parked again")

    second = reconcile(functions, 4)
    assert (second["runs_settled"], second["pages_recorded"], second["customers_failed"]) == (1, 1, 2), second
    timeline.note("reconciler, 4 h later: page 1 recorded, its customers FAILED")
    reasons = outcome_reasons(account_id, run_id)
    assert {reasons[c] for c in page_one} == {reconciled_reason(timeline.steps[-1][1], second)}

    assert redrive(aws.refs["BillingFanoutDeadLetterQueue"], aws.refs["BillingFanoutQueue"]) == 2
    calm = FaultInjector(SEED, rates={})
    with calm.installed(), quick_sqs_retention_check():
        ChaosQueues(functions, aws, calm).drain()
    timeline.note("fan-out DLQ redriven (2 pages) once the fault is gone")
    print(f"\nrun {run_id}:\n{timeline}")

    assert timeline.statuses == ["RUNNING", "RUNNING", "RUNNING", "COMPLETED_WITH_FAILURES", "COMPLETED"]
    settled, completed = timeline.steps[3][1], timeline.steps[4][1]
    assert (settled["customers"], settled["issued"], settled["failed"]) == (5, 3, 2)
    assert (completed["customers"], completed["issued"], completed["failed"]) == (5, 5, 0)
    seen = look(account_id, run_id, customers)
    invoices = [i for c in customers if (i := seen[c].invoice) is not None]
    assert [i.status for i in invoices] == [InvoiceState.ISSUED] * 5
    check_numbers(account_id, invoices)


def test_a_write_whose_answer_was_lost_surfaces_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's read timeouts and closed connections carry `response = None`, on which PynamoDB's
    `cause_response_code` raises AttributeError: the service reads the code itself."""
    lost = ReadTimeoutError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com/")
    assert response_code(TransactWriteError("Failed to write transaction items", lost)) is None
    closed = ConnectionClosedError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com/")
    assert not condition_failed(PutError("Failed to put item", closed))

    def times_out(self: TransactWrite) -> None:
        raise TransactWriteError("Failed to write transaction items", lost)

    monkeypatch.setattr(TransactWrite, "_commit", times_out)
    with pytest.raises(TransactWriteError) as raised:
        Transaction().commit()
    assert raised.value.cause is lost
