"""Billing runs: started by the daily schedule or by hand, both the same way. A run closes the cycle for
usage, then fans out one invoice request per customer through SQS, a page of customers at a time, so
that a reseller with a million customers is fanned out by many short invocations.

One run at a time bills a cycle: the cycle's active run is recorded with the run, in one transaction, and
another run for the cycle starts only once that one is final (a manual one is 409 `run_in_progress`
meanwhile, also when two requests arrive at once; the schedule leaves the cycle to the run under way)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from reseller_billing.dal import billing_runs as table
from reseller_billing.dal import customers as customers_table
from reseller_billing.dal.billing_runs import ActiveRunMoved, RunExists
from reseller_billing.errors import ConflictError, ErrorCode, TransientError, UnprocessableError
from reseller_billing.ids import fixed_id, new_id
from reseller_billing.integration import queues
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.logic.invoice_composition import cycle_of_run_date
from reseller_billing.logic.pricing import price_list_for
from reseller_billing.models.billing_runs import BillingRun, BillingRunRecord, RunTrigger
from reseller_billing.models.common import Page, utcnow, utctoday
from reseller_billing.models.customers import BillableCustomer
from reseller_billing.models.messages import FanoutPageMessage, InvoicedCustomer, InvoiceRequestMessage
from reseller_billing.observability import logger
from reseller_billing.settings import get_settings

# Taking a cycle's active run loses only to another run taking it at the same moment; the next attempt
# then finds that run.
START_ATTEMPTS = 4


class RunInProgressError(ConflictError):
    """Another run of the same account and cycle is QUEUED or RUNNING."""

    def __init__(self, run: BillingRunRecord):
        super().__init__(
            f"billing run {run.id} for the cycle {run.cycle_start} .. {run.cycle_end} is {run.status}; "
            "start another once it has finished",
            code=ErrorCode.RUN_IN_PROGRESS,
        )
        self.run = run


def scheduled_run_id(run_date: date) -> str:
    """One scheduled run per reseller and day: a schedule that fires twice finds the run it started."""
    return fixed_id("run", datetime.combine(run_date, datetime.min.time(), UTC), "SCHEDULED")


def start_billing_run(
    account_id: str, run_date: date, trigger: RunTrigger, today: date, customer_ids: Sequence[str] | None = None
) -> BillingRunRecord:
    """Validate, record the run with its price list as the cycle's active run, close the cycle, and
    enqueue the first fan-out page; with `customer_ids`, the run bills those customers alone.
    RunInProgressError while another run of the cycle is not final."""
    account, profile = load_reseller(account_id)
    chosen = _chosen_customers(account_id, customer_ids) if customer_ids is not None else None
    if run_date > today:
        raise UnprocessableError(
            "run_date is in the future: only ended cycles are billed",
            code=ErrorCode.RUN_DATE_IN_FUTURE,
            details=[{"in": "body", "field": "run_date", "message": "after today"}],
        )
    cycle = cycle_of_run_date(profile, run_date)
    if not profile.customer_invoice_creation:
        raise ConflictError("customer invoicing is off in this reseller's profile", code=ErrorCode.INVOICING_DISABLED)
    price_list = price_list_for(account, profile, cycle.start)
    now = utcnow()
    run = BillingRunRecord(
        id=scheduled_run_id(run_date) if trigger is RunTrigger.SCHEDULE else new_id("run"),
        account_id=account_id,
        run_date=run_date,
        cycle_start=cycle.start,
        cycle_end=cycle.end,
        proration_days=cycle.proration_days,
        trigger=trigger,
        customer_ids=chosen,
        created_at=now,
        updated_at=now,
    )
    started = _record_active_run(run, price_list.to_json())
    if started.fanout_enqueued:
        return started  # the schedule fired again for a run already under way
    return _set_off(started)


def _chosen_customers(account_id: str, customer_ids: Sequence[str]) -> tuple[str, ...]:
    """The chosen customers' ids, sorted and once each; 422 naming each that is not a customer of the account."""
    known = {customer.id for customer in customers_table.get_customers(account_id, set(customer_ids))}
    unknown = [
        {"in": "body", "field": f"customer_ids.{n}", "message": "not a customer of this account", "type": "value_error"}
        for n, customer_id in enumerate(customer_ids)
        if customer_id not in known
    ]
    if unknown:
        raise UnprocessableError(f"{len(unknown)} of customer_ids are not customers of this account", details=unknown)
    return tuple(sorted(known))


def customers_page(run: BillingRunRecord, limit: int, cursor: str | None) -> Page[BillableCustomer]:
    """A page of the run's customers with their SIM counts, in id order, from `cursor`: the account's
    customers, or the chosen ones (then the cursor is the position in their list)."""
    if run.customer_ids is None:
        return customers_table.list_billable_customers(run.account_id, limit, cursor)
    start = int(cursor) if cursor else 0
    end = min(start + limit, len(run.customer_ids))
    customers = customers_table.get_billable_customers(run.account_id, run.customer_ids[start:end])
    return Page(
        items=sorted(customers, key=lambda billable: billable.customer.id),
        next_cursor=str(end) if end < len(run.customer_ids) else None,
    )


def _record_active_run(run: BillingRunRecord, price_list: dict[str, Any]) -> BillingRunRecord:
    """Store the run as its cycle's active run; the stored run if it exists already."""
    for attempt in range(START_ATTEMPTS):
        active = table.active_run(run.account_id, run.cycle_start)
        if active is not None and active.id == run.id:
            return active
        if active is not None and not active.status.is_final:
            if not active.fanout_enqueued:
                _set_off(active)  # its start was cut short: finish it, so that it can end
            raise RunInProgressError(active)
        try:
            return table.insert_run(run, price_list, active.id if active is not None else None)
        except RunExists as exists:
            return exists.run
        except (ActiveRunMoved, TransientError):
            time.sleep(0.02 * 2**attempt)
    raise TransientError("other billing runs of this cycle kept starting at the same moment; retry")


def _set_off(run: BillingRunRecord) -> BillingRunRecord:
    """Close the run's cycle and enqueue its first fan-out page (again, if a start was cut short: a page
    is counted once, an invoice issued once)."""
    table.close_cycle(run.account_id, run.cycle_start)
    queues.send_fanout_page(FanoutPageMessage(account_id=run.account_id, run_id=run.id, page=0, cursor=None))
    return table.mark_fanout_enqueued(run)


def start_manual_run(account_id: str, run_date: date, customer_ids: Sequence[str] | None = None) -> BillingRun:
    """A run started through the API (by an operator or the reseller's own users), for every customer or
    the chosen ones."""
    run = start_billing_run(account_id, run_date, RunTrigger.MANUAL, today=utctoday(), customer_ids=customer_ids)
    return run.as_billing_run()


def run_scheduled_billing(day: date) -> list[str]:
    """The daily schedule: start a run for every reseller with customer invoicing on for which `day` is a
    run date (the day after one of its cycles ends, as its billing-cycle history has them). A cycle that
    a manual run is billing is left to it. A failing reseller is logged and does not stop the others."""
    if day.day > 28:
        return []
    started, failed = [], []
    for account_id in table.resellers_invoicing_on(day.day):
        try:
            _, profile = load_reseller(account_id)
            if not profile.customer_invoice_creation or not profile.schedule.is_run_date(day):
                continue
            started.append(start_billing_run(account_id, day, RunTrigger.SCHEDULE, today=day).id)
        except RunInProgressError as busy:
            logger.info("a manual run is billing the cycle", extra={"account_id": account_id, "run_id": busy.run.id})
        except Exception:
            logger.exception("could not start the scheduled billing run", extra={"account_id": account_id})
            failed.append(account_id)
    if failed:
        # Failing the invocation makes EventBridge retry it; runs already started are found, not repeated.
        raise RuntimeError(f"billing runs failed to start for {len(failed)} resellers: {failed[:10]}")
    return started


def fan_out_page(message: FanoutPageMessage) -> None:
    """Send one page of a run's customers to the invoice queue, enqueue the next page, count this one."""
    run = table.get_run(message.account_id, message.run_id)
    customers = customers_page(run, get_settings().fanout_page_size, message.cursor)
    if customers.next_cursor:
        # The next page first: pages are then fanned out by several instances at once, not in a chain.
        queues.send_fanout_page(message.model_copy(update={"page": message.page + 1, "cursor": customers.next_cursor}))
    queues.send_invoice_requests(
        [
            InvoiceRequestMessage(
                account_id=run.account_id,
                run_id=run.id,
                run_date=run.run_date,
                customer=InvoicedCustomer.of(billable.customer),
                sims=billable.sims,
            )
            for billable in customers.items
        ]
    )
    table.record_fanout_page(
        message.account_id,
        message.run_id,
        message.page,
        [c.customer.id for c in customers.items],
        customers.next_cursor,
    )


def get_run(account_id: str, run_id: str) -> BillingRun:
    load_reseller(account_id)
    return table.get_run(account_id, run_id).as_billing_run()


def list_runs(account_id: str, limit: int, cursor: str | None) -> Page[BillingRun]:
    load_reseller(account_id)
    page = table.list_runs(account_id, limit, cursor)
    return Page(items=[run.as_billing_run() for run in page.items], next_cursor=page.next_cursor)
