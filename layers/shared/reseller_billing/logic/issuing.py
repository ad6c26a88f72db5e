"""The invoice worker's use case: issue the invoices of a batch of invoice requests, exactly once each.

Per request: read the customer's cycle in one Query; if the invoice exists, finish what is left of it
(a redelivered message or a crash half-way); otherwise compute it. Then, for the whole batch: number the
new invoices in one transaction with the counter, render and store their artefacts, issue them and count
the run's outcomes in one transaction, and publish `InvoiceIssued`. Every step can be repeated: a crash
between any two steps is finished by the next delivery of the message, never done twice."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

from reseller_billing.billing.cycles import BillingCycle
from reseller_billing.dal import billing as table
from reseller_billing.dal.billing import ISSUED, NUMBERED, CounterMoved, InvoicesExist, Outcome
from reseller_billing.dal.items import InvoiceItem
from reseller_billing.errors import ErrorCode, TransientError
from reseller_billing.integration import artifacts, events
from reseller_billing.logic.invoicing import (
    PriceList,
    compose_document,
    compute,
    invoice_number,
    render_artifacts,
)
from reseller_billing.models.common import utcnow
from reseller_billing.models.invoice_document import InvoiceDocument
from reseller_billing.models.invoices import ArtifactInfo, InvoiceIssued
from reseller_billing.observability import logger, metrics
from reseller_billing.settings import get_settings

NUMBERING_ATTEMPTS = 8
NUMBERED_PER_TRANSACTION = 99  # and the counter: TransactWriteItems takes 100 items
IO_THREADS = 8
LAST_DELIVERY_ATTEMPTS = 3  # to count a request on its last delivery as FAILED before working on it


@dataclass(frozen=True, slots=True)
class InvoiceRequest:
    """One customer of one billing run, as the fan-out put it on the invoice queue."""

    message_id: str
    account_id: str
    run_id: str
    customer: dict[str, Any]
    receive_count: int

    @property
    def customer_id(self) -> str:
        customer_id: str = self.customer["id"]
        return customer_id


@dataclass(frozen=True)
class _Run:
    run_id: str
    run_date: date
    cycle: BillingCycle
    price_list: PriceList

    @property
    def cycle_bounds(self) -> tuple[date, date]:
        return self.cycle.start, self.cycle.end


# A warm worker keeps the price lists of the runs it saw, and the last invoice number it allocated.
_runs: OrderedDict[tuple[str, str], _Run] = OrderedDict()
_counters: dict[tuple[str, int], int] = {}


def _run(account_id: str, run_id: str) -> _Run:
    key = (account_id, run_id)
    if key not in _runs:
        item = table.get_run(account_id, run_id)
        _runs[key] = _Run(
            run_id=run_id,
            run_date=item.run_date,
            cycle=BillingCycle(item.cycle_start, item.cycle_end),
            price_list=PriceList.from_json(item.snapshot),
        )
        while len(_runs) > 32:
            _runs.popitem(last=False)
    return _runs[key]


def issue_invoices(requests: Sequence[InvoiceRequest]) -> list[str]:
    """Issue what the requests ask for; returns the message ids that failed (to be delivered again)."""
    _count_last_deliveries_as_failed(requests)
    failed: dict[str, Exception] = {}
    groups: dict[tuple[str, str], list[InvoiceRequest]] = {}
    for request in requests:
        groups.setdefault((request.account_id, request.run_id), []).append(request)
    for (account_id, run_id), group in groups.items():
        # The same customer twice in one batch (a fan-out page delivered twice): one request does the
        # work, the other shares its fate. Two puts of one item in a transaction would be refused.
        first: dict[str, InvoiceRequest] = {}
        for request in group:
            first.setdefault(request.customer_id, request)
        try:
            _issue_group(_run(account_id, run_id), account_id, list(first.values()), failed)
        except Exception as error:
            logger.exception("invoice batch failed", extra={"account_id": account_id, "run_id": run_id})
            for request in group:
                failed.setdefault(request.message_id, error)
        for request in group:
            primary = first[request.customer_id]
            if primary is not request and primary.message_id in failed:
                failed[request.message_id] = failed[primary.message_id]
    _record_final_failures([r for r in requests if r.message_id in failed], failed)
    return list(failed)


def _issue_group(run: _Run, account_id: str, group: list[InvoiceRequest], failed: dict[str, Exception]) -> None:
    # Requests to AWS are I/O and overlap in a thread pool; computing and rendering are CPU work and run
    # one after the other in this thread.
    with ThreadPoolExecutor(max_workers=IO_THREADS) as pool:
        _issue_group_with(pool, run, account_id, group, failed)


def _issue_group_with(
    pool: ThreadPoolExecutor, run: _Run, account_id: str, group: list[InvoiceRequest], failed: dict[str, Exception]
) -> None:
    outcomes: list[Outcome] = []
    drafts: list[tuple[InvoiceRequest, InvoiceDocument]] = []
    to_store: list[tuple[InvoiceRequest, InvoiceItem]] = []
    events_due: list[InvoiceItem] = []
    reads = [
        (request, pool.submit(table.customer_billing_data, account_id, request.customer_id, *run.cycle_bounds))
        for request in group
    ]
    for request, read in reads:
        try:
            data = read.result()
            if data.invoice is not None and data.invoice.status == ISSUED:
                outcomes.append(_already_issued(run, data.invoice))
                if not data.invoice.event_published:
                    events_due.append(data.invoice)
            elif data.invoice is not None:
                to_store.append((request, data.invoice))
            else:
                computed = compute(run.price_list, request.customer, run.cycle, data)
                if computed.is_empty:
                    outcomes.append(Outcome(request.customer_id, "SKIPPED", reason="no_charges"))
                else:
                    drafts.append(
                        (request, compose_document(run.price_list, request.customer, run.cycle, computed, None))
                    )
        except Exception as error:
            logger.exception("could not compute an invoice", extra={"customer_id": request.customer_id})
            failed[request.message_id] = error

    for request, item in _number(account_id, run, drafts):
        to_store.append((request, item))

    rendered: list[tuple[InvoiceRequest, InvoiceItem, dict[str, bytes]]] = []
    for request, item in to_store:
        try:
            doc = InvoiceDocument.model_validate(item.document)
            rendered.append((request, item, render_artifacts(doc, run.price_list.profile.customer_invoice_type)))
        except Exception as error:
            logger.exception("could not render artefacts", extra={"invoice_id": item.id})
            failed[request.message_id] = error
    uploads = [(request, item, pool.submit(_store_artifacts, item, files)) for request, item, files in rendered]
    for request, item, upload in uploads:
        try:
            upload.result()
            outcomes.append(Outcome(request.customer_id, "ISSUED", item.id, issue=item))
        except Exception as error:
            logger.exception("could not store artefacts", extra={"invoice_id": item.id})
            failed[request.message_id] = error

    issued = table.record_outcomes(account_id, run.run_id, outcomes)
    metrics.add_metric(name="InvoicesIssued", unit="Count", value=len(issued))
    due = [*issued, *events_due]
    try:
        _publish(due)
    except Exception as error:
        logger.exception("could not publish InvoiceIssued events")
        by_customer = {r.customer_id: r.message_id for r in group}
        for invoice in due:
            failed[by_customer[invoice.customer_id]] = error


def _already_issued(run: _Run, invoice: InvoiceItem) -> Outcome:
    if invoice.run_id == run.run_id:
        return Outcome(invoice.customer_id, "ISSUED", invoice.id)
    return Outcome(invoice.customer_id, "SKIPPED", invoice.id, reason="already_invoiced")


def _number(
    account_id: str, run: _Run, drafts: list[tuple[InvoiceRequest, InvoiceDocument]]
) -> list[tuple[InvoiceRequest, InvoiceItem]]:
    """Give each draft the next number and create its invoice, in one transaction with the counter.

    Drafts whose invoice turns out to exist (another delivery of the same request got there first) are
    returned as that existing invoice, to be finished rather than created."""
    year = run.run_date.year
    profile = run.price_list.profile
    ready: list[tuple[InvoiceRequest, InvoiceItem]] = []
    pending = sorted(drafts, key=lambda d: d[1].customer.customer_number)
    last = _counters.get((account_id, year))
    attempts = 0
    while pending:
        if attempts == NUMBERING_ATTEMPTS:
            _counters.pop((account_id, year), None)
            raise TransientError(
                "invoice numbering kept colliding with other workers", code=ErrorCode.NUMBERING_CONTENTION
            )
        if last is None:
            last = table.read_counter(account_id, year)
        chunk = pending[:NUMBERED_PER_TRANSACTION]
        items = [
            _numbered_invoice(account_id, run, request, doc, invoice_number(profile, year, last + offset))
            for offset, (request, doc) in enumerate(chunk, start=1)
        ]
        try:
            table.insert_numbered(account_id, year, last, items)
        except InvoicesExist as exists:
            ready += [(request, exists.existing[doc.id]) for request, doc in chunk if doc.id in exists.existing]
            pending = [(request, doc) for request, doc in pending if doc.id not in exists.existing]
            continue
        except (CounterMoved, TransientError):
            last = None
            time.sleep(min(0.02 * 2**attempts, 0.5))
            attempts += 1
            continue
        last += len(items)
        _counters[(account_id, year)] = last
        ready += list(zip((request for request, _ in chunk), items, strict=True))
        pending = pending[len(chunk) :]
    return ready


def _numbered_invoice(
    account_id: str, run: _Run, request: InvoiceRequest, doc: InvoiceDocument, number: str
) -> InvoiceItem:
    return InvoiceItem(
        *InvoiceItem.key(account_id, request.customer_id, run.cycle.start),
        id=doc.id,
        account_id=account_id,
        customer_id=request.customer_id,
        run_id=run.run_id,
        invoice_number=number,
        status=NUMBERED,
        document=doc.model_copy(update={"invoice_number": number}).model_dump(mode="json"),
        created_at=utcnow(),
    )


def _store_artifacts(item: InvoiceItem, files: dict[str, bytes]) -> None:
    stored = {name: artifacts.store(item.account_id, item.id, name, body) for name, body in files.items()}
    item.artifacts = {
        name: {"key": s.key, "sha256": s.sha256, "size": s.size, "content_type": s.content_type}
        for name, s in stored.items()
    }


def _publish(invoices: list[InvoiceItem]) -> None:
    if not invoices:
        return
    details = []
    for invoice in invoices:
        doc = InvoiceDocument.model_validate(invoice.document)
        details.append(
            InvoiceIssued(
                invoice_id=invoice.id,
                invoice_number=invoice.invoice_number,
                account_id=invoice.account_id,
                customer_id=invoice.customer_id,
                currency=doc.currency,
                issue_date=doc.issue_date,
                cycle_start=doc.cycle_start,
                cycle_end=doc.cycle_end,
                net_total=doc.net_total,
                vat_amount=doc.vat_amount,
                gross_total=doc.gross_total,
                artifacts={
                    n: ArtifactInfo(sha256=a["sha256"], size=int(a["size"]))
                    for n, a in (invoice.artifacts or {}).items()
                },
                issued_at=invoice.issued_at or utcnow(),
            ).model_dump(mode="json")
        )
    events.publish("InvoiceIssued", details)
    table.mark_events_published(invoices)


def _count_last_deliveries_as_failed(requests: Sequence[InvoiceRequest]) -> None:
    """Count a request on its last delivery before the DLQ as FAILED in its run before doing any work: if
    this invocation dies (a timeout, out of memory) SQS parks the message in the DLQ, and the run must say
    so, or it would never complete. If the work succeeds, recording its outcome turns FAILED into ISSUED
    or SKIPPED (as a redrive from the DLQ does)."""
    last_attempt = get_settings().invoice_max_receive_count
    due: dict[tuple[str, str], dict[str, Outcome]] = {}
    for request in requests:
        if request.receive_count >= last_attempt:
            due.setdefault((request.account_id, request.run_id), {}).setdefault(
                request.customer_id, Outcome(request.customer_id, "FAILED", reason="the last delivery did not finish")
            )
    for (account_id, run_id), outcomes in due.items():
        for attempt in range(LAST_DELIVERY_ATTEMPTS):
            try:
                table.record_outcomes(account_id, run_id, list(outcomes.values()))
                break
            except Exception:
                # Not counted yet (if this delivery fails, _record_final_failures tries once more).
                logger.exception("could not count last deliveries as failed", extra={"run_id": run_id})
                if attempt + 1 < LAST_DELIVERY_ATTEMPTS:
                    time.sleep(0.05 * 2**attempt)


def _record_final_failures(requests: list[InvoiceRequest], failed: dict[str, Exception]) -> None:
    """A request on its last delivery before the DLQ counts as FAILED in its run (a later redrive from the
    DLQ that succeeds turns it into ISSUED or SKIPPED)."""
    last_attempt = get_settings().invoice_max_receive_count
    for request in requests:
        if request.receive_count < last_attempt:
            continue
        reason = f"{type(failed[request.message_id]).__name__}: {failed[request.message_id]}"[:500]
        try:
            table.record_outcomes(
                request.account_id, request.run_id, [Outcome(request.customer_id, "FAILED", reason=reason)]
            )
        except Exception:
            logger.exception("could not record a failed invoice request", extra={"customer_id": request.customer_id})
