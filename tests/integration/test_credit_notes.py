"""Credit notes through the API on moto: full and per-line credits, the invoice's status and credited total,
422s that change nothing, Idempotency-Key replays, gapless numbers under concurrent credit notes, and faults
(S3 down after numbering, a crash before issuing, retries) that never lose a number nor credit twice."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from infra.local.schedule import scheduled_event
from reseller_billing.billing.model import Service
from reseller_billing.dal import usage as usage_table
from reseller_billing.dal.items import REOPENING_CLOSED, CreditNoteCounter, CreditNoteItem, CycleReopening
from reseller_billing.dal.usage import UsageWrite
from reseller_billing.errors import ServiceError
from reseller_billing.logic import credit_notes
from reseller_billing.models.common import utcnow
from reseller_billing.models.credit_notes import CreditedLineRequest, CreditNoteCreate
from reseller_billing.settings import get_settings
from tests.integration.test_invoicing import add_customers, invoices_of, s3_object, start_run
from tests.integration.test_legal_invoices import legal_catalog
from tests.support import factories
from tests.support.catalog import build_catalog
from tests.support.iccids import iccid
from tests.support.table import stored_items

RUN_DATE = "2026-11-05"


def credit_counter(account_id: str, year: int = 2026) -> int:
    return CreditNoteCounter.get(*CreditNoteCounter.key(account_id, year)).last_number


def stored_notes(account_id: str) -> list[CreditNoteItem]:
    return [item for item in CreditNoteItem.scan() if item.account_id == account_id]


@pytest.fixture
def issued(operator, queues, clock) -> tuple[Any, dict[str, Any]]:
    """A reseller with one invoice issued on RUN_DATE (MRC 16.76, ACTIVATION 10.00, OVERAGE_DATA 5.13)."""
    clock.set(RUN_DATE)
    catalog = build_catalog(operator)
    add_customers(operator, catalog, 1)
    start_run(operator, catalog)
    queues.drain()
    (invoice,) = invoices_of(operator, catalog)
    return catalog, invoice


def post_credit(operator, catalog, invoice, body: dict[str, Any], **kw: Any):
    return operator.post(f"{catalog.base}/invoices/{invoice['id']}/credit-notes", body, **kw)


def get_invoice(operator, catalog, invoice) -> dict[str, Any]:
    body: dict[str, Any] = operator.get(f"{catalog.base}/invoices/{invoice['id']}").json
    return body


class TestCrediting:
    def test_a_full_credit_note_equals_the_invoice_and_reopens_its_cycle(self, operator, issued):
        catalog, invoice = issued
        assert (invoice["status"], invoice["credited_total"]) == ("ISSUED", "0.00")

        answer = post_credit(operator, catalog, invoice, {"reason": "Wrong VAT rate"})

        assert answer.status == 201, answer.json
        note = answer.json
        assert note["credit_note_number"] == "CN-2026-000001"
        assert (note["invoice_id"], note["invoice_number"]) == (invoice["id"], invoice["invoice_number"])
        assert [(x["line"], x["kind"], x["amount"]) for x in note["lines"]] == [
            (n, line["kind"], line["amount"]) for n, line in enumerate(invoice["lines"])
        ]
        totals = ("net_total", "vat_amount", "gross_total")
        assert [note[t] for t in totals] == [invoice[t] for t in totals]
        assert set(note["artifacts"]) == {"json", "csv", "pdf"}
        after = get_invoice(operator, catalog, invoice)
        assert (after["status"], after["credited_total"]) == ("CREDITED", invoice["gross_total"])
        reopening = CycleReopening.get(
            *CycleReopening.key(catalog.account_id, invoice["customer_id"], date(2026, 10, 5))
        )
        assert (reopening.state, reopening.invoice_id) == ("OPEN", invoice["id"])
        assert operator.get(f"{catalog.base}/credit-notes/{note['id']}").json == note
        listed = operator.get(f"{catalog.base}/credit-notes?invoice_id={invoice['id']}").json["items"]
        assert [n["id"] for n in listed] == [note["id"]]
        by_customer = operator.get(f"{catalog.base}/credit-notes?customer_id={invoice['customer_id']}").json
        assert [n["id"] for n in by_customer["items"]] == [note["id"]]
        link = operator.get(f"{catalog.base}/credit-notes/{note['id']}/artifacts/pdf")
        assert link.status == 200
        assert "credit-note.pdf" in link.json["url"]
        assert operator.get(f"{catalog.base}/credit-notes/{note['id']}/artifacts/xml").status == 404
        # nothing is left to credit
        again = post_credit(operator, catalog, invoice, {"reason": "twice"})
        assert (again.status, again.error_code) == (422, "credit_exceeds_invoice")

    def test_per_line_credits_add_up_and_never_exceed_a_line(self, operator, issued):
        catalog, invoice = issued
        first = post_credit(
            operator, catalog, invoice, {"reason": "Goodwill", "lines": [{"line": 1, "amount": "4.00"}]}
        )
        assert first.status == 201, first.json
        # 4.00 x 23 % = 0.92
        assert (first.json["net_total"], first.json["vat_amount"], first.json["gross_total"]) == (
            "4.00",
            "0.92",
            "4.92",
        )
        partly = get_invoice(operator, catalog, invoice)
        assert (partly["status"], partly["credited_total"]) == ("PARTIALLY_CREDITED", "4.92")
        before = stored_items()

        too_much = post_credit(operator, catalog, invoice, {"reason": "x", "lines": [{"line": 1, "amount": "6.01"}]})

        assert (too_much.status, too_much.error_code) == (422, "credit_exceeds_invoice")
        assert [d["field"] for d in too_much.json["error"]["details"]] == ["lines.0.amount"]
        assert stored_items() == before
        rest = post_credit(operator, catalog, invoice, {"reason": "The rest"})
        assert rest.json["credit_note_number"] == "CN-2026-000002"
        assert [(x["line"], x["amount"]) for x in rest.json["lines"]] == [(0, "16.76"), (1, "6.00"), (2, "5.13")]
        done = get_invoice(operator, catalog, invoice)
        assert (done["status"], done["credited_total"]) == ("CREDITED", invoice["gross_total"])
        assert Decimal(first.json["gross_total"]) + Decimal(rest.json["gross_total"]) == Decimal(invoice["gross_total"])

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "reason"),
            ({"reason": ""}, "reason"),
            ({"reason": "x" * 501}, "reason"),
            ({"reason": "x", "lines": []}, "lines"),
            ({"reason": "x", "lines": [{"line": 3, "amount": "1.00"}]}, "lines.0.line"),
            ({"reason": "x", "lines": [{"line": "0", "amount": "1.00"}]}, "lines.0.line"),
            ({"reason": "x", "lines": [{"line": 0, "amount": 1}]}, "lines.0.amount"),
            ({"reason": "x", "lines": [{"line": 0, "amount": "0.00"}]}, "lines.0.amount"),
            ({"reason": "x", "lines": [{"line": 0, "amount": "1.001"}]}, "lines.0.amount"),
            ({"reason": "x", "lines": [{"line": 0, "amount": "1.00"}, {"line": 0, "amount": "1.00"}]}, "lines.1.line"),
        ],
    )
    def test_a_bad_request_is_422_naming_the_field_and_changes_nothing(self, operator, issued, body, field):
        catalog, invoice = issued
        before = stored_items()

        answer = post_credit(operator, catalog, invoice, body)

        assert answer.status == 422, answer.json
        assert field in [d["field"] for d in answer.json["error"]["details"]]
        assert stored_items() == before

    def test_unknown_invoices_and_credit_notes_are_404(self, operator, issued):
        catalog, _ = issued
        assert operator.post(f"{catalog.base}/invoices/inv_nope_20261005/credit-notes", {"reason": "x"}).status == 404
        assert operator.post(f"{catalog.base}/invoices/garbage/credit-notes", {"reason": "x"}).status == 404
        assert operator.get(f"{catalog.base}/credit-notes/cn_nope").status == 404

    def test_another_reseller_cannot_credit_or_read(self, operator, api, issued):
        catalog, invoice = issued
        other = build_catalog(operator)
        stranger = api.as_reseller(other.account_id)
        assert post_credit(stranger, catalog, invoice, {"reason": "x"}).status in (403, 404)
        note = post_credit(operator, catalog, invoice, {"reason": "x"}).json
        assert stranger.get(f"{catalog.base}/credit-notes/{note['id']}").status in (403, 404)
        assert stranger.get(f"{other.base}/credit-notes/{note['id']}").status == 404


class TestExactlyOnce:
    def test_the_same_idempotency_key_replays_the_first_answer(self, operator, issued):
        catalog, invoice = issued
        body = {"reason": "Goodwill", "lines": [{"line": 0, "amount": "1.00"}]}
        first = post_credit(operator, catalog, invoice, body, headers={"Idempotency-Key": "k-1"})
        again = post_credit(operator, catalog, invoice, body, headers={"Idempotency-Key": "k-1"})
        other = post_credit(operator, catalog, invoice, {**body, "reason": "other"}, headers={"Idempotency-Key": "k-1"})

        assert (first.status, again.status) == (201, 201)
        assert again.json == first.json
        assert (other.status, other.error_code) == (422, "idempotency_key_reused")
        assert len(stored_notes(catalog.account_id)) == 1
        assert get_invoice(operator, catalog, invoice)["credited_total"] == "1.23"

    def test_s3_down_after_numbering_then_a_retry_finishes_the_same_credit_note(self, operator, issued, monkeypatch):
        catalog, invoice = issued
        from reseller_billing.integration import artifacts

        real = artifacts.store_at

        def s3_down(key: str, name: str, body: bytes):
            raise ConnectionError("S3 is down")

        monkeypatch.setattr(artifacts, "store_at", s3_down)
        body = {"reason": "Wrong rate", "lines": [{"line": 2, "amount": "5.13"}]}
        failed = post_credit(operator, catalog, invoice, body, headers={"Idempotency-Key": "k-s3"})

        assert (failed.status, failed.error_code) == (503, "service_unavailable")
        (numbered,) = stored_notes(catalog.account_id)
        assert (numbered.status, numbered.credit_note_number) == ("NUMBERED", "CN-2026-000001")
        assert operator.get(f"{catalog.base}/credit-notes?invoice_id={invoice['id']}").json["items"] == []
        # the invoice is credited already, in the numbering transaction: no second credit on retry
        assert get_invoice(operator, catalog, invoice)["credited_total"] == "6.31"

        monkeypatch.setattr(artifacts, "store_at", real)
        retried = post_credit(operator, catalog, invoice, body, headers={"Idempotency-Key": "k-s3"})

        assert retried.status == 201, retried.json
        assert (retried.json["id"], retried.json["credit_note_number"]) == (numbered.id, "CN-2026-000001")
        assert [n.status for n in stored_notes(catalog.account_id)] == ["ISSUED"]
        assert get_invoice(operator, catalog, invoice)["credited_total"] == "6.31"
        assert credit_counter(catalog.account_id) == 1

    def test_a_crash_after_numbering_is_finished_by_the_next_credit_note_on_the_invoice(
        self, operator, issued, monkeypatch
    ):
        catalog, invoice = issued

        def crash(profile, note):
            raise SystemExit("the function died after numbering")

        finish = credit_notes.finish_credit_note
        monkeypatch.setattr(credit_notes, "finish_credit_note", crash)
        request = CreditNoteCreate(reason="crash", lines=[CreditedLineRequest(line=0, amount=Decimal("1.00"))])
        with pytest.raises(SystemExit):
            credit_notes.create_credit_note(catalog.account_id, invoice["id"], request, None)
        monkeypatch.setattr(credit_notes, "finish_credit_note", finish)
        (numbered,) = stored_notes(catalog.account_id)
        assert (numbered.status, numbered.credit_note_number) == ("NUMBERED", "CN-2026-000001")

        second = post_credit(operator, catalog, invoice, {"reason": "second", "lines": [{"line": 0, "amount": "1.00"}]})

        assert second.json["credit_note_number"] == "CN-2026-000002"
        listed = operator.get(f"{catalog.base}/credit-notes?invoice_id={invoice['id']}").json["items"]
        assert sorted(n["credit_note_number"] for n in listed) == ["CN-2026-000001", "CN-2026-000002"]
        assert get_invoice(operator, catalog, invoice)["credited_total"] == "2.46"  # 2 x (1.00 + 0.23)
        assert credit_counter(catalog.account_id) == 2

    def test_the_reconciler_finishes_and_announces_a_numbered_credit_note_once_it_is_quiet(
        self, operator, issued, monkeypatch, functions
    ):
        catalog, invoice = issued
        finish = credit_notes.finish_credit_note
        monkeypatch.setattr(credit_notes, "finish_credit_note", lambda profile, note: note)
        request = CreditNoteCreate(reason="left numbered")
        note = credit_notes.create_credit_note(catalog.account_id, invoice["id"], request, None)
        monkeypatch.setattr(credit_notes, "finish_credit_note", finish)
        assert note.state.value == "NUMBERED"

        def reconcile(minutes_later: int) -> int:
            at = utcnow() + timedelta(minutes=minutes_later)  # the service's clock, set by the fixture
            answer: dict[str, Any] = functions["BillingReconcilerFunction"].invoke(scheduled_event(at))
            finished: int = answer["credit_notes_finished"]
            return finished

        assert reconcile(0) == 0  # its own request may still be finishing it
        assert reconcile(10) == 1
        assert reconcile(20) == 0

        (item,) = stored_notes(catalog.account_id)
        assert (item.status, item.event_published) == ("ISSUED", True)
        assert not item.gsi3pk  # no longer among the unfinished
        assert operator.get(f"{catalog.base}/credit-notes/{note.id}").json["gross_total"] == invoice["gross_total"]


class TestConcurrency:
    def test_concurrent_credit_notes_never_exceed_the_invoice_and_number_without_gaps(self, operator, issued, capsys):
        """N callers credit 3.00 of the ACTIVATION line (10.00) at the same moment: three fit."""
        catalog, invoice = issued
        callers = 8
        barrier = threading.Barrier(callers)
        outcomes: list[Any] = []

        def credit(n: int) -> None:
            request = CreditNoteCreate(reason=f"race {n}", lines=[CreditedLineRequest(line=1, amount=Decimal("3.00"))])
            barrier.wait()
            try:
                outcomes.append(credit_notes.create_credit_note(catalog.account_id, invoice["id"], request, None))
            except ServiceError as error:
                outcomes.append(error.code)

        threads = [threading.Thread(target=credit, args=(n,)) for n in range(callers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        notes = [o for o in outcomes if not isinstance(o, str)]
        refused = [o for o in outcomes if isinstance(o, str)]
        numbers = sorted(n.credit_note_number for n in notes)
        after = get_invoice(operator, catalog, invoice)
        with capsys.disabled():
            print(
                f"\n{callers} concurrent credit notes of 3.00 on a 10.00 line: {len(notes)} issued {numbers}, "
                f"{len(refused)} refused {sorted(set(refused))}, credited_total {after['credited_total']}, "
                f"counter {credit_counter(catalog.account_id)}"
            )
        assert len(outcomes) == callers
        assert len(notes) == 3
        assert set(refused) == {"credit_exceeds_invoice"}
        assert numbers == ["CN-2026-000001", "CN-2026-000002", "CN-2026-000003"]
        assert credit_counter(catalog.account_id) == 3
        assert after["credited_total"] == "11.07"  # 3 x (3.00 + 0.69)
        assert after["status"] == "PARTIALLY_CREDITED"


class TestArtefacts:
    @pytest.mark.parametrize("e_invoice_format", ["UBL", "FACTUR_X"])
    def test_a_credit_note_gets_a_valid_e_invoice_referencing_the_invoice(
        self, operator, queues, validate, clock, e_invoice_format
    ):
        clock.set(RUN_DATE)
        catalog = legal_catalog(operator, e_invoice_format)
        add_customers(operator, catalog, 1)
        start_run(operator, catalog)
        queues.drain()
        (invoice,) = invoices_of(operator, catalog)

        partial = post_credit(operator, catalog, invoice, {"reason": "x", "lines": [{"line": 0, "amount": "6.00"}]})
        full = post_credit(operator, catalog, invoice, {"reason": "Falscher Steuersatz"})

        for answer in (partial, full):
            assert answer.status == 201, answer.json
            assert set(answer.json["artifacts"]) == {"pdf", "json", "csv", "xml"}
            item = next(n for n in stored_notes(catalog.account_id) if n.id == answer.json["id"])
            xml = s3_object(item.artifacts["xml"]["key"])
            report = validate(xml)
            assert report.valid, report.errors
            assert report.syntax == ("UBL CreditNote" if e_invoice_format == "UBL" else "CII (Factur-X EN 16931)")
            assert answer.json["credit_note_number"].encode() in xml
            assert invoice["invoice_number"].encode() in xml
            assert b"381" in xml
            pdf = s3_object(item.artifacts["pdf"]["key"])
            assert pdf.startswith(b"%PDF")
            csv_text = s3_object(item.artifacts["csv"]["key"]).decode()
            assert csv_text.splitlines()[0].startswith("credit_note_number,issue_date,invoice_number")
        assert boto3.client("s3").head_object(Bucket=get_settings().artifacts_bucket, Key=item.artifacts["json"]["key"])


class TestReplacement:
    def test_a_full_credit_reopens_the_cycle_for_that_customer_and_a_manual_run_replaces_the_invoice(
        self, operator, queues, clock
    ):
        clock.set(RUN_DATE)
        catalog = build_catalog(operator)
        credited, untouched = add_customers(operator, catalog, 2)
        start_run(operator, catalog)
        queues.drain()
        invoices = {i["customer_id"]: i for i in invoices_of(operator, catalog)}
        original = invoices[credited["id"]]
        late = {"records": [factories.usage_record("late-1", iccid(1), "500", occurred_at="2026-10-25T10:00:00Z")]}
        other_late = factories.usage_record("late-2", iccid(3), "500", occurred_at="2026-10-25T10:00:00Z")
        assert operator.post(f"{catalog.base}/usage", late).json["rejected"][0]["reason"] == "cycle_closed"

        assert post_credit(operator, catalog, original, {"reason": "Wrong VAT rate"}).status == 201
        assert operator.patch(f"{catalog.base}/customers/{credited['id']}", {"vat_rate": "19"}).status == 200
        accepted = operator.post(f"{catalog.base}/usage", {"records": [*late["records"], other_late]}).json

        # the credited customer's cycle takes usage again; the other customer's stays closed
        assert accepted["accepted"] == 1
        assert [(r["record_id"], r["reason"]) for r in accepted["rejected"]] == [("late-2", "cycle_closed")]
        clock.set("2026-11-20")
        chosen = {"run_date": RUN_DATE, "customer_ids": [credited["id"]]}
        run = operator.post(f"{catalog.base}/billing-runs", chosen).json
        queues.drain()

        done = operator.get(f"{catalog.base}/billing-runs/{run['id']}").json
        assert (done["status"], done["customers"], done["issued"]) == ("COMPLETED", 1, 1)
        assert done["customer_ids"] == [credited["id"]]
        replacement = next(i for i in invoices_of(operator, catalog) if i.get("replaces_invoice_id"))
        assert replacement["id"] == f"{original['id']}_r1"
        assert replacement["replaces_invoice_id"] == original["id"]
        assert replacement["invoice_number"] == "INV-2026-000003"
        assert (replacement["issue_date"], replacement["cycle_start"]) == ("2026-11-20", original["cycle_start"])
        assert (replacement["vat_rate"], replacement["status"]) == ("19", "ISSUED")
        assert Decimal(replacement["net_total"]) > Decimal(original["net_total"])  # the late usage
        assert get_invoice(operator, catalog, original)["status"] == "CREDITED"
        # the cycle is closed again: late usage refused, a further run replaces nothing
        again = operator.post(f"{catalog.base}/usage", {"records": [{**late["records"][0], "record_id": "late-3"}]})
        assert again.json["rejected"][0]["reason"] == "cycle_closed"
        rerun = start_run(operator, catalog, RUN_DATE)
        queues.drain()
        assert operator.get(f"{catalog.base}/billing-runs/{rerun['id']}").json["issued"] == 0
        assert len(invoices_of(operator, catalog)) == 3
        assert invoices[untouched["id"]]["status"] == "ISSUED"

    def test_a_reopening_closed_meanwhile_refuses_that_customers_usage_only(self, operator, queues, clock):
        """Two customers' cycles are reopened; one's replacement closes it between the intake's read and its
        write: only that customer's record is refused, the other's, in the same transaction, is not."""
        clock.set(RUN_DATE)
        catalog = build_catalog(operator)
        first, second = add_customers(operator, catalog, 2)
        start_run(operator, catalog)
        queues.drain()
        for invoice in invoices_of(operator, catalog):
            assert post_credit(operator, catalog, invoice, {"reason": "Wrong VAT rate"}).status == 201
        cycle_start = date(2026, 10, 5)
        reopening = CycleReopening.get(*CycleReopening.key(catalog.account_id, first["id"], cycle_start))
        reopening.update(actions=[CycleReopening.state.set(REOPENING_CLOSED)])

        late = datetime(2026, 10, 25, 10, tzinfo=UTC)
        writes = [
            UsageWrite(name, customer["id"], sim, Service.DATA, Decimal(500), late, cycle_start, reopened=True)
            for name, customer, sim in (("late-1", first, iccid(1)), ("late-2", second, iccid(3)))
        ]
        outcome = usage_table.record_usage(catalog.account_id, writes)

        assert (outcome.accepted, outcome.cycle_closed) == (["late-2"], ["late-1"])


class TestDocumentsReport:
    def test_invoices_and_credit_notes_of_a_period_paged_and_as_csv(self, operator, issued, clock):
        catalog, invoice = issued
        clock.set("2026-11-07")
        note = post_credit(operator, catalog, invoice, {"reason": "x", "lines": [{"line": 0, "amount": "1.00"}]}).json
        path = f"{catalog.base}/documents?from=2026-11-01&to=2026-11-30"

        first = operator.get(f"{path}&limit=1")
        second = operator.get(f"{path}&limit=1&cursor={first.json['next_cursor']}")

        assert first.status == 200, first.json
        rows = [*first.json["items"], *second.json["items"]]
        assert [(r["type"], r["number"], r["issue_date"], r["gross_total"]) for r in rows] == [
            ("INVOICE", invoice["invoice_number"], "2026-11-05", invoice["gross_total"]),
            ("CREDIT_NOTE", "CN-2026-000001", "2026-11-07", "1.23"),
        ]
        assert (rows[1]["id"], rows[1]["invoice_id"]) == (note["id"], invoice["id"])
        assert second.json["next_cursor"] is None
        assert operator.get(f"{catalog.base}/documents?from=2026-11-06&to=2026-11-06").json["items"] == []
        exported = operator.get(f"{catalog.base}/documents/csv?from=2026-11-01&to=2026-11-30")
        assert exported.status == 200
        assert exported.header("Content-Type").startswith("text/csv")
        lines = exported.raw.decode().splitlines()
        assert lines[0] == "type,number,issue_date,customer_id,currency,net_total,vat_amount,gross_total,id,invoice_id"
        assert [line.split(",")[:2] for line in lines[1:]] == [
            ["INVOICE", invoice["invoice_number"]],
            ["CREDIT_NOTE", "CN-2026-000001"],
        ]

    @pytest.mark.parametrize(
        ("query", "field"),
        [("from=2026-11-30&to=2026-11-01", "to"), ("from=2026-11-01", "to"), ("from=x&to=2026-11-01", "from")],
    )
    def test_a_bad_period_is_422_naming_the_field(self, operator, issued, query, field):
        catalog, _ = issued
        answer = operator.get(f"{catalog.base}/documents?{query}")
        assert answer.status == 422
        assert field in [d["field"] for d in answer.json["error"]["details"]]

    def test_sim_activations_and_status_changes_in_the_reopened_cycle_are_accepted_for_that_customer_only(
        self, operator, queues, clock
    ):
        clock.set(RUN_DATE)
        catalog = build_catalog(operator)
        credited, other = add_customers(operator, catalog, 2)
        start_run(operator, catalog)
        queues.drain()
        original = next(i for i in invoices_of(operator, catalog) if i["customer_id"] == credited["id"])
        refused = catalog.assign(operator, iccid(90), "2026-10-20", customer_id=credited["id"])
        assert (refused.status, refused.error_code) == (409, "cycle_closed")

        assert post_credit(operator, catalog, original, {"reason": "SIM missing"}).status == 201

        assert catalog.assign(operator, iccid(90), "2026-10-20", customer_id=credited["id"]).status == 201
        suspended = operator.post(
            f"{catalog.base}/customers/{credited['id']}/sims/{iccid(1)}/status",
            {"status": "SUSPENDED", "effective_date": "2026-10-28"},
        )
        assert suspended.status == 200, suspended.json
        elsewhere = catalog.assign(operator, iccid(91), "2026-10-20", customer_id=other["id"])
        assert (elsewhere.status, elsewhere.error_code) == (409, "cycle_closed")
        clock.set("2026-11-20")
        start_run(operator, catalog, RUN_DATE)
        queues.drain()
        replacement = next(i for i in invoices_of(operator, catalog) if i.get("replaces_invoice_id"))
        mrc = next(line for line in replacement["lines"] if line["kind"] == "MRC")
        assert mrc["quantity"] == "3"  # the SIM activated in the reopened cycle is billed
        closed_again = catalog.assign(operator, iccid(92), "2026-10-21", customer_id=credited["id"])
        assert (closed_again.status, closed_again.error_code) == (409, "cycle_closed")


@pytest.mark.parametrize(
    ("customer_ids", "field"),
    [
        ([], "customer_ids"),
        (["cus_nope"], "customer_ids.0"),
        (["x" * 65], "customer_ids.0"),
        (["c"] * 1001, "customer_ids"),
    ],
)
def test_a_run_for_customers_that_are_not_the_accounts_is_422_naming_them(
    operator, catalog_for_runs, customer_ids, field
):
    before = stored_items()
    answer = operator.post(
        f"{catalog_for_runs.base}/billing-runs", {"run_date": RUN_DATE, "customer_ids": customer_ids}
    )
    assert answer.status == 422, answer.json
    assert field in [d["field"] for d in answer.json["error"]["details"]]
    assert stored_items() == before


@pytest.fixture
def catalog_for_runs(operator, clock):
    clock.set(RUN_DATE)
    return build_catalog(operator)
