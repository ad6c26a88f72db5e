"""Billing runs in the table: the resellers due on a day, runs and their price lists, cycle closures,
fan-out pages, and each customer's outcome counted once."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from reseller_billing.dal import invoices
from reseller_billing.dal.items import (
    AccountItem,
    ActiveRun,
    BillingRunItem,
    BillingRunOutcome,
    CycleClosure,
    FanoutPage,
    InvoicingDayMarker,
    TableItem,
    account_pk,
)
from reseller_billing.dal.pagination import query_page
from reseller_billing.dal.writes import Transaction, TransactionFailed, condition_failed
from reseller_billing.errors import NotFoundError
from reseller_billing.models.billing_runs import BillingRunRecord, FanoutPageRecord, RunOutcome, RunTrigger
from reseller_billing.models.common import Page, utcnow
from reseller_billing.models.invoices import InvoiceRecord

# An outcome puts its outcome item and may issue its invoice; with the run's counters, 45 stay under the
# 100 items TransactWriteItems takes.
OUTCOMES_PER_TRANSACTION = 45
# TransactWriteItems also takes at most 4 MB; outcomes are small (the issue sets the artefacts' keys and
# hashes, never the document), so this bound is a guard, estimated from the serialised writes.
OUTCOME_TRANSACTION_BYTES = 2 * 1024 * 1024


def _run(item: BillingRunItem) -> BillingRunRecord:
    return BillingRunRecord(
        id=item.id,
        account_id=item.account_id,
        run_date=item.run_date,
        cycle_start=item.cycle_start,
        cycle_end=item.cycle_end,
        proration_days=item.proration_days or (item.cycle_end - item.cycle_start).days + 1,
        trigger=RunTrigger(item.trigger),
        fanout_enqueued=item.fanout_enqueued,
        fanout_complete=item.fanout_complete,
        counts_pages=item.counts_pages,
        fanout_pages=item.fanout_pages,
        fanout_last_page=item.fanout_last_page,
        customers=item.customers,
        issued=item.issued,
        skipped=item.skipped,
        failed=item.failed,
        requeued=item.requeued,
        customer_ids=tuple(sorted(item.customer_ids)) if item.customer_ids else None,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _run_item(account_id: str, run_id: str) -> BillingRunItem:
    return BillingRunItem(*BillingRunItem.key(account_id, run_id))


# --- resellers due and runs ----------------------------------------------------------------------


def resellers_invoicing_on(day: int) -> Iterator[str]:
    """Ids of the resellers with customer invoicing on that may have a run date on day `day` of a month:
    `day` is in their billing-cycle history (sparse GSI2, paged). Accounts saved before the history
    existed are in the index themselves, by their one cycle day."""
    seen: set[str] = set()
    for item in TableItem.invoicing_day.query(InvoicingDayMarker.index_key(day)):
        account_id = item.account_id if isinstance(item, InvoicingDayMarker) else None
        if isinstance(item, AccountItem):
            account_id = item.id
        if account_id is not None and account_id not in seen:
            seen.add(account_id)
            yield account_id


class RunExists(Exception):
    """A run with this id exists already (the schedule fired again)."""

    def __init__(self, run: BillingRunRecord):
        super().__init__(f"billing run {run.id} exists")
        self.run = run


class ActiveRunMoved(Exception):
    """Another run became the cycle's active run since it was read."""


def active_run(account_id: str, cycle_start: date) -> BillingRunRecord | None:
    """The run that last started billing this cycle (also when it has finished), if any."""
    try:
        marker = ActiveRun.get(*ActiveRun.key(account_id, cycle_start), consistent_read=True)
    except DoesNotExist:
        return None
    return get_run(account_id, marker.run_id)


def insert_run(run: BillingRunRecord, price_list: dict[str, Any], replacing: str | None) -> BillingRunRecord:
    """Create the run with the price list it bills with, and make it its cycle's active run, in one
    transaction: only if the active run is still `replacing` (None: there is none). RunExists if a run with
    this id exists (a schedule fired twice), ActiveRunMoved if another run took the cycle meanwhile."""
    item = BillingRunItem(
        *BillingRunItem.key(run.account_id, run.id),
        id=run.id,
        account_id=run.account_id,
        run_date=run.run_date,
        cycle_start=run.cycle_start,
        cycle_end=run.cycle_end,
        proration_days=run.proration_days,
        trigger=run.trigger.value,
        snapshot=price_list,
        counts_pages=True,
        customer_ids=set(run.customer_ids) if run.customer_ids else None,
        created_at=run.created_at,
        updated_at=run.updated_at,
    )
    item.list_as_unfinished()
    marker = ActiveRun(*ActiveRun.key(run.account_id, run.cycle_start), run_id=run.id)
    tx = Transaction()
    tx.put(item, "run", BillingRunItem.pk.does_not_exist())
    tx.put(marker, "active", ActiveRun.pk.does_not_exist() if replacing is None else ActiveRun.run_id == replacing)
    try:
        tx.commit()
    except TransactionFailed as failure:
        if "run" in failure.failed:
            raise RunExists(get_run(run.account_id, run.id)) from None
        raise ActiveRunMoved() from None
    return _run(item)


def _get_item(account_id: str, run_id: str) -> BillingRunItem:
    try:
        return BillingRunItem.get(*BillingRunItem.key(account_id, run_id), consistent_read=True)
    except DoesNotExist:
        raise NotFoundError(f"billing run {run_id} not found") from None


def get_run(account_id: str, run_id: str) -> BillingRunRecord:
    return _run(_get_item(account_id, run_id))


def get_run_and_price_list(account_id: str, run_id: str) -> tuple[BillingRunRecord, dict[str, Any]]:
    """The run and the price list stored with it, in one read."""
    item = _get_item(account_id, run_id)
    return _run(item), item.snapshot


def list_runs(account_id: str, limit: int, cursor: str | None) -> Page[BillingRunRecord]:
    return query_page(
        BillingRunItem,
        _run,
        account_pk(account_id),
        BillingRunItem.sk.startswith("BILLING_RUN#"),
        limit=limit,
        cursor=cursor,
        newest_first=True,
    )


def mark_fanout_enqueued(run: BillingRunRecord) -> BillingRunRecord:
    _run_item(run.account_id, run.id).update(actions=[BillingRunItem.fanout_enqueued.set(True)])
    return run.model_copy(update={"fanout_enqueued": True})


def close_cycle(account_id: str, cycle_start: date) -> None:
    """From now on usage, SIM activations and status changes dated in this cycle are refused."""
    closure = CycleClosure(*CycleClosure.key(account_id, cycle_start), cycle_start=cycle_start, closed_at=utcnow())
    try:
        closure.save(condition=CycleClosure.pk.does_not_exist())
    except PutError as error:
        if not condition_failed(error):
            raise


def record_fanout_page(
    account_id: str, run_id: str, page: int, customer_ids: Sequence[str], next_cursor: str | None
) -> None:
    """Record a page of customers sent to the invoice queue and count them, once even if the page is
    redelivered; `next_cursor` None: the run's last page."""
    tx = Transaction()
    tx.put(
        FanoutPage(
            *FanoutPage.key(account_id, run_id, page),
            customers=len(customer_ids),
            customer_ids=set(customer_ids),
            next_cursor=next_cursor,
        ),
        "page",
        FanoutPage.pk.does_not_exist(),
    )
    actions = [
        BillingRunItem.customers.add(len(customer_ids)),
        BillingRunItem.fanout_pages.add(1),
        BillingRunItem.updated_at.set(utcnow()),
    ]
    if next_cursor is None:
        actions += [BillingRunItem.fanout_complete.set(True), BillingRunItem.fanout_last_page.set(page)]
    tx.update(_run_item(account_id, run_id), "run", actions)
    try:
        tx.commit()
    except TransactionFailed:
        return  # this page was counted before


# --- reconciliation ------------------------------------------------------------------------------


def unfinished_runs() -> Iterator[tuple[str, str]]:
    """(account id, run id) of every run the reconciler has not yet seen final (sparse GSI3, paged)."""
    for item in TableItem.unfinished_runs.query("UNFINISHED_RUNS"):
        if isinstance(item, BillingRunItem):
            yield item.account_id, item.id


def forget_finished(account_id: str, run_id: str) -> None:
    """Take a final run off the list of unfinished ones."""
    _run_item(account_id, run_id).update(actions=[BillingRunItem.gsi3pk.remove(), BillingRunItem.gsi3sk.remove()])


def mark_requeued(account_id: str, run_id: str) -> None:
    """Note that the reconciler enqueued what the run left undone (and that it moved, now)."""
    _run_item(account_id, run_id).update(
        actions=[BillingRunItem.requeued.add(1), BillingRunItem.updated_at.set(utcnow())]
    )


def fanout_pages(account_id: str, run_id: str) -> Iterator[FanoutPageRecord]:
    """The pages a run has recorded, in page order (a Query, paged)."""
    partition = FanoutPage.key(account_id, run_id, 0)[0]
    for item in FanoutPage.query(partition, FanoutPage.sk.startswith("PAGE#"), consistent_read=True):
        yield FanoutPageRecord(
            page=int(item.sk.removeprefix("PAGE#")),
            customer_ids=tuple(sorted(item.customer_ids or ())),
            next_cursor=item.next_cursor,
        )


def counted_customers(account_id: str, run_id: str, first: str, last: str) -> set[str]:
    """The customers with ids from `first` to `last` whose outcome the run has counted."""
    partition, low = BillingRunOutcome.key(account_id, run_id, first)
    high = BillingRunOutcome.key(account_id, run_id, last)[1]
    query = BillingRunOutcome.query(
        partition,
        BillingRunOutcome.sk.between(low, high),
        consistent_read=True,
        attributes_to_get=["PK", "SK", "entity"],
    )
    return {item.sk.removeprefix("CUSTOMER#") for item in query}


# --- outcomes ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a run did for one customer, and the NUMBERED invoice (its artefacts stored) it issues, if any."""

    customer_id: str
    outcome: RunOutcome
    invoice_id: str | None = None
    reason: str | None = None
    issue: InvoiceRecord | None = None


def _outcome_item(account_id: str, run_id: str, outcome: Outcome) -> BillingRunOutcome:
    return BillingRunOutcome(
        *BillingRunOutcome.key(account_id, run_id, outcome.customer_id),
        outcome=outcome.outcome.value,
        invoice_id=outcome.invoice_id,
        reason=outcome.reason,
    )


_COUNTERS = {
    RunOutcome.ISSUED: BillingRunItem.issued,
    RunOutcome.SKIPPED: BillingRunItem.skipped,
    RunOutcome.FAILED: BillingRunItem.failed,
}


def record_outcomes(account_id: str, run_id: str, outcomes: Sequence[Outcome]) -> list[InvoiceRecord]:
    """Issue the invoices these outcomes carry and count each customer's outcome in the run, once.

    One transaction for the whole batch; if a condition fails (a redelivered message whose outcome or
    issue is already recorded), the outcomes it names are settled on their own and the others recorded
    together again. Returns the invoices this call moved to ISSUED (their InvoiceIssued events are due)."""
    issued: list[InvoiceRecord] = []
    chunk: list[Outcome] = []
    size = 0
    for outcome in outcomes:
        outcome_size = _estimated_bytes(account_id, run_id, outcome)
        if chunk and (len(chunk) == OUTCOMES_PER_TRANSACTION or size + outcome_size > OUTCOME_TRANSACTION_BYTES):
            issued += _record_chunk(account_id, run_id, chunk)
            chunk, size = [], 0
        chunk.append(outcome)
        size += outcome_size
    if chunk:
        issued += _record_chunk(account_id, run_id, chunk)
    return issued


def _estimated_bytes(account_id: str, run_id: str, outcome: Outcome) -> int:
    """What an outcome adds to a transaction, on the safe side: its outcome item as request JSON, and the
    attributes its invoice's issue sets."""
    size = len(json.dumps(_outcome_item(account_id, run_id, outcome).serialize(), default=str))
    if outcome.issue is not None:
        size += 1024 + len(json.dumps({n: a.model_dump() for n, a in outcome.issue.artifacts.items()}))
    return size


def _record_chunk(account_id: str, run_id: str, outcomes: Sequence[Outcome]) -> list[InvoiceRecord]:
    try:
        return _record(account_id, run_id, outcomes)
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


def _record(account_id: str, run_id: str, outcomes: Sequence[Outcome]) -> list[InvoiceRecord]:
    tx = Transaction()
    issued: list[InvoiceRecord] = []
    counts = dict.fromkeys(RunOutcome, 0)
    for outcome in outcomes:
        if outcome.issue is not None:
            issued.append(invoices.issue_in(tx, outcome.issue))
        tx.put(
            _outcome_item(account_id, run_id, outcome),
            f"outcome:{outcome.customer_id}",
            BillingRunOutcome.pk.does_not_exist(),
        )
        counts[outcome.outcome] += 1
    actions = [_COUNTERS[kind].add(n) for kind, n in counts.items() if n]
    tx.update(_run_item(account_id, run_id), "run", [*actions, BillingRunItem.updated_at.set(utcnow())])
    tx.commit()
    return issued


def _record_one_again(
    account_id: str, run_id: str, outcome: Outcome, failure: TransactionFailed
) -> list[InvoiceRecord]:
    """An outcome whose transaction failed: its outcome was already counted (a redelivery), or its invoice
    was already issued by another worker, or its earlier outcome was FAILED and it now succeeded."""
    customer = outcome.customer_id
    earlier = failure.failed.get(f"outcome:{customer}")
    was_failed = earlier is not None and earlier.get("outcome", {}).get("S") == RunOutcome.FAILED.value
    issue = outcome.issue if f"issue:{customer}" not in failure.failed else None
    if was_failed and outcome.outcome is not RunOutcome.FAILED:
        return _recount_failed(account_id, run_id, outcome, issue)
    issued: list[InvoiceRecord] = []
    if issue is not None:
        tx = Transaction()
        issuing = invoices.issue_in(tx, issue)
        try:
            tx.commit()
            issued.append(issuing)
        except TransactionFailed:
            pass
    if was_failed and outcome.reason:
        # Counted FAILED when its last delivery began, and failed: keep why (the count stays as it is).
        tx = Transaction()
        tx.put(
            _outcome_item(account_id, run_id, outcome),
            "outcome",
            BillingRunOutcome.outcome == RunOutcome.FAILED.value,
        )
        with contextlib.suppress(TransactionFailed):
            tx.commit()
    elif f"outcome:{customer}" not in failure.failed:
        with contextlib.suppress(TransactionFailed):
            _record(account_id, run_id, [Outcome(customer, outcome.outcome, outcome.invoice_id, outcome.reason)])
    return issued


def _recount_failed(account_id: str, run_id: str, outcome: Outcome, issue: InvoiceRecord | None) -> list[InvoiceRecord]:
    """A customer counted FAILED (when its last delivery began, or before its message was redriven from the
    DLQ) that has now succeeded: issue its invoice and move its count from FAILED in one transaction, so
    that an issued invoice is never left counted as a failure."""
    tx = Transaction()
    issuing = invoices.issue_in(tx, issue) if issue is not None else None
    tx.put(
        _outcome_item(account_id, run_id, outcome),
        "outcome",
        BillingRunOutcome.outcome == RunOutcome.FAILED.value,
    )
    tx.update(
        _run_item(account_id, run_id),
        "run",
        [BillingRunItem.failed.add(-1), _COUNTERS[outcome.outcome].add(1), BillingRunItem.updated_at.set(utcnow())],
    )
    try:
        tx.commit()
    except TransactionFailed as failure:
        if issue is not None and set(failure.failed) == {f"issue:{outcome.customer_id}"}:
            return _recount_failed(account_id, run_id, outcome, None)  # issued meanwhile by another worker
        return []  # recounted meanwhile by another worker
    return [issuing] if issuing is not None else []
