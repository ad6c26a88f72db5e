"""Billing in the table: runs and their counters, cycle closures, the invoice counter, invoices.

Gapless numbering: an invoice item is created in the same transaction that moves its reseller's counter
for the year, conditional on the counter still holding the value read. Either both happen or neither,
so a number is never skipped (no number without its invoice) nor reused (the counter only moves on)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from pynamodb.exceptions import DoesNotExist, PutError

from reseller_billing.dal.items import (
    AccountItem,
    BillingRunItem,
    BillingRunOutcome,
    CustomerItem,
    CycleClosure,
    FanoutPage,
    InvoiceCounter,
    InvoiceItem,
    ListingIndex,
    SimItem,
    TableItem,
    UsageTotalItem,
    account_pk,
    customer_pk,
    descending_date,
)
from reseller_billing.dal.pagination import Page, query_page
from reseller_billing.dal.writes import Transaction, TransactionFailed, condition_failed
from reseller_billing.errors import NotFoundError
from reseller_billing.models.common import utcnow

ISSUED = "ISSUED"
NUMBERED = "NUMBERED"
# An outcome puts its outcome item and may issue its invoice; with the run's counters, 45 stay under the
# 100 items TransactWriteItems takes.
OUTCOMES_PER_TRANSACTION = 45


def invoices_partition(account_id: str) -> str:
    return f"{account_pk(account_id)}#INVOICES"


# --- resellers due and runs ----------------------------------------------------------------------


def resellers_invoicing_on(day: int) -> Iterator[AccountItem]:
    """Resellers with customer invoicing on whose billing-cycle day is `day` (sparse GSI2, paged)."""
    for item in TableItem.invoicing_day.query(f"INVOICING_DAY#{day:02d}"):
        if isinstance(item, AccountItem):
            yield item


def insert_run(run: BillingRunItem) -> BillingRunItem:
    """Create the run; if a run with this id exists (a schedule fired twice) return that one instead."""
    try:
        run.save(condition=BillingRunItem.pk.does_not_exist())
    except PutError as error:
        if not condition_failed(error):
            raise
        return get_run(run.account_id, run.id)
    return run


def get_run(account_id: str, run_id: str) -> BillingRunItem:
    try:
        return BillingRunItem.get(*BillingRunItem.key(account_id, run_id), consistent_read=True)
    except DoesNotExist:
        raise NotFoundError(f"billing run {run_id} not found") from None


def list_runs(account_id: str, limit: int, cursor: str | None) -> Page[BillingRunItem]:
    return query_page(
        BillingRunItem,
        account_pk(account_id),
        BillingRunItem.sk.startswith("BILLING_RUN#"),
        limit=limit,
        cursor=cursor,
        newest_first=True,
    )


def mark_fanout_enqueued(run: BillingRunItem) -> None:
    run.update(actions=[BillingRunItem.fanout_enqueued.set(True)])


def close_cycle(account_id: str, cycle_start: date) -> None:
    """From now on usage, SIM activations and status changes dated in this cycle are refused."""
    closure = CycleClosure(*CycleClosure.key(account_id, cycle_start), cycle_start=cycle_start, closed_at=utcnow())
    try:
        closure.save(condition=CycleClosure.pk.does_not_exist())
    except PutError as error:
        if not condition_failed(error):
            raise


def customers_page(account_id: str, limit: int, cursor: str | None) -> Page[CustomerItem]:
    return query_page(
        CustomerItem, account_pk(account_id), CustomerItem.sk.startswith("CUSTOMER#"), limit=limit, cursor=cursor
    )


def record_fanout_page(account_id: str, run_id: str, page: int, customers: int, *, last: bool) -> None:
    """Count a page of customers sent to the invoice queue, once even if the page is redelivered."""
    tx = Transaction()
    tx.put(
        FanoutPage(*FanoutPage.key(account_id, run_id, page), customers=customers),
        "page",
        FanoutPage.pk.does_not_exist(),
    )
    actions = [BillingRunItem.customers.add(customers), BillingRunItem.updated_at.set(utcnow())]
    if last:
        actions.append(BillingRunItem.fanout_complete.set(True))
    tx.update(BillingRunItem(*BillingRunItem.key(account_id, run_id)), "run", actions)
    try:
        tx.commit()
    except TransactionFailed:
        return  # this page was counted before


# --- one customer's billing data -----------------------------------------------------------------


@dataclass
class CustomerBillingData:
    invoice: InvoiceItem | None
    sims: list[SimItem] = field(default_factory=list)
    usage: list[UsageTotalItem] = field(default_factory=list)


def customer_billing_data(account_id: str, customer_id: str, cycle_start: date, cycle_end: date) -> CustomerBillingData:
    """The customer's invoice for the cycle (if any), its SIMs and its usage in the cycle, in one Query:
    SK from INVOICE#{cycle_start} (this cycle's invoice and later ones) over SIM#... to
    USAGE#{~cycle_start}#~ (daily totals from the cycle start on, newest first)."""
    data = CustomerBillingData(invoice=None)
    upper = f"USAGE#{descending_date(cycle_start)}#~"
    for item in TableItem.query(
        customer_pk(account_id, customer_id),
        TableItem.sk.between(f"INVOICE#{cycle_start.isoformat()}", upper),
        consistent_read=True,
    ):
        if isinstance(item, SimItem):
            data.sims.append(item)
        elif isinstance(item, UsageTotalItem):
            if item.usage_date <= cycle_end:
                data.usage.append(item)
        elif isinstance(item, InvoiceItem) and item.sk == f"INVOICE#{cycle_start.isoformat()}":
            data.invoice = item
    return data


# --- numbering, issuing, outcomes ----------------------------------------------------------------


def read_counter(account_id: str, year: int) -> int:
    try:
        return InvoiceCounter.get(*InvoiceCounter.key(account_id, year), consistent_read=True).last_number
    except DoesNotExist:
        return 0


class CounterMoved(Exception):
    """Another worker numbered invoices since the counter was read."""


class InvoicesExist(Exception):
    def __init__(self, existing: dict[str, InvoiceItem]):
        super().__init__(f"{len(existing)} invoices exist already")
        self.existing = existing  # invoice id -> the stored invoice


def insert_numbered(account_id: str, year: int, last_number: int, invoices: Sequence[InvoiceItem]) -> None:
    """Create `invoices` (already carrying numbers last_number+1 ...) and move the counter to their last
    number, in one transaction. CounterMoved / InvoicesExist say why it did not happen."""
    tx = Transaction()
    counter = InvoiceCounter(*InvoiceCounter.key(account_id, year))
    new_last = last_number + len(invoices)
    unchanged = InvoiceCounter.pk.does_not_exist() if last_number == 0 else InvoiceCounter.last_number == last_number
    tx.update(
        counter,
        "counter",
        [InvoiceCounter.last_number.set(new_last), InvoiceCounter.entity.set(InvoiceCounter)],
        unchanged,
    )
    for invoice in invoices:
        tx.put(invoice, f"invoice:{invoice.id}", InvoiceItem.pk.does_not_exist())
    try:
        tx.commit()
    except TransactionFailed as failure:
        existing = {
            label.split(":", 1)[1]: InvoiceItem.from_raw_data(raw)
            for label, raw in failure.failed.items()
            if label.startswith("invoice:") and raw
        }
        if existing:
            raise InvoicesExist(existing) from None
        raise CounterMoved() from None


@dataclass(frozen=True, slots=True)
class Outcome:
    customer_id: str
    outcome: str  # ISSUED, SKIPPED, FAILED
    invoice_id: str | None = None
    reason: str | None = None
    issue: InvoiceItem | None = None  # the NUMBERED invoice this outcome moves to ISSUED


def _outcome_item(account_id: str, run_id: str, outcome: Outcome) -> BillingRunOutcome:
    return BillingRunOutcome(
        *BillingRunOutcome.key(account_id, run_id, outcome.customer_id),
        outcome=outcome.outcome,
        invoice_id=outcome.invoice_id,
        reason=outcome.reason,
    )


_COUNTERS = {"ISSUED": BillingRunItem.issued, "SKIPPED": BillingRunItem.skipped, "FAILED": BillingRunItem.failed}


def _issue(tx: Transaction, invoice: InvoiceItem) -> None:
    invoice.status = ISSUED
    invoice.issued_at = utcnow()
    invoice.gsi1pk = invoices_partition(invoice.account_id)
    invoice.gsi1sk = f"{invoice.customer_id}#{invoice.sk.removeprefix('INVOICE#')}"
    tx.update(
        invoice,
        f"issue:{invoice.customer_id}",
        [
            InvoiceItem.status.set(ISSUED),
            InvoiceItem.artifacts.set(invoice.artifacts),
            InvoiceItem.issued_at.set(invoice.issued_at),
            InvoiceItem.gsi1pk.set(invoice.gsi1pk),
            InvoiceItem.gsi1sk.set(invoice.gsi1sk),
        ],
        InvoiceItem.status == NUMBERED,
    )


def record_outcomes(account_id: str, run_id: str, outcomes: Sequence[Outcome]) -> list[InvoiceItem]:
    """Issue the invoices these outcomes carry and count each customer's outcome in the run, once.

    One transaction for the whole batch; if a condition fails (a redelivered message whose outcome or
    issue is already recorded), the outcomes it names are settled on their own and the others recorded
    together again. Returns the invoices this call moved to ISSUED (their InvoiceIssued events are due)."""
    issued: list[InvoiceItem] = []
    for start in range(0, len(outcomes), OUTCOMES_PER_TRANSACTION):
        issued += _record_chunk(account_id, run_id, outcomes[start : start + OUTCOMES_PER_TRANSACTION])
    return issued


def _record_chunk(account_id: str, run_id: str, outcomes: Sequence[Outcome]) -> list[InvoiceItem]:
    try:
        _record(account_id, run_id, outcomes)
        return [o.issue for o in outcomes if o.issue is not None]
    except TransactionFailed as failure:
        cancelled = failure
    # The cancellation names the customers whose conditions failed. Settling only those, and recording the
    # others in one transaction again, keeps a redelivered batch at a few writes rather than one per
    # customer (each of which could fail the whole batch once more).
    named = {label.partition(":")[2] for label in cancelled.failed}
    others = [o for o in outcomes if o.customer_id not in named]
    if len(others) == len(outcomes):
        raise RuntimeError(f"a cancelled transaction named no outcome: {sorted(cancelled.failed)}")
    issued = _record_chunk(account_id, run_id, others) if others else []
    for outcome in outcomes:
        if outcome.customer_id in named:
            issued += _record_one_again(account_id, run_id, outcome, cancelled)
    return issued


def _record(account_id: str, run_id: str, outcomes: Sequence[Outcome]) -> None:
    tx = Transaction()
    counts = {"ISSUED": 0, "SKIPPED": 0, "FAILED": 0}
    for outcome in outcomes:
        if outcome.issue is not None:
            _issue(tx, outcome.issue)
        tx.put(
            _outcome_item(account_id, run_id, outcome),
            f"outcome:{outcome.customer_id}",
            BillingRunOutcome.pk.does_not_exist(),
        )
        counts[outcome.outcome] += 1
    actions = [_COUNTERS[kind].add(n) for kind, n in counts.items() if n]
    tx.update(
        BillingRunItem(*BillingRunItem.key(account_id, run_id)),
        "run",
        [*actions, BillingRunItem.updated_at.set(utcnow())],
    )
    tx.commit()


def _record_one_again(account_id: str, run_id: str, outcome: Outcome, failure: TransactionFailed) -> list[InvoiceItem]:
    """An outcome whose transaction failed: its outcome was already counted (a redelivery), or its invoice
    was already issued by another worker, or its earlier outcome was FAILED and it now succeeded."""
    customer = outcome.customer_id
    earlier = failure.failed.get(f"outcome:{customer}")
    was_failed = earlier is not None and earlier.get("outcome", {}).get("S") == "FAILED"
    issue = outcome.issue if f"issue:{customer}" not in failure.failed else None
    if was_failed and outcome.outcome != "FAILED":
        return _recount_failed(account_id, run_id, outcome, issue)
    issued: list[InvoiceItem] = []
    if issue is not None:
        tx = Transaction()
        _issue(tx, issue)
        try:
            tx.commit()
            issued.append(issue)
        except TransactionFailed:
            pass
    if was_failed and outcome.reason:
        # Counted FAILED when its last delivery began, and failed: keep why (the count stays as it is).
        tx = Transaction()
        tx.put(_outcome_item(account_id, run_id, outcome), "outcome", BillingRunOutcome.outcome == "FAILED")
        with contextlib.suppress(TransactionFailed):
            tx.commit()
    elif f"outcome:{customer}" not in failure.failed:
        with contextlib.suppress(TransactionFailed):
            _record(account_id, run_id, [Outcome(customer, outcome.outcome, outcome.invoice_id, outcome.reason)])
    return issued


def _recount_failed(account_id: str, run_id: str, outcome: Outcome, issue: InvoiceItem | None) -> list[InvoiceItem]:
    """A customer counted FAILED (when its last delivery began, or before its message was redriven from the
    DLQ) that has now succeeded: issue its invoice and move its count from FAILED in one transaction, so
    that an issued invoice is never left counted as a failure."""
    tx = Transaction()
    if issue is not None:
        _issue(tx, issue)
    tx.put(_outcome_item(account_id, run_id, outcome), "outcome", BillingRunOutcome.outcome == "FAILED")
    tx.update(
        BillingRunItem(*BillingRunItem.key(account_id, run_id)),
        "run",
        [BillingRunItem.failed.add(-1), _COUNTERS[outcome.outcome].add(1), BillingRunItem.updated_at.set(utcnow())],
    )
    try:
        tx.commit()
    except TransactionFailed as failure:
        if issue is not None and set(failure.failed) == {f"issue:{outcome.customer_id}"}:
            return _recount_failed(account_id, run_id, outcome, None)  # issued meanwhile by another worker
        return []  # recounted meanwhile by another worker
    return [issue] if issue is not None else []


def mark_events_published(invoices: Sequence[InvoiceItem]) -> None:
    for start in range(0, len(invoices), 100):
        tx = Transaction()
        for invoice in invoices[start : start + 100]:
            tx.update(invoice, invoice.id, [InvoiceItem.event_published.set(True)])
        tx.commit()


# --- reading invoices ----------------------------------------------------------------------------


def get_invoice(account_id: str, customer_id: str, cycle_start: date) -> InvoiceItem | None:
    try:
        return InvoiceItem.get(*InvoiceItem.key(account_id, customer_id, cycle_start), consistent_read=True)
    except DoesNotExist:
        return None


def list_invoices(account_id: str, customer_id: str | None, limit: int, cursor: str | None) -> Page[InvoiceItem]:
    """Issued invoices, by customer then cycle (GSI1: ACCOUNT#{aid}#INVOICES / {cid}#{cycle_start})."""
    condition = ListingIndex.gsi1sk.startswith(f"{customer_id}#") if customer_id else None
    return query_page(InvoiceItem, invoices_partition(account_id), condition, limit=limit, cursor=cursor, index="GSI1")
