"""Issuing invoices, the invoice worker's use case: the invoices of a batch of invoice requests, each
exactly once.

Per request: read the customer's cycle in one Query; if the invoice exists, finish what is left of it
(a redelivered message or a crash half-way); otherwise compose it. Then, for the whole batch: number the
new invoices in one transaction with the counter, render and store their artefacts, issue them and count
the run's outcomes in one transaction, and publish `InvoiceIssued`. Every step can be repeated: a crash
between any two steps is finished by the next delivery of the message, never done twice."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from reseller_billing.billing.credit_notes import CreditStatus
from reseller_billing.billing.cycles import BillingCycle
from reseller_billing.dal import billing_runs as runs_table
from reseller_billing.dal import invoices as table
from reseller_billing.dal.billing_runs import Outcome
from reseller_billing.dal.invoices import CounterMoved, InvoicesExist
from reseller_billing.dal.writes import refused_as_invalid
from reseller_billing.errors import ErrorCode, TransientError
from reseller_billing.ids import invoice_id, parse_invoice_id, replaced_invoice_id
from reseller_billing.integration import artifacts, events
from reseller_billing.logic.invoice_composition import compose_invoice, numbered
from reseller_billing.logic.pricing import PriceList
from reseller_billing.models.accounts import ResellerProfile
from reseller_billing.models.billing_runs import RunOutcome, SkipReason
from reseller_billing.models.common import utcnow, utctoday
from reseller_billing.models.invoice_document import InvoiceDocument
from reseller_billing.models.invoices import ArtifactInfo, CustomerBillingData, InvoiceRecord, InvoiceState
from reseller_billing.models.messages import InvoicedCustomer, InvoiceIssued
from reseller_billing.observability import logger, metrics
from reseller_billing.rendering.artifacts import Rendered, render_artifacts
from reseller_billing.settings import get_settings

NUMBERING_ATTEMPTS = 8
# TransactWriteItems takes 100 actions: the counter, one per invoice, and two more per replacement (the
# replaced invoice checked CREDITED, the reopened cycle closed).
TRANSACTION_ACTIONS = 100
# TransactWriteItems also takes at most 4 MB: a numbering transaction stops adding invoices at this
# estimate (an invoice item holds no per-SIM detail, a few KB, so this only binds on very long invoices).
NUMBERING_TRANSACTION_BYTES = 2 * 1024 * 1024
IO_THREADS = 8
LAST_DELIVERY_ATTEMPTS = 3  # to count a request on its last delivery as FAILED before working on it


@dataclass(frozen=True, slots=True)
class InvoiceRequest:
    """One customer of one billing run, as delivered from the invoice queue."""

    message_id: str
    account_id: str
    run_id: str
    customer: InvoicedCustomer
    receive_count: int

    @property
    def customer_id(self) -> str:
        return self.customer.id


@dataclass(frozen=True)
class _Run:
    run_id: str
    cycle: BillingCycle
    price_list: PriceList


_NOTHING_READ = CustomerBillingData(invoice=None)

# A warm worker keeps the price lists of the runs it saw, and the last invoice number it allocated.
_runs: OrderedDict[tuple[str, str], _Run] = OrderedDict()
_counters: dict[tuple[str, int], int] = {}


def invoice_number(profile: ResellerProfile, year: int, number: int) -> str:
    """`{prefix}{YYYY}-{NNNNNN}`: the `number`th invoice of the reseller in `year`."""
    return f"{profile.invoice_number_prefix}{year}-{number:06d}"


def _run(account_id: str, run_id: str) -> _Run:
    key = (account_id, run_id)
    if key not in _runs:
        run, price_list = runs_table.get_run_and_price_list(account_id, run_id)
        _runs[key] = _Run(
            run_id=run_id,
            cycle=BillingCycle(run.cycle_start, run.cycle_end, run.proration_days),
            price_list=PriceList.from_json(price_list),
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
    # Requests to AWS are I/O and overlap in a thread pool; composing and rendering are CPU work and run
    # one after the other in this thread.
    with ThreadPoolExecutor(max_workers=IO_THREADS) as pool:
        _issue_group_with(pool, run, account_id, group, failed)


def _issue_group_with(
    pool: ThreadPoolExecutor, run: _Run, account_id: str, group: list[InvoiceRequest], failed: dict[str, Exception]
) -> None:
    outcomes: list[Outcome] = []
    drafts: list[tuple[InvoiceRequest, InvoiceDocument]] = []
    to_store: list[tuple[InvoiceRequest, InvoiceRecord]] = []
    events_due: list[InvoiceRecord] = []
    reads = [
        (request, pool.submit(table.customer_billing_data, account_id, request.customer_id, run.cycle.start))
        for request in group
    ]
    while reads:
        request, read = reads.pop(0)
        try:
            data = read.result()
            del read  # a future keeps its result: the customer's SIMs and usage, not needed once composed
            replaced = data.invoice if data.invoice is not None and _replaceable(data) else None
            if data.invoice is not None and replaced is None and data.invoice.state is InvoiceState.ISSUED:
                outcomes.append(_already_issued(run, data.invoice))
                if not data.invoice.event_published:
                    events_due.append(data.invoice)
            elif data.invoice is not None and replaced is None:
                to_store.append((request, _with_sim_detail(account_id, request, data.invoice, data)))
            else:
                doc = compose_invoice(run.price_list, request.customer, run.cycle, data, utctoday())
                if replaced is not None:
                    doc = _replacement_of(replaced, doc)
                if doc.lines:
                    drafts.append((request, doc))
                else:
                    outcomes.append(Outcome(request.customer_id, RunOutcome.SKIPPED, reason=SkipReason.NO_CHARGES))
        except Exception as error:
            logger.exception("could not compute an invoice", extra={"customer_id": request.customer_id})
            failed[request.message_id] = error
        data = _NOTHING_READ  # nor by this name: a large customer's data is freed before its artefacts render

    for request, invoice in _number(account_id, run, drafts, failed):
        to_store.append((request, invoice))

    outcomes += _render_and_store(pool, run, to_store, failed)
    issued = _record_outcomes(account_id, run.run_id, outcomes, group, failed)
    metrics.add_metric(name="InvoicesIssued", unit="Count", value=len(issued))
    due = [*issued, *events_due]
    try:
        _publish(due)
    except Exception as error:
        logger.exception("could not publish InvoiceIssued events")
        by_customer = {r.customer_id: r.message_id for r in group}
        for invoice in due:
            failed[by_customer[invoice.customer_id]] = error


def _render_and_store(
    pool: ThreadPoolExecutor,
    run: _Run,
    to_store: list[tuple[InvoiceRequest, InvoiceRecord]],
    failed: dict[str, Exception],
) -> list[Outcome]:
    """Render each invoice's artefacts (CPU, in turn), store them (I/O, overlapping): the ISSUED outcomes."""
    rendered: list[tuple[InvoiceRequest, InvoiceRecord, dict[str, Rendered]]] = []
    for request, invoice in to_store:
        try:
            files = render_artifacts(invoice.document, run.price_list.profile)
            rendered.append((request, invoice, files))
        except Exception as error:
            logger.exception("could not render artefacts", extra={"invoice_id": invoice.id})
            failed[request.message_id] = error
    uploads = [
        (request, invoice, pool.submit(_store_artifacts, invoice, files)) for request, invoice, files in rendered
    ]
    outcomes: list[Outcome] = []
    for request, invoice, upload in uploads:
        try:
            outcomes.append(Outcome(request.customer_id, RunOutcome.ISSUED, invoice.id, issue=upload.result()))
        except Exception as error:
            logger.exception("could not store artefacts", extra={"invoice_id": invoice.id})
            failed[request.message_id] = error
    return outcomes


def _replaceable(data: CustomerBillingData) -> bool:
    """A fully credited invoice whose cycle is reopened for the customer: the run issues a replacement."""
    invoice = data.invoice
    return (
        data.reopened
        and invoice is not None
        and invoice.state is InvoiceState.ISSUED
        and invoice.credit_status is CreditStatus.CREDITED
    )


def _replacement_of(replaced: InvoiceRecord, doc: InvoiceDocument) -> InvoiceDocument:
    """The replacement of `replaced`: the next replacement id of its customer and cycle (its number comes
    with numbering); `replaces_invoice_id` follows from that id."""
    parsed = parse_invoice_id(replaced.id)
    assert parsed is not None  # stored invoices carry the ids invoice_id() made
    customer_id, cycle_start, replacement = parsed
    return doc.model_copy(update={"id": invoice_id(customer_id, cycle_start, replacement + 1)})


def _with_sim_detail(
    account_id: str, request: InvoiceRequest, invoice: InvoiceRecord, data: CustomerBillingData
) -> InvoiceRecord:
    """A NUMBERED invoice (numbered, then the worker stopped before issuing it) with its per-SIM detail,
    which the invoice item does not keep: computed again from what it was computed from (its run's price
    list, its customer as the invoice shows it, the SIMs and usage of its closed cycle). The result must be
    the invoice that was numbered, line for line and total for total; anything else fails loudly rather
    than render detail that does not add up to the numbered invoice."""
    stored = invoice.document
    run = _run(account_id, invoice.run_id)
    customer = request.customer.model_copy(
        update={
            "vat_rate": stored.vat_rate,
            "tax_treatment": stored.customer.tax_treatment,
            "tax_exemption_reason": stored.customer.tax_exemption_reason,
            "locale": stored.customer.locale,
        }
    )
    return _detailed(invoice, compose_invoice(run.price_list, customer, run.cycle, data, stored.issue_date))


def _detailed(invoice: InvoiceRecord, computed: InvoiceDocument) -> InvoiceRecord:
    """The stored invoice (its number, dates and customer as numbered) with the per-SIM detail of
    `computed`, which must have its lines and totals."""
    stored = invoice.document
    totals = (computed.net_total, computed.vat_amount, computed.gross_total)
    if computed.lines != stored.lines or totals != (stored.net_total, stored.vat_amount, stored.gross_total):
        raise RuntimeError(
            f"invoice {invoice.id} computed again differs from the numbered {invoice.invoice_number}: net "
            f"{computed.net_total} against {stored.net_total}, {len(computed.lines)} lines against {len(stored.lines)}"
        )
    return invoice.model_copy(update={"document": stored.model_copy(update={"sims": computed.sims})})


def _record_outcomes(
    account_id: str, run_id: str, outcomes: list[Outcome], group: list[InvoiceRequest], failed: dict[str, Exception]
) -> list[InvoiceRecord]:
    """Record the outcomes together; if DynamoDB refuses the request itself (conditions record_outcomes
    settles on its own), record each on its own, so that one customer's failure fails only its request."""
    try:
        return runs_table.record_outcomes(account_id, run_id, outcomes)
    except Exception as error:
        if len(outcomes) <= 1 or not refused_as_invalid(error):
            raise  # a throttled or unreachable table fails the batch: its messages are delivered again
        logger.exception("DynamoDB refused the batch's outcomes; recording them one by one")
    by_customer = {r.customer_id: r.message_id for r in group}
    issued: list[InvoiceRecord] = []
    for outcome in outcomes:
        try:
            issued += runs_table.record_outcomes(account_id, run_id, [outcome])
        except Exception as error:
            logger.exception("could not record an outcome", extra={"customer_id": outcome.customer_id})
            failed[by_customer[outcome.customer_id]] = error
    return issued


def _already_issued(run: _Run, invoice: InvoiceRecord) -> Outcome:
    if invoice.run_id == run.run_id:
        return Outcome(invoice.customer_id, RunOutcome.ISSUED, invoice.id)
    return Outcome(invoice.customer_id, RunOutcome.SKIPPED, invoice.id, reason=SkipReason.ALREADY_INVOICED)


def _number(
    account_id: str,
    run: _Run,
    drafts: list[tuple[InvoiceRequest, InvoiceDocument]],
    failed: dict[str, Exception],
) -> list[tuple[InvoiceRequest, InvoiceRecord]]:
    """Give each draft the next number and create its invoice, in one transaction with the counter.

    The invoices of one transaction are issued on one UTC date, taken after the counter's value is known:
    a transaction that commits follows every earlier one, so numbers increase with issue dates, and YYYY
    in a number is its issue date's year (each year has a counter of its own). Drafts whose invoice
    turns out to exist (another delivery of the same request got there first) are returned as that
    existing invoice, to be finished rather than created.

    A transaction takes TRANSACTION_ACTIONS actions or NUMBERING_TRANSACTION_BYTES, whichever comes
    first. One DynamoDB refuses as invalid (an item over its size limit, say) is tried again one invoice
    at a time: a draft refused on its own fails its request (in `failed`), not the others."""
    profile = run.price_list.profile
    ready: list[tuple[InvoiceRequest, InvoiceRecord]] = []
    pending = sorted(drafts, key=lambda d: d[1].customer.customer_number)
    sizes = {doc.id: _estimated_bytes(account_id, run, request, doc) for request, doc in pending}
    alone: set[str] = set()  # drafts whose transaction was refused: numbered one per transaction
    attempts = 0
    while pending:
        if attempts == NUMBERING_ATTEMPTS:
            _counters.clear()
            raise TransientError(
                "invoice numbering kept colliding with other workers", code=ErrorCode.NUMBERING_CONTENTION
            )
        year = utctoday().year
        last = _counters.get((account_id, year))
        if last is None:
            last = table.read_counter(account_id, year)
        issue_date = utctoday()
        if issue_date.year != year:
            continue  # midnight of New Year's Eve passed meanwhile: the new year's counter
        chunk = _transaction_chunk(pending, sizes, alone)
        invoices = [
            _numbered_invoice(
                account_id,
                run,
                request,
                numbered(doc, invoice_number(profile, year, last + offset), issue_date, profile.payment_terms_days),
            )
            for offset, (request, doc) in enumerate(chunk, start=1)
        ]
        try:
            table.insert_numbered(account_id, year, last, invoices)
        except InvoicesExist as exists:
            ready += _numbered_meanwhile(chunk, exists.existing, failed)
            pending = [(request, doc) for request, doc in pending if doc.id not in exists.existing]
            continue
        except (CounterMoved, TransientError):
            _counters.pop((account_id, year), None)
            time.sleep(min(0.02 * 2**attempts, 0.5))
            attempts += 1
            continue
        except Exception as error:
            if not refused_as_invalid(error):
                raise
            if len(chunk) > 1:
                logger.exception("a numbering transaction was refused; numbering its invoices one by one")
                alone.update(doc.id for _, doc in chunk)
            else:
                request, doc = chunk[0]
                logger.exception("could not number an invoice", extra={"invoice_id": doc.id})
                failed[request.message_id] = error
                pending = pending[1:]
            continue
        _counters[(account_id, year)] = last + len(invoices)
        ready += list(zip((request for request, _ in chunk), invoices, strict=True))
        pending = pending[len(chunk) :]
    return ready


def _numbered_meanwhile(
    chunk: list[tuple[InvoiceRequest, InvoiceDocument]],
    existing: dict[str, InvoiceRecord],
    failed: dict[str, Exception],
) -> list[tuple[InvoiceRequest, InvoiceRecord]]:
    """The invoices of drafts another worker numbered first, with the drafts' per-SIM detail (the stored
    invoice has none), to be finished."""
    ready = []
    for request, doc in chunk:
        if doc.id in existing:
            try:
                ready.append((request, _detailed(existing[doc.id], doc)))
            except Exception as error:
                logger.exception("an invoice numbered meanwhile differs", extra={"invoice_id": doc.id})
                failed[request.message_id] = error
    return ready


def _estimated_bytes(account_id: str, run: _Run, request: InvoiceRequest, doc: InvoiceDocument) -> int:
    # Numbering adds a few bytes (the number, twice): room for them on the safe side.
    return table.numbered_item_bytes(_numbered_invoice(account_id, run, request, doc.numbered("X" * 64)))


def _transaction_chunk(
    pending: list[tuple[InvoiceRequest, InvoiceDocument]], sizes: dict[str, int], alone: set[str]
) -> list[tuple[InvoiceRequest, InvoiceDocument]]:
    """The drafts the next numbering transaction takes, from the first: within both limits, at least one."""
    if pending[0][1].id in alone:
        return pending[:1]
    total, actions = 0, 1  # the counter
    chunk: list[tuple[InvoiceRequest, InvoiceDocument]] = []
    for request, doc in pending:
        total += sizes[doc.id]
        actions += 1 if replaced_invoice_id(doc.id) is None else 3
        if doc.id in alone or actions > TRANSACTION_ACTIONS or (chunk and total > NUMBERING_TRANSACTION_BYTES):
            break
        chunk.append((request, doc))
    return chunk


def _numbered_invoice(account_id: str, run: _Run, request: InvoiceRequest, doc: InvoiceDocument) -> InvoiceRecord:
    assert doc.invoice_number is not None  # numbered() gave it one
    return InvoiceRecord(
        id=doc.id,
        account_id=account_id,
        customer_id=request.customer_id,
        run_id=run.run_id,
        invoice_number=doc.invoice_number,
        state=InvoiceState.NUMBERED,
        document=doc,
        created_at=utcnow(),
        replaces_invoice_id=replaced_invoice_id(doc.id),
    )


def _store_artifacts(invoice: InvoiceRecord, files: dict[str, Rendered]) -> InvoiceRecord:
    """Store the rendered artefacts; returns the invoice with them."""
    stored = {name: artifacts.store(invoice.account_id, invoice.id, name, body) for name, body in files.items()}
    return invoice.model_copy(update={"artifacts": stored})


def _publish(invoices: list[InvoiceRecord]) -> None:
    if not invoices:
        return
    events.publish(
        [
            InvoiceIssued(
                invoice_id=invoice.id,
                invoice_number=invoice.invoice_number,
                account_id=invoice.account_id,
                customer_id=invoice.customer_id,
                currency=invoice.document.currency,
                billing_date=invoice.document.billing_date,
                issue_date=invoice.document.issue_date,
                due_date=invoice.document.due_date,
                cycle_start=invoice.document.cycle_start,
                cycle_end=invoice.document.cycle_end,
                net_total=invoice.document.net_total,
                vat_amount=invoice.document.vat_amount,
                gross_total=invoice.document.gross_total,
                artifacts={n: ArtifactInfo(sha256=a.sha256, size=a.size) for n, a in invoice.artifacts.items()},
                issued_at=invoice.issued_at or utcnow(),
            )
            for invoice in invoices
        ]
    )
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
                request.customer_id,
                Outcome(request.customer_id, RunOutcome.FAILED, reason="the last delivery did not finish"),
            )
    for (account_id, run_id), outcomes in due.items():
        for attempt in range(LAST_DELIVERY_ATTEMPTS):
            try:
                runs_table.record_outcomes(account_id, run_id, list(outcomes.values()))
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
            runs_table.record_outcomes(
                request.account_id, request.run_id, [Outcome(request.customer_id, RunOutcome.FAILED, reason=reason)]
            )
        except Exception:
            logger.exception("could not record a failed invoice request", extra={"customer_id": request.customer_id})
