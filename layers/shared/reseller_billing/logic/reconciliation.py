"""The reconciler: every billing run reaches a final status, also when the path that would have finished
it broke off. A worker can die before its first write on a message's last delivery (the message goes to
the dead-letter queue, and no outcome was counted); a fan-out page can fail five times and be parked in its
dead-letter queue (its customers were never asked for, and the pages after it maybe not either). Either way
the run would stay RUNNING for ever.

A run is listed among the unfinished ones (GSI3) from the moment it starts. Every 15 minutes the reconciler
(`BillingReconcilerFunction`) goes through that list. It leaves alone a run that moved (a page recorded, an
outcome counted) in the last `reconcile_after_seconds` (75 minutes: longer than an invoice request's five
deliveries, 5 x 12 minutes, so no message of the run is still being retried). A run quiet for that long:

* final (COMPLETED or COMPLETED_WITH_FAILURES): it leaves the list;
* not final, the first time (`REQUEUE_ROUNDS`): what can still be done is enqueued again. Each fan-out page
  known to be missing (page 0, or the page after a recorded one) goes to the fan-out queue with the cursor
  it starts at; each customer of a recorded page without an outcome (up to `REQUEUE_LIMIT`) goes to the
  invoice queue. The fan-out and the worker do nothing twice, so whatever is still in flight does no harm;
* not final after that: it is settled. The pages still missing are listed and recorded as the fan-out would
  record them, and every customer without an outcome is counted FAILED with the reason "reconciled: no
  outcome N minutes after the run started". The run is now final (COMPLETED_WITH_FAILURES), and the
  `CustomersReconciledFailed` metric raises an alarm. Redriving the dead-letter queues later turns those
  FAILED into ISSUED or SKIPPED, as for any failure (dal/billing_runs.py, `_recount_failed`).

Which customers a run asked for comes from its pages: each recorded page holds its customers' ids and the
cursor of the next page. Every step is conditional or idempotent, so a reconciler that dies half-way is
finished by the next pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from reseller_billing.dal import billing_runs as table
from reseller_billing.dal import customers as customers_table
from reseller_billing.dal.billing_runs import Outcome
from reseller_billing.integration import queues
from reseller_billing.logic.billing_runs import customers_page
from reseller_billing.models.billing_runs import BillingRunRecord, FanoutPageRecord, RunOutcome
from reseller_billing.models.messages import FanoutPageMessage, InvoicedCustomer, InvoiceRequestMessage
from reseller_billing.observability import logger
from reseller_billing.settings import get_settings

REQUEUE_ROUNDS = 1
"""Times a run that stopped gets what it left undone enqueued again before it is settled."""

REQUEUE_LIMIT = 10_000
"""Invoice requests enqueued again per run and round; beyond that many, something is broken that a
retry does not mend, and the rest are settled."""


@dataclass
class Reconciliation:
    """What a pass did: its log line and metrics."""

    runs_seen: int = 0
    runs_left_the_list: int = 0
    runs_requeued: int = 0
    runs_settled: int = 0
    pages_requeued: int = 0
    customers_requeued: int = 0
    pages_recorded: int = 0
    customers_failed: int = 0


@dataclass(frozen=True, slots=True)
class _MissingPage:
    """A fan-out page the run never recorded, and where it starts."""

    page: int
    cursor: str | None


def reconcile_runs(now: datetime) -> Reconciliation:
    """One pass over the unfinished runs (see the module). A run that fails is logged and does not stop the
    others; the pass then fails, so that the schedule's retries and dead-letter queue show it."""
    done = Reconciliation()
    quiet = timedelta(seconds=get_settings().reconcile_after_seconds)
    failed = []
    for account_id, run_id in table.unfinished_runs():
        done.runs_seen += 1
        try:
            run = table.get_run(account_id, run_id)
            if now - run.updated_at < quiet:
                continue  # moving, or finished lately: nothing is written to a run that moved lately
            if run.is_final:
                table.forget_finished(account_id, run_id)
                done.runs_left_the_list += 1
            elif run.requeued < REQUEUE_ROUNDS:
                _requeue(run, done)
            else:
                _settle(run, now, done)
        except Exception:
            logger.exception("could not reconcile a billing run", extra={"account_id": account_id, "run_id": run_id})
            failed.append(run_id)
    if failed:
        raise RuntimeError(f"{len(failed)} billing runs could not be reconciled: {failed[:10]}")
    return done


def _requeue(run: BillingRunRecord, done: Reconciliation) -> None:
    """Enqueue again the run's missing fan-out pages and its fanned-out customers without an outcome."""
    if not run.fanout_enqueued:
        table.close_cycle(run.account_id, run.cycle_start)  # as the run's start does, before any page

    def send_page(missing: _MissingPage) -> None:
        queues.send_fanout_page(
            FanoutPageMessage(account_id=run.account_id, run_id=run.id, page=missing.page, cursor=missing.cursor)
        )
        done.pages_requeued += 1

    budget = REQUEUE_LIMIT
    for page in _pages(run, send_page):
        waiting = _without_outcome(run, page)[:budget]
        if waiting:
            customers = customers_table.get_billable_customers(run.account_id, waiting)
            queues.send_invoice_requests(
                [
                    InvoiceRequestMessage(
                        account_id=run.account_id,
                        run_id=run.id,
                        run_date=run.run_date,
                        customer=InvoicedCustomer.of(billable.customer),
                        sims=billable.sims,
                    )
                    for billable in customers
                ]
            )
            budget -= len(waiting)
            done.customers_requeued += len(customers)
    if not run.fanout_enqueued:
        table.mark_fanout_enqueued(run)
    table.mark_requeued(run.account_id, run.id)
    done.runs_requeued += 1
    logger.info("billing run re-enqueued", extra={"account_id": run.account_id, "run_id": run.id})


def _settle(run: BillingRunRecord, now: datetime, done: Reconciliation) -> None:
    """Record the pages still missing as the fan-out would, and count every customer without an outcome
    FAILED: the run is final."""
    if not run.fanout_enqueued:
        table.close_cycle(run.account_id, run.cycle_start)
    page_size = get_settings().fanout_page_size
    minutes = int((now - run.created_at).total_seconds() // 60)
    reason = f"reconciled: no outcome {minutes} minutes after the run started"

    def record_page(missing: _MissingPage) -> FanoutPageRecord:
        customers = customers_page(run, page_size, missing.cursor)
        ids = tuple(billable.customer.id for billable in customers.items)
        table.record_fanout_page(run.account_id, run.id, missing.page, ids, customers.next_cursor)
        done.pages_recorded += 1
        return FanoutPageRecord(missing.page, ids, customers.next_cursor)

    failed = 0
    for page in _pages(run, record_page):
        waiting = _without_outcome(run, page)
        table.record_outcomes(run.account_id, run.id, [Outcome(c, RunOutcome.FAILED, reason=reason) for c in waiting])
        failed += len(waiting)
    done.customers_failed += failed
    done.runs_settled += 1
    logger.warning(
        "billing run settled: customers without an outcome counted FAILED",
        extra={"account_id": run.account_id, "run_id": run.id, "failed": failed},
    )


def _pages(
    run: BillingRunRecord, missing: Callable[[_MissingPage], FanoutPageRecord | None]
) -> Iterator[FanoutPageRecord]:
    """The run's fan-out page by page, in order: each recorded page, and for each page known to be missing
    (page 0, or the one after a recorded page that names its cursor) what `missing` makes of it. A page it
    returns counts as recorded (its cursor leads on); after None, the next missing one is known only from
    the next recorded page."""
    expected: _MissingPage | None = _MissingPage(0, None)
    for page in table.fanout_pages(run.account_id, run.id):
        while expected is not None and expected.page < page.page:
            filled = missing(expected)
            if filled is None:
                expected = None
            else:
                yield filled
                expected = _after(filled)
        yield page
        expected = _after(page)
    while expected is not None:
        filled = missing(expected)
        if filled is None:
            return
        yield filled
        expected = _after(filled)


def _after(page: FanoutPageRecord) -> _MissingPage | None:
    return _MissingPage(page.page + 1, page.next_cursor) if page.next_cursor is not None else None


def _without_outcome(run: BillingRunRecord, page: FanoutPageRecord) -> list[str]:
    """The page's customers whose outcome the run has not counted."""
    if not page.customer_ids:
        return []
    counted = table.counted_customers(run.account_id, run.id, page.customer_ids[0], page.customer_ids[-1])
    return [customer_id for customer_id in page.customer_ids if customer_id not in counted]
