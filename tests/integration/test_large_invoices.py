"""Invoices of large fleets within DynamoDB's limits (enforced by the local DynamoDB, as AWS does): an
invoice item holds no per-SIM detail (invoice.json in S3 does), numbering transactions are cut by bytes
as well as by count, a NUMBERED invoice is finished with its per-SIM detail computed again and checked,
and one customer's invoice refused by DynamoDB fails that customer only."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
from datetime import date
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient

from infra.local.dynamodb_limits import MAX_ITEM_BYTES, item_size
from reseller_billing.dal import invoices as invoices_table
from reseller_billing.dal.items import CustomerItem, InvoiceItem
from reseller_billing.integration import artifacts as artifact_store
from reseller_billing.logic import invoice_issuing as issuing
from reseller_billing.logic.invoice_issuing import issue_invoices
from reseller_billing.models.common import utcnow
from reseller_billing.models.invoice_document import InvoiceDocument
from reseller_billing.models.invoices import InvoiceRecord, InvoiceState
from reseller_billing.settings import get_settings
from tests.integration.test_invoicing import (
    _requests,
    _run_without_workers,
    add_customers,
    counter,
    invoices_of,
    s3_object,
    start_run,
    stored_invoice,
)
from tests.support.catalog import Catalog, build_catalog
from tests.support.iccids import iccid
from tests.support.table import stored_items

RUN_DATE = "2026-11-05"


@pytest.fixture(autouse=True)
def fresh_worker_caches():
    issuing._runs.clear()
    issuing._counters.clear()


@pytest.fixture
def catalog(operator) -> Catalog:
    return build_catalog(operator)


@pytest.fixture(autouse=True)
def on_time(clock):
    clock.set(RUN_DATE)


def _issued_document(operator, catalog: Catalog, queues) -> dict[str, Any]:
    """The stored document of one customer's issued invoice: the template of the large ones below."""
    add_customers(operator, catalog, 1, first_serial=900_000)
    start_run(operator, catalog)
    queues.drain()
    (invoice,) = invoices_of(operator, catalog)
    document: dict[str, Any] = stored_invoice(invoice, catalog.account_id).document
    return document


def _large_invoice(template: dict[str, Any], account_id: str, customer: int, sims: int) -> InvoiceRecord:
    """An invoice of `sims` SIMs with realistic per-SIM detail: ICCIDs from the stock ranges of several
    years, amounts of six decimals (about 37 bytes a SIM compressed)."""
    rng = random.Random(customer)
    customer_id = f"cus_LARGE{customer:021d}"
    detail = [
        {
            "iccid": iccid(rng.randrange(10**11)),
            "product_id": template["lines"][0]["product_id"],
            "kind": kind,
            "active_days": rng.randint(1, 31),
            "quantity": str(rng.randint(1, 4000)) if kind != "MRC" else "1",
            "amount": f"{rng.randint(0, 9_999_999) / 1_000_000:.6f}",
        }
        for _ in range(sims)
        for kind in ("MRC", "OVERAGE_DATA")
    ]
    doc = InvoiceDocument.model_validate(
        {
            **template,
            "id": f"inv_{customer_id}_20261005",
            "customer": {**template["customer"], "id": customer_id},
            "sims": detail,
        }
    )
    return InvoiceRecord(
        id=doc.id,
        account_id=account_id,
        customer_id=customer_id,
        run_id="run_LARGE",
        invoice_number=f"LARGE-{customer:06d}",
        state=InvoiceState.NUMBERED,
        document=doc,
        created_at=utcnow(),
    )


def _stored_invoice_items(account_id: str) -> dict[str, dict[str, Any]]:
    return {
        pk: item
        for (pk, sk), item in stored_items().items()
        if sk.startswith("INVOICE#") and pk.startswith(f"ACCOUNT#{account_id}")
    }


class TestInvoiceItemsAreBounded:
    def test_a_100000_sim_customers_invoice_item_stays_under_400_kb(self, operator, catalog, queues):
        template = _issued_document(operator, catalog, queues)
        invoice = _large_invoice(template, catalog.account_id, 1, 100_000)
        assert len(invoice.document.model_dump_json()) > 10 * MAX_ITEM_BYTES  # its detail alone would not fit

        invoices_table.insert_numbered(catalog.account_id, 2030, 0, [invoice])

        stored = invoices_table.get_invoice(catalog.account_id, invoice.customer_id, invoice.cycle_start)
        assert stored is not None
        assert stored.document.sims == ()
        assert stored.document.lines == invoice.document.lines
        assert stored.document.gross_total == invoice.document.gross_total
        (raw,) = (item for item in _stored_invoice_items(catalog.account_id).values() if item["id"]["S"] == invoice.id)
        assert item_size(raw) < 20 * 1024  # bounded by its lines: a few KB

    def test_a_numbering_transaction_of_40_customers_of_3000_sims_each_is_accepted(self, operator, catalog, queues):
        template = _issued_document(operator, catalog, queues)
        invoices = [_large_invoice(template, catalog.account_id, n, 3_000) for n in range(1, 41)]
        detail_bytes = sum(len(json.dumps(i.document.model_dump(mode="json")["sims"])) for i in invoices)
        assert detail_bytes > 4 * 4 * 1024 * 1024  # what a transaction carrying the detail would hold, uncompressed

        invoices_table.insert_numbered(catalog.account_id, 2030, 0, invoices)

        assert counter(catalog.account_id, 2030) == 40
        assert sum(1 for item in _stored_invoice_items(catalog.account_id).values()) == 41  # and the template's


class TestNumberingTransactions:
    def test_transactions_are_cut_by_bytes_and_numbers_stay_gapless(self, operator, catalog, queues, monkeypatch):
        add_customers(operator, catalog, 5)
        one_invoice = 2 * 1024  # an invoice item as estimated here: over half of this
        monkeypatch.setattr(issuing, "NUMBERING_TRANSACTION_BYTES", 2 * one_invoice)  # 2 of them, not 3
        sizes: list[int] = []
        transactions: list[int] = []
        real_insert, real_estimate = invoices_table.insert_numbered, invoices_table.numbered_item_bytes

        def estimate(invoice: InvoiceRecord) -> int:
            size = real_estimate(invoice)
            sizes.append(size)
            return size

        def insert(account_id: str, year: int, last: int, invoices: list[InvoiceRecord]) -> None:
            transactions.append(len(invoices))
            real_insert(account_id, year, last, invoices)

        monkeypatch.setattr(invoices_table, "numbered_item_bytes", estimate)
        monkeypatch.setattr(invoices_table, "insert_numbered", insert)
        run = start_run(operator, catalog)
        queues.drain()

        assert len(sizes) == 5
        assert all(one_invoice / 2 < size < one_invoice for size in sizes), sizes
        assert transactions == [2, 2, 1]
        numbers = sorted(i["invoice_number"] for i in invoices_of(operator, catalog))
        assert numbers == [f"INV-2026-00000{n}" for n in range(1, 6)]
        done = operator.get(f"{catalog.base}/billing-runs/{run['id']}").json
        assert (done["issued"], done["failed"], done["status"]) == (5, 0, "COMPLETED")

    def test_an_invoice_dynamodb_refuses_fails_only_its_customer(self, operator, catalog, queues, monkeypatch):
        customers = add_customers(operator, catalog, 3)
        refused = customers[1]["id"]
        real_item = invoices_table._numbered_item

        def oversized(invoice: InvoiceRecord) -> InvoiceItem:
            item = real_item(invoice)
            if invoice.customer_id == refused:
                # Incompressible: the compressed document passes 400 KB, and DynamoDB refuses the item.
                item.document = {**item.document, "footer": base64.b64encode(os.urandom(600_000)).decode()}
            return item

        monkeypatch.setattr(invoices_table, "_numbered_item", oversized)
        run = _run_without_workers(operator, catalog, queues)
        requests = _requests(catalog, customers, run["id"])

        failed = issue_invoices(requests)  # one batch, as the worker gets it

        assert failed == [requests[1].message_id]
        issued = invoices_of(operator, catalog)
        assert sorted(i["customer_id"] for i in issued) == sorted(c["id"] for c in customers if c["id"] != refused)
        assert sorted(i["invoice_number"] for i in issued) == ["INV-2026-000001", "INV-2026-000002"]
        assert counter(catalog.account_id) == 2  # no number lost to the refused invoice
        done = operator.get(f"{catalog.base}/billing-runs/{run['id']}").json
        assert (done["issued"], done["failed"], done["status"]) == (2, 0, "RUNNING")  # its message comes again


class TestPerSimDetail:
    def test_invoice_json_has_the_detail_and_the_item_does_not(self, operator, catalog, queues):
        add_customers(operator, catalog, 1, sims_each=3)
        start_run(operator, catalog)
        queues.drain()
        (invoice,) = invoices_of(operator, catalog)
        stored = stored_invoice(invoice, catalog.account_id)
        assert stored.document["sims"] == []
        detail = json.loads(s3_object(stored.artifacts["json"]["key"]))["sims"]
        assert sorted({sim["iccid"] for sim in detail}) == [iccid(n) for n in (1, 2, 3)]

    def test_a_numbered_invoice_is_finished_with_its_detail_computed_again(
        self, operator, catalog, queues, monkeypatch
    ):
        customers = add_customers(operator, catalog, 2)
        run = _run_without_workers(operator, catalog, queues)
        requests = _requests(catalog, customers, run["id"])
        monkeypatch.setattr(issuing, "_store_artifacts", _crash)
        with pytest.raises(SystemExit):
            issue_invoices(requests)
        monkeypatch.undo()
        issuing._runs.clear()
        issuing._counters.clear()

        assert issue_invoices(requests) == []

        for invoice in invoices_of(operator, catalog):
            stored = stored_invoice(invoice, catalog.account_id)
            document = json.loads(s3_object(stored.artifacts["json"]["key"]))
            assert document["invoice_number"] == invoice["invoice_number"]
            assert len(document["sims"]) == 6  # two SIMs: MRC, activation and overage each
            assert sum(Decimal(s["amount"]) for s in document["sims"]) == pytest.approx(
                Decimal(document["net_total"]), abs=Decimal("0.02")
            )

    def test_a_numbered_invoice_that_computes_differently_fails_loudly(self, operator, catalog, queues, monkeypatch):
        customers = add_customers(operator, catalog, 2)
        run = _run_without_workers(operator, catalog, queues)
        requests = _requests(catalog, customers, run["id"])
        monkeypatch.setattr(issuing, "_store_artifacts", _crash)
        with pytest.raises(SystemExit):
            issue_invoices(requests)
        monkeypatch.undo()
        issuing._runs.clear()
        tampered = InvoiceItem.get(*InvoiceItem.key(catalog.account_id, customers[0]["id"], date(2026, 10, 5)))
        tampered.update(actions=[InvoiceItem.document.set({**tampered.document, "net_total": "0.01"})])

        failed = issue_invoices(requests)

        assert failed == [requests[0].message_id]
        assert [i["customer_id"] for i in invoices_of(operator, catalog)] == [customers[1]["id"]]


def _crash(*args: object, **kwargs: object) -> None:
    raise SystemExit("the Lambda runtime went away")


class TestLargeCustomerLane:
    def test_a_customer_above_the_threshold_is_invoiced_alone_in_its_lane(self, operator, catalog, queues, monkeypatch):
        monkeypatch.setenv("LARGE_CUSTOMER_SIMS", "2")
        get_settings.cache_clear()
        small = add_customers(operator, catalog, 2, sims_each=2)
        (large,) = add_customers(operator, catalog, 1, sims_each=3, first_serial=100)
        batches: dict[str, list[list[str]]] = {"InvoiceWorkerFunction": [], "LargeInvoiceWorkerFunction": []}
        for name, seen in batches.items():
            function = queues.functions[name]
            real_invoke = function.invoke

            def invoke(event, real_invoke=real_invoke, seen=seen):
                seen.append([json.loads(r["body"])["customer"]["id"] for r in event["Records"]])
                return real_invoke(event)

            monkeypatch.setattr(function, "invoke", invoke)
        run = start_run(operator, catalog)
        queues.drain()

        assert CustomerItem.get(*CustomerItem.key(catalog.account_id, large["id"])).sim_count == 3
        assert batches["LargeInvoiceWorkerFunction"] == [[large["id"]]]
        small_lane = {c for batch in batches["InvoiceWorkerFunction"] for c in batch}
        assert large["id"] not in small_lane
        assert {c["id"] for c in small} <= small_lane
        assert len(invoices_of(operator, catalog)) == 3
        done = operator.get(f"{catalog.base}/billing-runs/{run['id']}").json
        assert (done["issued"], done["status"]) == (3, "COMPLETED")


class TestArtefactUploads:
    def test_a_large_artefact_goes_up_in_parts_with_the_sha256_of_the_whole(self, monkeypatch):
        pieces = [os.urandom(1024 * 1024) for _ in range(17)]  # 17 MB: parts of 8, 8 and 1 MB
        calls = _s3_calls(monkeypatch)
        stored = artifact_store.store("acc_1", "inv_1", "json", iter(pieces))

        assert calls == ["CreateMultipartUpload", "UploadPart", "UploadPart", "UploadPart", "CompleteMultipartUpload"]
        monkeypatch.undo()
        body = s3_object(stored.key)
        assert body == b"".join(pieces)
        assert (stored.sha256, stored.size) == (hashlib.sha256(body).hexdigest(), len(body))

    def test_a_small_artefact_in_pieces_is_one_put(self, monkeypatch):
        calls = _s3_calls(monkeypatch)
        stored = artifact_store.store("acc_1", "inv_1", "json", iter([b'{"a":', b"1}\n"]))

        assert calls == ["PutObject"]
        assert s3_object(stored.key) == b'{"a":1}\n'
        assert stored.sha256 == hashlib.sha256(b'{"a":1}\n').hexdigest()

    def test_a_failed_part_aborts_the_upload(self, monkeypatch):
        def pieces():
            yield os.urandom(9 * 1024 * 1024)
            yield os.urandom(9 * 1024 * 1024)
            raise ConnectionError("the worker lost its network")

        with pytest.raises(ConnectionError):
            artifact_store.store("acc_1", "inv_1", "json", pieces())

        s3 = boto3.client("s3")
        assert s3.list_multipart_uploads(Bucket=get_settings().artifacts_bucket).get("Uploads", []) == []
        assert s3.list_objects_v2(Bucket=get_settings().artifacts_bucket).get("KeyCount") == 0


def _s3_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The S3 operations called from now on, in order."""
    calls: list[str] = []
    real_call = BaseClient._make_api_call

    def counted(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "s3":
            calls.append(operation)
        return real_call(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    return calls
